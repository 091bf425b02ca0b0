"""``liangxian`` — one command, many subcommands.

Each subcommand lives in ``liangxian/commands/<name>.py`` and exposes ``register(subparsers)``; the
module list below fixes the order of ``--help``. Subcommands print JSON on stdout where the issue
tracker specifies a contract, and keep diagnostics on stderr (logging).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from liangxian import __version__

COMMAND_MODULES = (
    "entitle",
    "check_id",
    "store",
    "records",
    "sync",
    "search",
    "printing",
    "gui",
    "central",
)

# Which module defines each subcommand, so that running one imports only its own module (the GUI
# starts about 80 ms sooner than with every module imported). A test keeps this in step with the
# modules.
COMMAND_OWNERS = {
    "entitle": "entitle",
    "check-id": "check_id",
    "check-uscc": "check_id",
    "init": "store",
    "register": "store",
    "audit": "store",
    "backup": "store",
    "restore": "store",
    "doctor": "store",
    "seed": "store",
    "user": "store",
    "key": "store",
    "show": "records",
    "update": "records",
    "review": "records",
    "enroll": "sync",
    "sync": "sync",
    "conflicts": "sync",
    "export-bundle": "sync",
    "import-bundle": "sync",
    "search": "search",
    "print": "printing",
    "print-samples": "printing",
    "verify": "printing",
    "gui": "gui",
    "central": "central",
    "serve": "central",
}

DESCRIPTION = """\
liangxian 两险合并经办窗口 — counter client for merged maternity insurance (生育保险) and employee
basic medical insurance (职工基本医疗保险) in Lianyungang and Lhasa. Works offline on a local SQLite
database. Run `liangxian COMMAND --help` for the details of each command."""


def _chosen_command(argv: list[str]) -> str | None:
    """The subcommand named in ``argv`` (the first argument that is not an option)."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg
    return None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser with every subcommand, or — given ``argv`` naming a known subcommand — with just
    the module that defines it."""
    parser = argparse.ArgumentParser(
        prog="liangxian", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"liangxian {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log diagnostics to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = _chosen_command(argv) if argv is not None else None
    modules = (COMMAND_OWNERS[chosen],) if chosen in COMMAND_OWNERS else COMMAND_MODULES
    for name in modules:
        try:
            module = importlib.import_module(f"liangxian.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"liangxian.commands.{name}":
                continue  # that part of the product is not built yet
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    return int(args.func(args) or 0)

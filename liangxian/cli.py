"""``liangxian`` — one command, many subcommands.

Each subcommand lives in ``liangxian/commands/<name>.py`` and exposes ``register(subparsers)``; the
module list below fixes the order of ``--help``. Subcommands print JSON on stdout where the issue
tracker specifies a contract, and keep diagnostics on stderr (logging).

Exit status, whatever the command: 0 done; 1 a negative answer the command documents (not genuine,
not valid, not healthy); 2 a refusal, always coded and bilingual (bad arguments included: argparse's
own errors go through ``CodedArgumentParser``); 70 an internal error (``EX_SOFTWARE``): a coded
``internal.error`` on stdout, the traceback in the log (stderr), never exit 1 for a crash.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import NoReturn

from liangxian import __version__

log = logging.getLogger("liangxian")
EXIT_INTERNAL = 70  # sysexits.h EX_SOFTWARE

COMMAND_MODULES = (
    "entitle",
    "check_id",
    "store",
    "records",
    "sync",
    "search",
    "printing",
    "stats",
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
    "stats": "stats",
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


class CodedArgumentParser(argparse.ArgumentParser):
    """argparse with its refusals in our envelope: ``cli.usage`` (argparse's own text as the detail),
    bilingual on stderr under the usage line and as JSON on stdout, exit 2. Subparsers inherit it."""

    def error(self, message: str) -> NoReturn:
        from forms.errors import error
        from liangxian.jsonio import emit

        issue = error("cli.usage", "", detail=message, command=self.prog)
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{issue.message('zh')}\n{issue.message('bo')}\n")
        emit({"errors": [issue.to_json()]})
        self.exit(2)


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser with every subcommand, or — given ``argv`` naming a known subcommand — with just
    the module that defines it."""
    parser = CodedArgumentParser(
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


def _refuse(issues: list, exit_code: int = 2) -> int:
    from liangxian.jsonio import emit

    for issue in issues:
        sys.stderr.write(f"{issue.message('zh')}\n{issue.message('bo')}\n")
    emit({"errors": [i.to_json() for i in issues]})
    return exit_code


def main(argv: list[str] | None = None) -> int:
    from forms.errors import error

    argv = sys.argv[1:] if argv is None else argv
    # bytes that are not UTF-8 arrive as lone surrogates (surrogateescape): refuse them at the door
    if any("\ud800" <= ch <= "\udfff" for arg in argv for ch in arg):
        return _refuse([error("text.surrogate", "argv")])
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
    return run_guarded(args)


def run_guarded(args: argparse.Namespace) -> int:
    """Run the chosen command. A coded refusal no command caught is exit 2; a busy database is
    ``store.busy`` (exit 2); anything else is an internal error: the traceback goes to the log
    (stderr), a coded bilingual ``internal.error`` to stdout, exit 70."""
    from forms.errors import CodedError, error

    try:
        return int(args.func(args) or 0)
    except CodedError as exc:
        return _refuse(exc.issues)
    except Exception as exc:
        from localdb.errors import StoreBusy, is_busy

        if is_busy(exc):
            return _refuse(StoreBusy().issues)
        log.error("internal error in `liangxian %s`", args.command, exc_info=True)
        return _refuse(
            [error("internal.error", "", command=str(args.command), kind=type(exc).__name__)], EXIT_INTERNAL
        )

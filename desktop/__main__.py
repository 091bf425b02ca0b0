"""``python -m desktop --db PATH``: the counter window without the ``liangxian`` command line in
front (same options as ``liangxian gui``; starts a little faster, as no other subcommand is
loaded)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m desktop", description=__doc__)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--lang", choices=("zh", "bo", "en"), default="zh")
    parser.add_argument("--idle-minutes", type=int, default=10)
    parser.add_argument("--exit-after-shown", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr)
    from desktop.app import run

    return run(
        args.db, lang=args.lang, exit_after_shown=args.exit_after_shown, idle_minutes=args.idle_minutes
    )


if __name__ == "__main__":
    raise SystemExit(main())

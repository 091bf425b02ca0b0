"""``liangxian gui``: the desktop counter client (PySide6; Qt is imported only inside ``desktop``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from liangxian.argtypes import bounded_int

HELP = """\
Open the counter window on the local database DB (created by the first-run dialog when missing:
region, county, counter number and the local admin). Staff log in offline; the session locks after
--idle-minutes without input. Needs a display (DISPLAY or WAYLAND_DISPLAY), unless QT_QPA_PLATFORM
is set (e.g. offscreen). Exit status 0; 3 when there is no display."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "gui",
        help="open the desktop counter client",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--db", type=Path, required=True, help="the local SQLite store of this counter")
    p.add_argument(
        "--lang", choices=("zh", "bo", "en"), default="zh", help="UI language at start (default zh)"
    )
    p.add_argument(
        "--idle-minutes", type=bounded_int(1, 1440), default=10, help="lock the session after this idle time"
    )
    p.add_argument(
        "--exit-after-shown",
        action="store_true",
        help="exit 0 once the main window is shown and the store opened (smoke test, benchmark)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from desktop.app import run as run_gui

    return run_gui(
        args.db,
        lang=args.lang,
        exit_after_shown=args.exit_after_shown,
        idle_minutes=args.idle_minutes,
    )

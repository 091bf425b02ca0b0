"""``liangxian search --db PATH --json QUERY``: persons (or employers) matching a query, best first."""

from __future__ import annotations

import argparse
import sys

from liangxian.argtypes import bounded_int

MAX_QUERY_CHARS = 200  # a name, an ID number or a company name; anything longer is not a query

HELP = """\
Search persons by ID number (full or prefix), Chinese name, pinyin (full or initials: `zx` finds
张晓), Tibetan name or its Wylie form (`bkra shis`); with --employers, employers by name or USCC.
JSON: a list of {id, name_zh, name_bo, id_masked, category, score, matched}, best first (score 1.0 is
an exact match)."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "search",
        help="search persons or employers",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--db", required=True, metavar="PATH")
    p.add_argument("--json", action="store_true", help="print JSON (default: one line per match)")
    p.add_argument(
        "--limit",
        type=bounded_int(1, 1000),
        default=50,
        help="at most this many matches (1-1000, default 50)",
    )
    p.add_argument("--employers", action="store_true", help="search employers instead of persons")
    p.add_argument("query")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from liangxian.jsonio import emit
    from liangxian.jsonio import guarded as _guarded
    from localdb import open_store

    if len(args.query) > MAX_QUERY_CHARS:
        from forms.errors import error
        from liangxian.jsonio import fail

        return fail([error("search.query_too_long", "query", max=MAX_QUERY_CHARS)])

    def action() -> int:
        store = open_store(args.db)
        try:
            if args.employers:
                found = store.search_employers(args.query, args.limit)
            else:
                found = store.search_persons(args.query, args.limit)
        finally:
            store.close()
        if args.json:
            emit(found)
        else:
            for r in found:
                ident = r.get("id_masked") or r.get("uscc")
                sys.stdout.write(f"{r['score']:.2f}\t{ident}\t{r['name_zh']}\t{r.get('name_bo') or ''}\n")
        return 0

    return _guarded(action)

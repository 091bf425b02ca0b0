"""``liangxian central …`` (the server's organisation: region, counties, counters, staff) and
``liangxian serve`` (the central server over HTTP, with uvicorn).

``--db`` is a SQLAlchemy URL (``postgresql+psycopg://user@host/db``) or a plain path (a SQLite file).
Every command prints JSON; a refusal is the common envelope ``{"errors": [...]}`` with exit 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from typing import Any

from forms.errors import CodedError, error
from liangxian.jsonio import emit, fail

log = logging.getLogger(__name__)


def _db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", required=True, help="SQLAlchemy URL or path of a SQLite file")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "central",
        help="the central server's organisation (counties, counters, staff)",
        description="Set up the central server: its region, counties, counters (devices) and staff users.",
    )
    csub = p.add_subparsers(dest="central_command", metavar="COMMAND", required=True)

    q = csub.add_parser("init", help="create or migrate the server database for a region")
    _db(q)
    q.add_argument("--region", required=True, help="lhasa or lianyungang")
    q.set_defaults(func=lambda a: _run(a, lambda s: s.init(a.region), init=True))

    q = csub.add_parser(
        "key",
        help="the server key's fingerprint (what `liangxian enroll --server-key` is given)",
        description=(
            "The server's own Ed25519 key signs every answer, pull page and reply bundle; it lives in the "
            "OS keyring of the machine that runs `liangxian serve` and is made there on first use. Prints "
            "{server_id, server_key_fingerprint, server_key_b64}. Give the fingerprint to each counter's "
            "admin with its enrollment code (`counter add` prints it too), over a channel a fake server "
            "cannot touch (paper, a phone call)."
        ),
    )
    _db(q)
    q.set_defaults(func=lambda a: _run(a, lambda s: _key_info(s)))

    county = csub.add_parser("county", help="counties").add_subparsers(dest="county_command", required=True)
    q = county.add_parser("add", help="add a county (GB/T 2260 code) of the server's region")
    _db(q)
    q.add_argument("--code", required=True)
    q.set_defaults(func=lambda a: _run(a, lambda s: s.add_county(a.code)))

    counter = csub.add_parser("counter", help="counters (devices)").add_subparsers(
        dest="counter_command", required=True
    )
    q = counter.add_parser(
        "add",
        help=(
            "add a counter; prints its one-time enrollment_code (24 h, usable once) and the "
            "server_key_fingerprint its admin types with it"
        ),
        description=(
            "Add counter N of a county. Prints {enrollment_code, expires_at, counter_id, …, "
            "server_key_fingerprint}: give the code (24 h, usable once) and the fingerprint to the "
            "counter's admin over a channel a fake server cannot touch (paper, a phone call), for "
            "`liangxian enroll --code CODE --server-key FINGERPRINT`. The code also authorises the users "
            "that counter offers at enrollment: each name the county does not have yet becomes its staff."
        ),
    )
    _db(q)
    q.add_argument("--county", required=True)
    q.add_argument("--counter", required=True, type=int)
    q.set_defaults(func=lambda a: _run(a, lambda s: _with_key(s, s.add_counter(a.county, a.counter))))
    q = counter.add_parser("revoke", help="revoke a counter's credential")
    _db(q)
    q.add_argument("--county", required=True)
    q.add_argument("--counter", required=True, type=int)
    q.set_defaults(func=lambda a: _run(a, lambda s: s.revoke_counter(a.county, a.counter)))

    user = csub.add_parser("user", help="staff users").add_subparsers(dest="user_command", required=True)
    q = user.add_parser(
        "add",
        help="add a staff user of a county (password from stdin)",
        description=(
            "Add a staff user of a county (password from stdin). Users a counter had at its enrollment "
            "were offered then; a user added at a counter after it is added here, and the work of hers "
            "the server refused (sync.unknown_actor) is sent again by `liangxian sync --retry-refused` "
            "(or the sync screen's button). The name sync is reserved (central.reserved_username)."
        ),
    )
    _db(q)
    q.add_argument("--county", required=True)
    q.add_argument("--username", required=True)
    q.add_argument("--role", required=True, help="clerk, reviewer or admin")
    q.add_argument("--password-stdin", action="store_true", required=True)
    q.set_defaults(func=_run_user_add)

    q = csub.add_parser(
        "stats",
        help="the statistics indicators of a county, or of every county, from the server",
        description=(
            "The same indicators as `liangxian stats` at a counter (one definition: forms/indicators.py), "
            "over every counter's records on the server: one county with --county, else every county of "
            "the region side by side (`by_county`). JSON keys as in `liangxian stats --help`."
        ),
    )
    _db(q)
    q.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
    q.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
    q.add_argument("--county", metavar="CODE", help="one county (default: every county of the region)")
    q.add_argument("--json", action="store_true", help="print JSON (the default)")
    q.set_defaults(func=_run_stats)

    q = csub.add_parser(
        "import-bundle",
        help="apply a counter's bundle (carried without a link) and write its reply",
        description=(
            "Open a bundle made by `liangxian export-bundle` (encrypted to this server, signed by an "
            "enrolled counter), apply its changes through the same checks as a push (importing the same "
            "bundle again changes nothing) and write the reply bundle (0600) for that counter: the answers "
            "and the county's changes since the counter's cursor, encrypted to the counter. A bundle for "
            "another server, from an unknown or revoked counter, tampered or truncated is refused (exit 2). "
            "Prints {counter_id, county_code, counter_no, bundle_id, changes, applied, rejected, conflicts, "
            "duplicates, records, cursor, reply}."
        ),
    )
    _db(q)
    q.add_argument("file", metavar="FILE", help="the counter's bundle")
    q.add_argument("--out", required=True, metavar="REPLY", help="the reply bundle to write")
    q.set_defaults(func=lambda a: _run(a, lambda s: _import_bundle(s, a.file, a.out)))

    p = sub.add_parser(
        "serve",
        help="run the central server (HTTP, uvicorn)",
        description=(
            "The central server over plain HTTP (TLS through a reverse proxy: docs/central.md): GET "
            "/v1/key, POST /v1/enroll, /v1/hello, /v1/push, /v1/pull and GET /v1/counts, described at GET "
            "/openapi.json. Every answer is signed by the server key (OS keyring, made on first use; "
            "`liangxian central key` prints its fingerprint). Logs warnings and errors on stderr, and one "
            "INFO line per client that went away mid-request."
        ),
    )
    _db(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8750)
    p.set_defaults(func=run_serve)


def _server(db: str) -> Any:
    from central.service import CentralServer

    return CentralServer(db)


def _signing_key(server: Any) -> Any:
    """The server key from the OS keyring (made on first use)."""
    from liangxian.keys import server_signing_key

    return server_signing_key(server.info().server_id)


def _key_info(server: Any) -> dict[str, Any]:
    from sync.protocol import public_key_of, server_key_fingerprint

    public = public_key_of(_signing_key(server))
    return {
        "server_id": server.info().server_id,
        "server_key_fingerprint": server_key_fingerprint(public),
        "server_key_b64": public,
    }


def _with_key(server: Any, out: dict[str, Any]) -> dict[str, Any]:
    """``out`` and the server key's fingerprint (the key is made now if it does not exist yet)."""
    return {**out, "server_key_fingerprint": _key_info(server)["server_key_fingerprint"]}


def _import_bundle(server: Any, file: str, out: str) -> dict[str, Any]:
    from central.bundles import import_bundle

    return import_bundle(server, file, out, signing_key=_signing_key(server))


def _run(args: argparse.Namespace, action: Callable[[Any], dict[str, Any]], *, init: bool = False) -> int:
    try:
        server = _server(args.db)
    except Exception as exc:  # a URL SQLAlchemy cannot use, a missing driver
        return fail([error("central.db_failed", "db", url=args.db, detail=str(exc))])
    from liangxian.keys import KeyringUnavailable

    try:
        if not init:
            server.info()
        emit(action(server))
        return 0
    except CodedError as exc:
        return fail(exc.issues)
    except KeyringUnavailable as exc:  # no keyring for the server key
        return fail([error(exc.code, "keyring", detail=exc.detail)])
    except Exception as exc:  # the database itself failed (unreachable, not ours, read-only)
        log.debug("central command failed", exc_info=True)
        return fail([error("central.db_failed", "db", url=args.db, detail=str(exc).splitlines()[0])])
    finally:
        server.close()


def _run_user_add(args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\n")
    return _run(args, lambda s: s.add_user(args.county, args.username, args.role, password))


def _run_stats(args: argparse.Namespace) -> int:
    import datetime as dt

    from central import stats
    from forms.indicators import Period

    try:
        start, end = dt.date.fromisoformat(args.start), dt.date.fromisoformat(args.end)
    except ValueError:
        return fail([error("date.format", "from")])
    if end < start:
        return fail([error("stats.period_reversed", "to")])
    return _run(args, lambda s: stats.indicators(s, Period(start, end), args.county).to_json())


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from central.app import create_app
    from liangxian.keys import KeyringUnavailable

    try:
        server = _server(args.db)
        server.info()
    except CodedError as exc:
        return fail(exc.issues)
    except Exception as exc:
        return fail([error("central.db_failed", "db", url=args.db, detail=str(exc).splitlines()[0])])
    try:
        key = _signing_key(server)
    except KeyringUnavailable as exc:
        return fail([error(exc.code, "keyring", detail=exc.detail)])
    app = create_app(args.db, server=server, signing_key=key)
    # the server's own notes (a client that went away mid-request) are INFO; uvicorn's stay at warning
    central_log = logging.getLogger("central")
    if central_log.getEffectiveLevel() > logging.INFO:
        central_log.setLevel(logging.INFO)
    logging.getLogger(__name__).warning("liangxian central serving on http://%s:%d", args.host, args.port)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", proxy_headers=True)
    return 0

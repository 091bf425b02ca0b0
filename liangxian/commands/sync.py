"""Sync from the command line: ``enroll`` the counter with the central server, ``sync`` once, list
and resolve ``conflicts``. The sync token and the counter's signing key live in the OS keyring; the
server's address and identity in the counter database's sync state."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from liangxian.auth import acting_service, add_password_args
from liangxian.jsonio import EXIT_INVALID, emit
from liangxian.jsonio import guarded as _guarded

EXIT_NOT_IN_STEP = 1
EXIT_NO_LINK = 3
TOKEN = "sync-token"
#: the counter's own account for unattended syncs: made at enrollment, without a password (it cannot
#: log in), so that the audit log names the machine, not a person who never proved who she is
SYNC_ACCOUNT = "sync"
SERVER_URL = "server.url"
ENROLLED_BY = "server.enrolled_by"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "enroll",
        help="enroll this counter with the central server (one-time code)",
        description=(
            "Send this counter's id, county, counter number and its Ed25519 public key (the key that signs "
            "printed QR codes) to the central server with the one-time enrollment code an administrator "
            "made there (`liangxian central counter add`). The server's answer (a bearer token) is kept in "
            "the OS keyring, never in a file; the server's address and identity in the database. Exit 2 "
            "for a wrong, used or expired code, a code of another county or counter, or no keyring; 3 when "
            "the server cannot be reached."
        ),
    )
    p.add_argument("--db", required=True, metavar="PATH", help="the counter database (SQLite file)")
    p.add_argument(
        "--server", required=True, metavar="URL", help="the central server, e.g. https://ybj.example.cn"
    )
    p.add_argument("--code", required=True, help="the one-time enrollment code")
    p.add_argument("--as", dest="user", metavar="USER", help="the admin enrolling (default: the first admin)")
    add_password_args(p, whose="the admin")
    p.set_defaults(func=run_enroll)

    p = sub.add_parser(
        "sync",
        help="sync with the central server once",
        description=(
            "Push every unsent change (signed, in batches; each answered on its own) and pull the county's "
            "changes, then check counts per record type. Prints {pushed, pulled, rejected, conflicts, "
            "duplicates_merged, cursor} with --json. Exit 0 when in step, 1 when changes were refused or "
            "conflicts wait (see `liangxian conflicts`), 2 when the server refused the request (e.g. a "
            "revoked credential), 3 when there is no link. A sync cut off resumes where it stopped."
        ),
    )
    p.add_argument("--db", required=True, metavar="PATH", help="the counter database (SQLite file)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument(
        "--as",
        dest="user",
        metavar="USER",
        help="sync as this user (with a password); default: the counter's sync account",
    )
    add_password_args(p)
    p.add_argument("--timeout", type=float, default=30.0, help=argparse.SUPPRESS)
    p.add_argument("--retries", type=int, default=5, help=argparse.SUPPRESS)
    p.set_defaults(func=run_sync)

    p = sub.add_parser(
        "conflicts",
        help="list open conflict items, or resolve one",
        description=(
            "Without a subcommand: the open conflict items the server found (the same field corrected at "
            "two counters, a duplicate application, an ID number another county holds), each with both "
            "values and who changed each when, as JSON. `conflicts resolve ID --as USER --take "
            "local|remote` resolves one (reviewer or admin); the decision reaches the server with the next "
            "sync."
        ),
    )
    p.add_argument("--db", metavar="PATH", help="the counter database (SQLite file)")
    p.add_argument("--json", action="store_true", help="print as JSON (the default)")
    p.set_defaults(func=run_conflicts)
    csub = p.add_subparsers(dest="conflicts_command", metavar="COMMAND")
    r = csub.add_parser("resolve", help="resolve one conflict item")
    r.add_argument("id", help="the conflict item's id")
    r.add_argument("--db", required=True, metavar="PATH", help="the counter database (SQLite file)")
    r.add_argument("--as", dest="user", required=True, metavar="USER", help="a reviewer or admin")
    r.add_argument("--take", required=True, choices=("local", "remote"), help="which value stands")
    add_password_args(r)
    r.set_defaults(func=run_resolve)


def _first_admin(store: Any) -> str:
    admins = [u["username"] for u in store.users() if u["role"] == "admin" and u["active"]]
    if not admins:
        from localdb.errors import UnknownUser

        raise UnknownUser(username="admin")
    return admins[0]


def _keyring_failed(exc: Any) -> int:
    from forms.errors import error

    emit({"errors": [error(exc.code, "keyring", detail=getattr(exc, "detail", "") or str(exc)).to_json()]})
    sys.stderr.write(f"{exc.message('zh')}\n{exc.message('bo')}\n")
    return EXIT_INVALID


def _no_link(exc: Any) -> int:
    sys.stderr.write(exc.bilingual() + "\n")
    emit({"errors": exc.to_json()})
    return EXIT_NO_LINK


def run_enroll(args: argparse.Namespace) -> int:
    from forms.errors import ValidationFailed, error
    from liangxian.keys import CounterKeyMissing, KeyringUnavailable, create_counter_key, store_secret
    from localdb import open_store
    from sync.http import enroll
    from sync.protocol import EnrollRequest, SyncUnavailable

    def action() -> int:
        store = open_store(args.db)
        try:
            args.user = args.user or _first_admin(store)
            svc = acting_service(args, store)
            user = svc.username
            svc._allow("counter.set_key")  # only an admin enrolls the counter
            info = store.counter_info
            try:
                public = store.counter.public_key_b64 or create_counter_key(info.id)
                if not store.counter.public_key_b64:
                    svc.set_counter_public_key(public)
                answer = enroll(
                    args.server,
                    EnrollRequest(args.code.strip(), info.id, info.county_code, info.counter_no, public),
                )
                if answer.region != store.region or answer.county_code != info.county_code:
                    raise ValidationFailed(
                        [error("enroll.mismatch", "server", region=answer.region, county=answer.county_code)]
                    )
                store_secret(TOKEN, info.id, answer.token)
            except (KeyringUnavailable, CounterKeyMissing) as exc:
                return _keyring_failed(exc)
            except SyncUnavailable as exc:
                return _no_link(exc)
            if not any(u["username"] == SYNC_ACCOUNT for u in store.users()):
                svc.add_user(SYNC_ACCOUNT, "clerk", None)
            svc.set_sync_state(
                {
                    SERVER_URL: args.server.rstrip("/"),
                    "server.id": answer.server_id,
                    "server.box_public_key": answer.server_box_public_key_b64,
                    "server.token_expires_at": answer.expires_at,
                    ENROLLED_BY: user,
                }
            )
            emit(
                {
                    "server": args.server.rstrip("/"),
                    "server_id": answer.server_id,
                    "region": answer.region,
                    "county_code": answer.county_code,
                    "counter_no": answer.counter_no,
                    "token_expires_at": answer.expires_at,
                }
            )
        finally:
            store.close()
        return 0

    return _sync_guarded(action)


def _sync_guarded(action: Any) -> int:
    """The store's refusals as usual; a server's refusal of the whole request as its coded errors."""
    from sync.protocol import SyncRefused

    def inner() -> int:
        try:
            return action()
        except SyncRefused as exc:
            sys.stderr.write(exc.bilingual() + "\n")
            emit({"errors": exc.to_json()})
            return EXIT_INVALID

    return _guarded(inner)


class _TerminalProgress:
    """A one-line progress bar on a terminal (stderr), nothing otherwise."""

    def __init__(self) -> None:
        self.on = sys.stderr.isatty()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.on:
            return
        width = 30
        filled = width if not total else min(width, width * done // max(total, 1))
        sys.stderr.write(f"\r{stage:5} [{'#' * filled}{'.' * (width - filled)}] {done}/{total or '?'}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.on:
            sys.stderr.write("\n")


def run_sync(args: argparse.Namespace) -> int:
    from forms.errors import error
    from liangxian.keys import CounterKeyMissing, KeyringUnavailable, load_counter_key, load_secret
    from localdb import open_store
    from sync.engine import SyncEngine
    from sync.http import HttpSync
    from sync.protocol import SyncUnavailable

    def action() -> int:
        store = open_store(args.db)
        try:
            state = store.sync_state()
            url = state.get(SERVER_URL)
            if not url:
                emit({"errors": [error("sync.not_enrolled", "db").to_json()]})
                return EXIT_INVALID
            info = store.counter_info
            try:
                key = load_counter_key(info.id)
                token = load_secret(TOKEN, info.id)
            except (KeyringUnavailable, CounterKeyMissing) as exc:
                return _keyring_failed(exc)
            if not token:
                emit({"errors": [error("sync.not_enrolled", "db").to_json()]})
                return EXIT_INVALID
            user = acting_service(args, store).username if args.user else SYNC_ACCOUNT
            progress = _TerminalProgress()
            with HttpSync(url, token, timeout=args.timeout, retries=args.retries) as transport:
                try:
                    report = SyncEngine(store, transport, username=user, key=key, progress=progress).run()
                except SyncUnavailable as exc:
                    progress.close()
                    return _no_link(exc)
            progress.close()
            out = report.to_json()
            if args.json:
                emit(out)
            else:
                sys.stdout.write(" ".join(f"{k}={v}" for k, v in out.items()) + "\n")
            return 0 if report.in_step else EXIT_NOT_IN_STEP
        finally:
            store.close()

    return _sync_guarded(action)


def run_conflicts(args: argparse.Namespace) -> int:
    from forms.errors import error
    from liangxian.jsonio import fail
    from localdb import open_store

    if not args.db:
        return fail([error("required", "db")])

    def action() -> int:
        store = open_store(args.db)
        try:
            emit(store.conflicts("open"))
        finally:
            store.close()
        return 0

    return _guarded(action)


def run_resolve(args: argparse.Namespace) -> int:
    from localdb import open_store

    def action() -> int:
        store = open_store(args.db)
        try:
            emit(acting_service(args, store).resolve_conflict(args.id, args.take))
        finally:
            store.close()
        return 0

    return _guarded(action)

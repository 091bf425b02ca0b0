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
from liangxian.syncjobs import (
    ENROLLED_BY,
    SERVER_URL,
    SYNC_ACCOUNT,
    TOKEN,
    _first_admin,
    enroll_counter,
)

EXIT_NOT_IN_STEP = 1
EXIT_NO_LINK = 3


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "enroll",
        help="enroll this counter with the central server (one-time code)",
        description=(
            "Send this counter's id, county, counter number and its Ed25519 public key (the key that signs "
            "printed QR codes) to the central server with the one-time enrollment code an administrator "
            "made there (`liangxian central counter add`). The server's answer (a bearer token) is kept in "
            "the OS keyring, never in a file; the server's address, identity and key in the database. "
            "--server-key is the server key's fingerprint that `central counter add` printed beside the "
            "code (24 characters, dashes and case do not matter): the code is sent only to a server "
            "holding that key, and from then on the counter refuses every answer not signed by it "
            "(sync.bad_server_signature). http:// is refused for anything but this machine unless "
            "--insecure-http (answers are still signed; the code can be read on the way). The counter's "
            "users (name, role, argon2id hash) are offered with the request: each name the county does not "
            "have yet becomes a staff user of the county, authorised by the code (docs/central.md); users "
            "added here later are added on the server with `central user add`. Exit 2 for a "
            "wrong, used or expired code, a code of another county or counter, another server key, or no "
            "keyring; 3 when the server cannot be reached."
        ),
    )
    p.add_argument("--db", required=True, metavar="PATH", help="the counter database (SQLite file)")
    p.add_argument(
        "--server", required=True, metavar="URL", help="the central server, e.g. https://ybj.example.cn"
    )
    p.add_argument(
        "--code",
        required=True,
        help='the one-time enrollment code (never begins with "-"; one from an older server that does is '
        "given as --code=CODE)",
    )
    p.add_argument(
        "--server-key",
        required=True,
        metavar="FINGERPRINT",
        help="the server key's fingerprint printed beside the code, e.g. K7Q2-M9XD-4HTP-R8WN-3FJC-6BNA",
    )
    p.add_argument(
        "--insecure-http",
        action="store_true",
        help="allow http:// to another machine (a test LAN); answers must still be signed",
    )
    p.add_argument("--as", dest="user", metavar="USER", help="the admin enrolling (default: the first admin)")
    add_password_args(p, whose="the admin")
    p.set_defaults(func=run_enroll)

    p = sub.add_parser(
        "sync",
        help="sync with the central server once",
        description=(
            "Push every unsent change (signed, in batches; each answered on its own) and pull the county's "
            "changes, then check counts per record type. Prints {pushed, pulled, rejected, conflicts, "
            "duplicates_merged, cursor} with --json. Every answer must be signed by the server key "
            "learned at enrollment, and within the counter's bounds (sizes, records, cursor). Exit 0 when "
            "in step, 1 when changes were refused or conflicts wait (see `liangxian conflicts`), 2 when the "
            "server refused the request (e.g. a revoked credential), an answer was refused "
            "(sync.bad_server_signature, sync.reply_too_large, sync.out_of_bounds) or the server sent a "
            "record this counter refuses (nothing of that page is written), 3 when there is no link or more "
            "waits to be pulled than one sync takes (sync again: it resumes). A sync cut off resumes where "
            "it stopped. Changes the server refused for a reason an administrator can fix there (a user "
            "not, or no longer, staff of the county; a role; an employer or record it did not have) are "
            "sent again with --retry-refused."
        ),
    )
    p.add_argument("--db", required=True, metavar="PATH", help="the counter database (SQLite file)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument(
        "--retry-refused",
        action="store_true",
        help="send again the changes refused for a reason fixed since on the server (unknown or revoked "
        "user, role, missing employer or record)",
    )
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

    p = sub.add_parser(
        "export-bundle",
        help="write every unsent change into one file for the server (no link)",
        description=(
            "For a county without a link: every unsent change of this counter in one bundle file (created "
            "0600), each change signed as for a sync, the whole signed by the counter's key and encrypted "
            "to the central server's X25519 key (received at enrollment) with a fresh key (X25519, "
            "HKDF-SHA256, AES-256-GCM). Carry it to an office with a link, where `liangxian central "
            "import-bundle` applies it and writes a reply; open the reply here with `liangxian "
            "import-bundle`. Nothing is marked sent until the reply (or an online sync) answers it. Prints "
            "{bundle_id, changes, file, bytes}. Acts as the counter's sync account."
        ),
    )
    p.add_argument("--db", required=True, metavar="PATH", help="the counter database (SQLite file)")
    p.add_argument("--out", required=True, metavar="FILE", help="the bundle file to write")
    p.set_defaults(func=run_export_bundle)

    p = sub.add_parser(
        "import-bundle",
        help="apply the server's reply bundle like a sync",
        description=(
            "Apply a reply bundle made by `liangxian central import-bundle` for this counter: the server's "
            "answers to the changes carried (refusals and conflicts as after a sync) and the county's "
            "changes since the counter's cursor, applied like a pull. A reply for another counter, a "
            "tampered or truncated file, or a reply older than the last one applied is refused (exit 2) "
            "and changes nothing. Prints {pushed, pulled, rejected, conflicts, duplicates_merged, "
            "cursor}; exit 0 when in step, 1 when changes were refused or conflicts wait. Acts as the "
            "counter's sync account."
        ),
    )
    p.add_argument("--db", required=True, metavar="PATH", help="the counter database (SQLite file)")
    p.add_argument("reply", metavar="REPLY", help="the reply bundle file")
    p.set_defaults(func=run_import_bundle)


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
    from liangxian.keys import CounterKeyMissing, KeyringUnavailable
    from localdb import open_store
    from sync.protocol import SyncUnavailable

    def action() -> int:
        store = open_store(args.db)
        try:
            args.user = args.user or _first_admin(store)
            user = acting_service(args, store).username  # the admin proves it before the code is spent
            try:
                emit(
                    enroll_counter(
                        store,
                        args.server,
                        args.code,
                        user,
                        server_key=args.server_key,
                        insecure_http=args.insecure_http,
                    )
                )
            except (KeyringUnavailable, CounterKeyMissing) as exc:
                return _keyring_failed(exc)
            except SyncUnavailable as exc:
                return _no_link(exc)
        finally:
            store.close()
        return 0

    return _guarded(action)


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
    from sync.engine import SERVER_KEY, SyncEngine
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
            server_key = state.get(SERVER_KEY, "")
            with HttpSync(
                url, token, server_key=server_key, timeout=args.timeout, retries=args.retries
            ) as transport:
                try:
                    report = SyncEngine(
                        store,
                        transport,
                        username=user,
                        key=key,
                        progress=progress,
                        retry_refused=args.retry_refused,
                    ).run()
                except SyncUnavailable as exc:
                    progress.close()
                    return _no_link(exc)
            progress.close()
            out = report.to_json()
            if args.json:
                emit(out)
            else:
                sys.stdout.write(" ".join(f"{k}={v}" for k, v in out.items()) + "\n")
            if report.more:  # one sync's pages are done and more waits: the next sync resumes
                more = error("sync.more_to_do", "server")
                sys.stderr.write(f"{more.message('zh')}\n{more.message('bo')}\n")
                return EXIT_NO_LINK
            return 0 if report.in_step else EXIT_NOT_IN_STEP
        finally:
            store.close()

    return _guarded(action)


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


def _bundle_account(store: Any) -> str:
    """Bundles are written and applied as the counter's sync account (made at enrollment); a counter
    enrolled before that account existed uses whoever enrolled it."""
    if any(u["username"] == SYNC_ACCOUNT and u["active"] for u in store.users()):
        return SYNC_ACCOUNT
    return store.sync_state().get(ENROLLED_BY) or _first_admin(store)


def run_export_bundle(args: argparse.Namespace) -> int:
    from liangxian.keys import CounterKeyMissing, KeyringUnavailable, load_counter_key
    from localdb import open_store
    from sync.offline import counter_box_key, export_bundle

    def action() -> int:
        store = open_store(args.db)
        try:
            info = store.counter_info
            user = _bundle_account(store)
            try:
                key = load_counter_key(info.id)
                box = counter_box_key(info.id)
            except (KeyringUnavailable, CounterKeyMissing) as exc:
                return _keyring_failed(exc)
            progress = _TerminalProgress()
            out = export_bundle(store, args.out, username=user, key=key, box_key=box, progress=progress)
            progress.close()
            emit(out)
            return 0
        finally:
            store.close()

    return _guarded(action)


def run_import_bundle(args: argparse.Namespace) -> int:
    from liangxian.keys import CounterKeyMissing, KeyringUnavailable, load_counter_key
    from localdb import open_store
    from sync.offline import counter_box_key, import_reply

    def action() -> int:
        store = open_store(args.db)
        try:
            info = store.counter_info
            user = _bundle_account(store)
            try:
                key = load_counter_key(info.id)
                box = counter_box_key(info.id)
            except (KeyringUnavailable, CounterKeyMissing) as exc:
                return _keyring_failed(exc)
            progress = _TerminalProgress()
            report = import_reply(store, args.reply, username=user, key=key, box_key=box, progress=progress)
            progress.close()
            emit(report.to_json())
            return 0 if report.in_step else EXIT_NOT_IN_STEP
        finally:
            store.close()

    return _guarded(action)

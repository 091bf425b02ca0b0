"""The offline store from the command line, all through the service layer:

``init``, ``register person|employer|application``, ``audit verify``, ``backup``, ``restore``,
``doctor``, ``seed``, ``user add``, ``key create`` and ``key rekey``. Records and reports are printed as JSON on
stdout; refusals as ``{"errors": [...]}`` with exit status 2 (each error with a stable code, the field
and messages in Chinese, Tibetan and English); diagnostics and warnings go to stderr.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

import i18n
from liangxian.argtypes import bounded_int
from liangxian.auth import acting_service, add_password_args, password_from
from liangxian.jsonio import emit, fail, read_object
from liangxian.jsonio import guarded as _guarded

log = logging.getLogger(__name__)


def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", required=True, metavar="PATH", help="the counter database (SQLite file)")


def _timeout_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="stop reading the file after this long (store.timeout, exit 2); default 600",
    )


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "init",
        help="create a counter database",
        description=(
            "Create a new counter database: schema at the latest revision, the county and counter, and "
            "the first (admin) user. The counter's Ed25519 signing key is made in the OS keyring when one "
            "is available (otherwise a warning, and `liangxian key create` later). The admin's password "
            "is required: --password-file FILE (readable by its owner only) or --password-stdin (the first "
            "line of standard input). Prints the counter as JSON."
        ),
    )
    _db_arg(p)
    p.add_argument("--region", required=True, help="lianyungang or lhasa")
    p.add_argument("--county", required=True, metavar="CODE", help="6-digit county code (GB/T 2260)")
    p.add_argument(
        "--counter", required=True, type=bounded_int(1, 99), metavar="N", help="counter number 1-99"
    )
    p.add_argument("--admin", required=True, metavar="USER", help="user name of the first supervisor")
    add_password_args(p, whose="the new admin")
    p.set_defaults(func=run_init)

    p = sub.add_parser(
        "register",
        help="register a person, employer or application from JSON",
        description=(
            "Write one record through the service layer and print it as JSON (with its id and, for an "
            "application, its receipt number and entitlement decision). Person keys: id_number, name_zh, "
            "name_bo (Tibetan script) or name_bo_wylie, ethnicity, phone, category, county_code, "
            "employer_uscc (employees), contribution_base, insured_since. Exit 2 with a JSON error list "
            "on invalid input; a person whose ID number is on file is not duplicated: exit 2 with the "
            "code person.duplicate and the existing record under `existing`; likewise an application "
            "for an event already claimed (same person, claim type, event and event date, not rejected "
            "or withdrawn) is application.duplicate with the existing application under `existing`."
        ),
    )
    p.add_argument("kind", choices=("person", "employer", "application"))
    _db_arg(p)
    p.add_argument("--as", dest="user", required=True, metavar="USER", help="the acting staff user")
    add_password_args(p)
    p.add_argument(
        "--override-reason",
        metavar="TEXT",
        help="employer only: register a USCC failing its check (supervisor only; the reason is recorded)",
    )
    p.add_argument("file", help="JSON file, or - for standard input (not with --password-stdin)")
    p.set_defaults(func=run_register)

    p = sub.add_parser("audit", help="check the audit log", description="Audit log commands.")
    audit_sub = p.add_subparsers(dest="audit_command", metavar="COMMAND", required=True)
    v = audit_sub.add_parser(
        "verify",
        help="verify the hash chain",
        description=(
            "Walk the hash-chained audit log and report every edited, deleted, inserted or re-ordered "
            "event by its sequence number, and check the signed chain heads (schema 0004) against their "
            "events and the counter's key (the keyring's, when this machine has it). JSON: ok, events, "
            "head_hash, problems [{seq, code, detail}], heads, signed_heads, signed_through, signed. "
            "Exit 0 when intact, 1 when not, 2 for a file whose schema is not ours."
        ),
    )
    _db_arg(v)
    v.set_defaults(func=run_audit_verify)

    p = sub.add_parser(
        "backup",
        help="back up the database",
        description=(
            "Consistent copy (VACUUM INTO), readable by its owner only, with a manifest beside it "
            "(FILE.manifest.json: region, county, counter, audit head, time, SHA-256) signed with the "
            "counter's key from the OS keyring (unsigned, with a warning, when there is none). JSON: "
            "backup, bytes, manifest, sha256, audit_head {seq, hash}, signed."
        ),
    )
    _db_arg(p)
    p.add_argument("--out", required=True, metavar="FILE", help="the backup file to create")
    p.set_defaults(func=run_backup)

    p = sub.add_parser(
        "restore",
        help="restore the database from a backup",
        description=(
            "Restore only a backup made by this counter: its schema exactly ours, integrity_check, the "
            "audit chain and its signed heads and every business row against its audit event sound, its "
            "manifest describing the file and signed with this counter's key (same region, county, "
            "counter); never onto itself. A copy of the current database is kept beside it. An admin "
            "of the backup may restore a backup without such a manifest (a new machine after the old "
            "one was lost) with --as and --reason (recorded in the audit log; the schema and soundness "
            "checks still apply, and the backup must hold this counter's key in the OS keyring: "
            "store.backup_key_mismatch otherwise, even with --as — re-key a copy first with `liangxian "
            "key rekey`)."
        ),
    )
    _db_arg(p)
    p.add_argument("--from", dest="source", required=True, metavar="FILE")
    p.add_argument("--as", dest="user", metavar="USER", help="an admin overriding the manifest check")
    add_password_args(p, whose="the admin (her password in the backup)")
    p.add_argument("--reason", metavar="TEXT", help="why (required with --as; recorded)")
    _timeout_arg(p)
    p.set_defaults(func=run_restore)

    p = sub.add_parser(
        "doctor",
        help="check the database's health",
        description=(
            "Read-only: the schema is exactly ours (else exit 2, store.schema_foreign), PRAGMA "
            "integrity_check, foreign keys, the audit chain and its signed heads, every business row "
            "against its last audit event (records.problems names rows that differ), pending outbox "
            "size, schema revision; warnings audit.unsigned, audit.no_keyring_key. Exit 0 when healthy, "
            "1 when not."
        ),
    )
    _db_arg(p)
    _timeout_arg(p)
    p.set_defaults(func=run_doctor)

    p = sub.add_parser(
        "seed",
        help="fill a database with synthetic data",
        description=(
            "Realistic synthetic data through the service layer: employers, persons (Chinese and Tibetan "
            "names, valid ID numbers of the region's counties), enrollments and applications."
        ),
    )
    _db_arg(p)
    p.add_argument("--persons", type=bounded_int(0, 10_000_000), required=True, metavar="N")
    p.add_argument(
        "--applications", type=bounded_int(0, 1_000_000), metavar="K", help="default: min(200, N/20)"
    )
    p.add_argument("--as", dest="user", metavar="USER", help="acting user (default: the first admin)")
    add_password_args(p)
    p.add_argument("--seed", type=bounded_int(0, 2**31), default=1, help="random seed (default 1)")
    p.set_defaults(func=run_seed)

    p = sub.add_parser("user", help="staff users", description="Staff user commands.")
    user_sub = p.add_subparsers(dest="user_command", metavar="COMMAND", required=True)
    u = user_sub.add_parser("add", help="add a staff user (admin only)")
    _db_arg(u)
    u.add_argument("--as", dest="user", required=True, metavar="USER")
    add_password_args(u, whose="the acting admin")
    u.add_argument("username")
    u.add_argument("role", choices=("clerk", "reviewer", "admin"))
    # the new user's password: its own file, or the next line of standard input (after the acting
    # admin's when that comes from standard input too)
    add_password_args(u, prefix="new-", whose="the new user")
    u.set_defaults(func=run_user_add)

    p = sub.add_parser("key", help="the counter's signing key", description="Signing key commands.")
    key_sub = p.add_subparsers(dest="key_command", metavar="COMMAND", required=True)
    k = key_sub.add_parser(
        "create",
        help="make the counter's key in the OS keyring",
        description=(
            "Make the counter's Ed25519 key pair in the OS keyring (an existing key is kept) and store "
            "its public key in the counters table, as an admin (--as USER with --password-file or "
            "--password-stdin). Exit 2 when no keyring is available, or when the database already holds "
            "another key (keyring.key_mismatch: replacing it is `key rekey`, with a reason)."
        ),
    )
    _db_arg(k)
    k.add_argument("--as", dest="user", metavar="USER", help="the acting admin (default: the first admin)")
    add_password_args(k, whose="the acting admin")
    k.set_defaults(func=run_key_create)
    k = key_sub.add_parser(
        "rekey",
        help="make the keyring's key the database's key (admin, audited with a reason)",
        description=(
            "Make this counter's key in the OS keyring (made now when it has none) the key the database "
            "holds, in place of another one: a database from a machine whose key is lost (a new "
            "machine), or a backup copy to restore there. Until then nothing is printed for such a "
            "database (keyring.key_mismatch) and `restore --as` refuses it (store.backup_key_mismatch). "
            "As an admin (--as USER with --password-file or --password-stdin) with --reason, recorded "
            "as a counter.rekey audit event naming the key replaced (the audit heads it signed still "
            "verify). Prints {counter, previous_public_key_b64, public_key_b64, rekeyed, by, reason}; "
            "rekeyed is false when the database already holds the keyring's key. An enrolled counter is "
            "enrolled again afterwards (the server knows the old key). Exit 2 for a missing reason, a "
            "user who is not an admin, or no keyring."
        ),
    )
    _db_arg(k)
    k.add_argument("--as", dest="user", required=True, metavar="USER", help="the acting admin")
    add_password_args(k, whose="the acting admin")
    k.add_argument("--reason", required=True, metavar="TEXT", help="why (recorded in the audit log)")
    k.set_defaults(func=run_key_rekey)


# --- helpers -----------------------------------------------------------------------------------------


def _default_admin(args: argparse.Namespace, store: Any) -> None:
    """``--as`` left out where it may be: the first admin (who must still prove it)."""
    if not args.user:
        args.user = next((u["username"] for u in store.users() if u["role"] == "admin"), None)


def _counter_json(store: Any) -> dict[str, Any]:
    c = store.counter
    return {
        "id": c.id,
        "county_code": c.county_code,
        "counter_no": c.counter_no,
        "public_key_b64": c.public_key_b64,
    }


def _make_key(store: Any, username: str) -> bool:
    """Create the key in the keyring and store the public key; False (with a bilingual warning on
    stderr) when no keyring backend is usable."""
    from liangxian.keys import KeyringUnavailable, provision_counter_key

    try:
        provision_counter_key(store, username)
    except KeyringUnavailable as exc:
        sys.stderr.write(
            "\n".join(
                [
                    i18n.gettext("warning.store.keyring_unavailable", "zh"),
                    i18n.gettext("warning.store.keyring_unavailable", "bo"),
                    exc.message("zh"),
                    exc.message("bo"),
                ]
            )
            + "\n"
        )
        return False
    return True


# --- commands ----------------------------------------------------------------------------------------


def run_init(args: argparse.Namespace) -> int:
    from localdb import init_store

    def action() -> int:
        import sqlite3

        from sqlalchemy.exc import DBAPIError

        from localdb.errors import CreateFailed

        password = password_from(args)  # before anything is created
        try:
            store = init_store(
                args.db,
                region=args.region,
                county_code=args.county,
                counter_no=args.counter,
                admin_username=args.admin,
                admin_password=password,
            )
        except (OSError, sqlite3.Error, DBAPIError) as exc:
            raise CreateFailed(path=args.db, detail=str(getattr(exc, "orig", None) or exc)) from exc
        try:
            _make_key(store, args.admin)
            emit(
                {"db": args.db, "region": store.region, "counter": _counter_json(store), "admin": args.admin}
            )
        finally:
            store.close()
        return 0

    return _guarded(action)


def run_register(args: argparse.Namespace) -> int:
    from localdb import open_store

    data, issues = read_object(args.file)
    if issues:
        return fail(issues)

    def action() -> int:
        store = open_store(args.db)
        try:
            svc = acting_service(args, store)
            if args.kind == "person":
                emit(svc.register_person(data))
            elif args.kind == "employer":
                emit(svc.register_employer(data, override_reason=args.override_reason))
            else:
                emit(svc.create_application(data))
        finally:
            store.close()
        return 0

    return _guarded(action)


def run_audit_verify(args: argparse.Namespace) -> int:
    from localdb import audit, db, schema, signing

    def action() -> int:
        db.check_not_newer(*db.schema_state(args.db))
        schema.check(args.db)  # a foreign file is refused (exit 2) before anything reads it
        conn = db.raw_connect(args.db, readonly=True)
        try:
            with db.bounded(conn, db.DEFAULT_DEADLINE_S, "audit verify"):
                counter_id = (
                    conn.execute("SELECT value FROM settings WHERE key = 'counter_id'").fetchone() or [""]
                )[0]
                signer = signing.load_signer(counter_id) if counter_id else None
                report = audit.verify(conn, trusted_public_key=signer.public_key_b64 if signer else None)
        finally:
            conn.close()
        emit(report.to_json())
        return 0 if report.ok else 1

    return _guarded(action)


def run_backup(args: argparse.Namespace) -> int:
    from localdb import maintenance
    from localdb.errors import BackupFailed

    def action() -> int:
        try:
            out = maintenance.backup(args.db, args.out)
        except OSError as exc:  # includes an existing --out file
            raise BackupFailed(detail=str(exc)) from exc
        if not out["signed"]:
            sys.stderr.write(
                "\n".join(i18n.gettext("warning.store.backup_unsigned", lang) for lang in ("zh", "bo")) + "\n"
            )
        emit(out)
        return 0

    return _guarded(action)


def run_restore(args: argparse.Namespace) -> int:
    from localdb import maintenance

    def action() -> int:
        emit(
            maintenance.restore(
                args.source,
                args.db,
                admin=args.user,
                admin_password=password_from(args) if args.user else None,
                reason=args.reason,
                deadline_s=args.timeout,
            )
        )
        return 0

    return _guarded(action)


def run_doctor(args: argparse.Namespace) -> int:
    from localdb import maintenance

    def action() -> int:
        report = maintenance.doctor(args.db, deadline_s=args.timeout)
        for code in report["warnings"]:  # e.g. audit.unsigned: said in words on stderr
            sys.stderr.write("\n".join(i18n.gettext(f"warning.{code}", lang) for lang in ("zh", "bo")) + "\n")
        emit(report)
        return 0 if report["ok"] else 1

    return _guarded(action)


def run_seed(args: argparse.Namespace) -> int:
    from localdb import open_store
    from localdb.seed import seed

    def action() -> int:
        store = open_store(args.db)
        try:
            _default_admin(args, store)
            user = acting_service(args, store).username
            counts = seed(store, user, args.persons, applications=args.applications, seed=args.seed)
            emit({"db": args.db, **counts, "pending_outbox": store.pending_outbox_count()})
        finally:
            store.close()
        return 0

    return _guarded(action)


def run_user_add(args: argparse.Namespace) -> int:
    from localdb import open_store

    def action() -> int:
        store = open_store(args.db)
        try:
            svc = acting_service(args, store)
            password = password_from(args, prefix="new-")
            emit(svc.add_user(args.username, args.role, password))
        finally:
            store.close()
        return 0

    return _guarded(action)


def run_key_create(args: argparse.Namespace) -> int:
    from forms.errors import Issue
    from liangxian.keys import CounterKeyMismatch, KeyringUnavailable, provision_counter_key
    from localdb import open_store

    def action() -> int:
        store = open_store(args.db)
        try:
            _default_admin(args, store)
            admin = acting_service(args, store).username
            try:
                provision_counter_key(store, admin)
            except KeyringUnavailable as exc:
                sys.stderr.write(f"{exc.message('zh')}\n{exc.message('bo')}\n")
                return fail([Issue(exc.code, "", params={"detail": exc.detail})])
            except CounterKeyMismatch as exc:  # the database holds another key: `key rekey`
                sys.stderr.write(f"{exc.message('zh')}\n{exc.message('bo')}\n")
                return fail([Issue(exc.code, "", params={"counter": exc.counter_id})])
            emit({"counter": _counter_json(store)})
        finally:
            store.close()
        return 0

    return _guarded(action)


def run_key_rekey(args: argparse.Namespace) -> int:
    from forms.errors import Issue
    from liangxian.keys import KeyringUnavailable, rekey_counter
    from localdb import open_store

    def action() -> int:
        store = open_store(args.db)
        try:
            admin = acting_service(args, store).username
            try:
                out = rekey_counter(store, admin, args.reason)
            except KeyringUnavailable as exc:
                sys.stderr.write(f"{exc.message('zh')}\n{exc.message('bo')}\n")
                return fail([Issue(exc.code, "", params={"detail": exc.detail})])
            emit({"counter": _counter_json(store), **out, "by": admin, "reason": args.reason.strip()})
        finally:
            store.close()
        return 0

    return _guarded(action)

"""Saved records from the command line: ``show`` one with its version and history, ``update`` (更正)
one from the version it was read at, and ``review`` an application through every step the desktop
offers. All through the service layer; refusals are the common JSON error envelope with exit 2."""

from __future__ import annotations

import argparse
from typing import Any

from liangxian.auth import acting_service, add_password_args
from liangxian.jsonio import emit, fail, read_object
from liangxian.jsonio import guarded as _guarded

SHOW_KINDS = ("person", "employer", "application")
UPDATE_KINDS = ("person", "employer", "enrollment", "application")
REVIEW_STEPS = ("start", "approve", "reject", "withdraw", "mark-paid")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "show",
        help="show a saved record with its version and history",
        description=(
            "Print one record as JSON, with `version` (name it as --base-version when correcting it) and "
            "`history`: a list of {at, actor, action, changed: [field…], values: {field: {old, new}}, "
            "reason} from the audit log, oldest first (a person's includes its enrollments'; reason is "
            "a correction's or a rejection's, else null). Exit 2 when there is no such record."
        ),
    )
    p.add_argument("kind", choices=SHOW_KINDS)
    p.add_argument("--db", required=True, metavar="PATH", help="the counter database (SQLite file)")
    p.add_argument(
        "--id",
        required=True,
        metavar="ID",
        help="the record's id (for an application also its receipt number)",
    )
    p.set_defaults(func=run_show)

    p = sub.add_parser(
        "update",
        help="correct a saved record (更正)",
        description=(
            "Correct a person, employer, enrollment or application. FILE (or - for standard input) is a "
            "JSON object of only the fields that change, plus `reason` where one is required: changing an "
            "ID number or a USCC (admin only), or correcting an approved or paid application (admin only). "
            "--base-version is the version the correction was made from (`liangxian show`); when the record "
            "changed meanwhile the correction is refused as record.stale, naming the current version and "
            "who changed it. An application's entitlement is decided again. Unknown keys are refused "
            "(form.unknown_field). The acting user proves it with --password-file or --password-stdin. Prints "
            "the updated record as JSON (exit 0), or a JSON error list (exit 2)."
        ),
    )
    p.add_argument("kind", choices=UPDATE_KINDS)
    p.add_argument("--db", required=True, metavar="PATH", help="the counter database (SQLite file)")
    p.add_argument("--as", dest="user", required=True, metavar="USER", help="the acting staff user")
    p.add_argument("--id", required=True, metavar="ID", help="the record's id")
    p.add_argument("--base-version", required=True, type=int, metavar="N", help="the version corrected")
    add_password_args(p)
    p.add_argument("file", help="JSON file of the changed fields, or - for standard input")
    p.set_defaults(func=run_update)

    p = sub.add_parser(
        "review",
        help="move an application: start, approve, reject, withdraw, mark-paid",
        description=(
            "One step of the application's status machine, as the desktop's review screen does it: "
            "start (received → under review), approve or reject (under review; reviewer or admin, not the "
            "clerk who took it in), withdraw (received or under review), mark-paid (approved). reject and "
            "withdraw need --reason. Prints the application as JSON (exit 0), or a JSON error list (exit 2)."
        ),
    )
    p.add_argument("step", choices=REVIEW_STEPS)
    p.add_argument("--db", required=True, metavar="PATH", help="the counter database (SQLite file)")
    p.add_argument("--as", dest="user", required=True, metavar="USER", help="the acting staff user")
    p.add_argument("--id", required=True, metavar="ID", help="the application's id or receipt number")
    p.add_argument("--reason", metavar="TEXT", help="the reason (reject, withdraw) or a note (approve)")
    add_password_args(p)
    p.set_defaults(func=run_review)


def _application_id(store: Any, ref: str) -> str:
    """An application named by id or by receipt number."""
    found = store.find_application(ref)
    return found["id"] if found else ref


def _shown(store: Any, kind: str, ref: str) -> dict[str, Any]:
    if kind == "person":
        record = store.get_person(ref)
    elif kind == "employer":
        record = store.get_employer(ref)
    else:
        record = store.get_application(_application_id(store, ref))
    return {**record, "history": store.history(kind, record["id"])}


def run_show(args: argparse.Namespace) -> int:
    from localdb import open_store

    def action() -> int:
        with open_store(args.db) as store:
            emit(_shown(store, args.kind, args.id))
        return 0

    return _guarded(action)


def run_update(args: argparse.Namespace) -> int:
    from localdb import open_store

    data, issues = read_object(args.file)
    if issues:
        return fail(issues)

    def action() -> int:
        store = open_store(args.db)
        try:
            svc = acting_service(args, store)
            write = {
                "person": svc.update_person,
                "employer": svc.update_employer,
                "enrollment": svc.update_enrollment,
                "application": svc.update_application,
            }[args.kind]
            emit(write(args.id, args.base_version, data))
        finally:
            store.close()
        return 0

    return _guarded(action)


def run_review(args: argparse.Namespace) -> int:
    from localdb import open_store

    def action() -> int:
        store = open_store(args.db)
        try:
            svc = acting_service(args, store)
            app_id = _application_id(store, args.id)
            step = {
                "start": lambda: svc.start_review(app_id),
                "approve": lambda: svc.approve(app_id, args.reason),
                "reject": lambda: svc.reject(app_id, args.reason),
                "withdraw": lambda: svc.withdraw(app_id, args.reason),
                "mark-paid": lambda: svc.mark_paid(app_id),
            }[args.step]
            emit(step())
        finally:
            store.close()
        return 0

    return _guarded(action)

"""``liangxian print``, ``print-samples`` and ``verify``: the composition root of ``printing/``.

Maps the store's records (plain dicts: ISO dates, money as strings) onto ``printing.model`` values,
loads the counter's signing key from the OS keyring, records the print (a reprint is marked 补打 with
its count) and writes the PDF. ``verify`` checks a PDF or a scanned QR payload offline against known
counter public keys: a keys JSON file, or the counters table of a local database.

Exit status: 0 done / genuine; 1 the document does not verify (altered, unknown counter, wrong ID);
2 invalid input or a condition the user must fix (no such record, no keyring, no font), with
``{"errors": [...]}`` on stdout and the message in Chinese and Tibetan on stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import i18n
from forms.clock import business_date, business_today
from forms.errors import Issue, error
from liangxian.jsonio import EXIT_INVALID, emit

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from printing.model import Document, Issuer, Person

log = logging.getLogger(__name__)

EXIT_NOT_GENUINE = 1

PRINT_HELP = """\
Print one document of a record in the local database as PDF.

KIND is receipt (受理回执, of an application), approval (待遇核定通知单, of an approved application
with an eligible decision; 生育医疗费用核定通知单 for a medical-cost claim), rejection (不予受理/不予支付告知书, of a rejected application or one whose
decision is not eligible) or enrollment (参保登记回执, of a person; --id is the person id). The language
follows the region's policy pack (Lhasa: Tibetan then Chinese; Lianyungang: Chinese). The QR code is
signed with this counter's Ed25519 key from the OS keyring. Every print is recorded; a reprint is
marked 补打 with its count. Papers: a4, a5; 80mm for the receipt only."""

SAMPLES_HELP = """\
Write one of each document for both regions on every paper size from synthetic data, plus
DIR/public-keys.json with the sample counters' public keys (an ephemeral in-memory key, never the
keyring), for checking layouts and for `liangxian verify --keys DIR/public-keys.json`."""

VERIFY_HELP = """\
Verify a printed document offline: FILE.pdf (its embedded QR payload; the signed number, date,
amount, masked ID number and name printed at their fields; the layout proof, so that edited, added
or hidden text, an extra page or any other change is refused; and the QR code decoded from the
rendered page when pdftoppm and zxing-cpp are installed) or the PAYLOAD text a scanner read from the
QR code. The signed facts are shown in words (JSON "facts" and "summary"; the summary in Chinese and
Tibetan on stderr) for comparing with the paper. Public keys come from --keys FILE (JSON:
{"counters": [{"id", "public_key_b64"}]} or {counter_id: public_key_b64}) or from the counters table of
--db PATH. With --id-number the payload's ID hash must match that ID number. Prints JSON; exit 0 when
genuine, 1 when not (altered amount or number, unknown counter, wrong ID), 2 on unreadable input."""


def register(sub: argparse._SubParsersAction) -> None:
    from liangxian.auth import add_password_args
    from printing.model import KINDS, PAPERS

    p = sub.add_parser(
        "print",
        help="print a receipt, slip or notice as PDF",
        description=PRINT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("kind", choices=KINDS)
    p.add_argument("--db", required=True, metavar="PATH", help="the counter database (SQLite file)")
    p.add_argument(
        "--id", required=True, metavar="RECORD_ID", help="application id (person id for enrollment)"
    )
    p.add_argument("--out", required=True, metavar="FILE.pdf", help="the PDF file to write")
    p.add_argument("--paper", choices=PAPERS, default="a4", help="paper size (default a4)")
    p.add_argument(
        "--as", dest="user", metavar="USER", help="the staff user printing (default: the first admin)"
    )
    add_password_args(p)
    p.add_argument("--today", type=dt.date.fromisoformat, help=argparse.SUPPRESS)
    p.set_defaults(func=run_print)

    p = sub.add_parser(
        "print-samples",
        help="write sample documents of every kind and paper",
        description=SAMPLES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--out", required=True, metavar="DIR", help="the folder to write into (created if missing)"
    )
    p.set_defaults(func=run_samples)

    p = sub.add_parser(
        "verify",
        help="verify a printed document's signed QR code offline",
        description=VERIFY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "document", metavar="FILE.pdf|PAYLOAD", help="a PDF file, or the payload text of the QR code"
    )
    p.add_argument("--keys", metavar="FILE", help="counter public keys (JSON)")
    p.add_argument("--db", metavar="PATH", help="take the counter public keys from this local database")
    p.add_argument(
        "--id-number", metavar="ID", help="also check that the document was issued for this ID number"
    )
    p.add_argument("--no-image", action="store_true", help="skip decoding the QR code from the rendered page")
    p.set_defaults(func=run_verify)


# --- errors ------------------------------------------------------------------------------------------


def _fail(issue: Issue, code: int = EXIT_INVALID) -> int:
    sys.stderr.write(f"{issue.message('zh')}\n{issue.message('bo')}\n")
    emit({"errors": [issue.to_json()]})
    return code


def _fail_message(code: str, messages: dict[str, str], exit_code: int = EXIT_INVALID) -> int:
    """For exceptions that carry their own bilingual message (keyring, fonts)."""
    sys.stderr.write(f"{messages['zh']}\n{messages['bo']}\n")
    emit(
        {
            "errors": [
                {
                    "code": code,
                    "field": "",
                    "message_zh": messages["zh"],
                    "message_bo": messages["bo"],
                    "message_en": messages["en"],
                }
            ]
        }
    )
    return exit_code


def _store_fail(exc: Any) -> int:
    sys.stderr.write(exc.bilingual() + "\n")
    emit({"errors": exc.to_json()})
    return EXIT_INVALID


class NotApplicable(LookupError):
    def __init__(self, kind: str, detail: str):
        self.kind, self.detail = kind, detail
        super().__init__(f"{kind}: {detail}")


# --- store records → printing.model -----------------------------------------------------------------


def _local_date(stamp: str | None, fallback: dt.date) -> dt.date:
    """The date in China of a stored UTC timestamp."""
    if not stamp:
        return fallback
    try:
        return business_date(stamp)
    except ValueError:
        return fallback


def _person(p: dict[str, Any]) -> Person:
    from printing.model import Person

    return Person(id_number=p["id_number"], name_zh=p["name_zh"], name_bo=p.get("name_bo"))


def _issuer(store: Any, clerk: str) -> Issuer:
    from printing.model import Issuer

    c = store.counter
    return Issuer(region=store.region, counter_id=c.id, clerk=clerk, counter_no=f"{c.counter_no:02d}")


def _application_type(app: dict[str, Any]) -> str:
    """The pack checklist (and printed application type) of a stored application."""
    from forms.entitlement import claimant_of

    claim = str(app.get("claim_type") or "allowance")
    event = app.get("event")
    if event == "family_planning_surgery":
        return f"{claim}_family_planning"
    if claim == "allowance" and event == "miscarriage":
        return "allowance_miscarriage"
    if (
        claim == "medical"
        and claimant_of({**(app.get("form") or {}), "claim_type": claim, "event": event}) == "spouse"
    ):
        return "medical_spouse"
    return claim


def _medical_decided(app: dict[str, Any], decision: dict[str, Any]) -> bool:
    """A medical-cost claim whose stored decision is the medical one (decided since issue 14); older
    ones stored the allowance's decision, which says nothing of the costs."""
    return app.get("claim_type") == "medical" and "medical_amount_approved" in decision


def _medical_slip(app: dict[str, Any], decision: dict[str, Any], **common: Any) -> Any:
    from forms import medical
    from forms.entitlement import claimant_of
    from forms.policy import load_pack
    from printing.model import MedicalSlip, Reason

    form = app.get("form") or {}
    region = common["issuer"].region
    pack = load_pack(region)
    event_date = dt.date.fromisoformat(app["event_date"])
    standard = medical.per_case_standard(
        pack, event_date, app["event"], bool(form.get("outpatient")), form.get("operation")
    )
    settlement = decision.get("settlement_code") or {}
    params = decision.get("reason_params") or {}
    return MedicalSlip(
        event=app["event"],
        event_date=event_date,
        amount_claimed=Decimal(str(form.get("medical_amount") or "0")),
        amount_approved=Decimal(decision["medical_amount_approved"]),
        paid_by=decision.get("medical_paid_by") or "maternity",
        merged=bool(pack.merged_on and event_date >= pack.merged_on),
        medical_type=str(settlement.get("medical_type", "")),
        insurance_type=str(settlement.get("insurance_type", "")),
        rule=decision.get("rule") or app.get("rule_version") or "",
        standard=standard.amount if standard else None,
        standard_source=standard.citation if standard else None,
        operation=form.get("operation"),
        claimant=claimant_of({**form, "claim_type": "medical", "event": app["event"]}),
        reasons=tuple(Reason(code, dict(params.get(code, {}))) for code in decision.get("reasons", [])),
        **common,
    )


def _last_change_to(app: dict[str, Any], status: str) -> dict[str, Any] | None:
    changes = [c for c in app.get("status_history") or [] if c.get("to") == status]
    return changes[-1] if changes else None


def document_from_store(
    store: Any, kind: str, record_id: str, *, clerk: str, reprint: int, today: dt.date
) -> Document:
    """The ``printing.model`` document of ``kind`` for a stored record. Raises the store's NotFound,
    or NotApplicable when the record has no such document (e.g. an approval slip before approval)."""
    from printing.model import (
        ApprovalSlip,
        Employer,
        EnrollmentConfirmation,
        Header,
        LeaveItem,
        Reason,
        Receipt,
        RejectionNotice,
    )

    issuer = _issuer(store, clerk)
    if kind == "enrollment":
        p = store.get_person(record_id)
        en = p.get("enrollment")
        if not en:
            raise NotApplicable(kind, "no enrollment")
        employer = None
        if en.get("employer_id"):
            e = store.get_employer(en["employer_id"])
            employer = Employer(name_zh=e["name_zh"], uscc=e.get("uscc"), name_bo=e.get("name_bo"))
        c = store.counter
        number = f"{c.county_code}-{c.counter_no:02d}-E{str(en['id']).replace('-', '')[-10:].upper()}"
        return EnrollmentConfirmation(
            header=Header(number=number, issued_on=today, reprint=reprint),
            issuer=issuer,
            person=_person(p),
            category=en.get("category") or p["category"],
            insured_since=dt.date.fromisoformat(en["insured_since"]),
            employer=employer,
        )

    app = store.get_application(record_id)
    person = _person(app["person"])
    form = app.get("form") or {}
    category = form.get("category") or app["person"].get("category") or "employee"
    decision = app.get("decision") or {}
    # the business date the counter filed it (the service's "today"), else the creation time in China
    filed_on = form.get("filed_on")
    received_on = dt.date.fromisoformat(filed_on) if filed_on else _local_date(app.get("created_at"), today)
    if kind == "receipt":
        return Receipt(
            header=Header(
                number=app["receipt_no"], issued_on=received_on if not reprint else today, reprint=reprint
            ),
            issuer=issuer,
            person=person,
            category=category,
            application_type=_application_type(app),
            received_on=received_on,
            documents_received=tuple(d["code"] for d in app.get("documents") or []),
        )
    if kind == "approval":
        if app.get("status") not in ("approved", "paid"):
            raise NotApplicable(kind, f"status {app.get('status')}")
        if not decision.get("eligible"):
            raise NotApplicable(kind, "decision not eligible")
        approved = _last_change_to(app, "approved")
        if app.get("claim_type") == "medical":
            if not _medical_decided(app, decision):
                raise NotApplicable(kind, "medical claim decided before medical-cost decisions existed")
            return _medical_slip(
                app,
                decision,
                header=Header(number=f"{app['receipt_no']}-A", issued_on=today, reprint=reprint),
                issuer=issuer,
                person=person,
                category=category,
                application_type=_application_type(app),
                approver=(approved or {}).get("by") or "",
            )
        wage = form.get("employer_avg_monthly_wage")
        return ApprovalSlip(
            header=Header(number=f"{app['receipt_no']}-A", issued_on=today, reprint=reprint),
            issuer=issuer,
            person=person,
            category=category,
            application_type=_application_type(app),
            event=app["event"],
            event_date=dt.date.fromisoformat(app["event_date"]),
            leave_days=int(decision["leave_days"]),
            leave_breakdown=tuple(
                LeaveItem(x["code"], int(x["days"]), x.get("source", ""))
                for x in decision.get("leave_breakdown", [])
            ),
            allowance_days=int(decision["allowance_days"]),
            daily_rate=Decimal(decision["daily_rate"]),
            allowance=Decimal(decision["allowance"]),
            rule=decision.get("rule") or app.get("rule_version") or "",
            approver=(approved or {}).get("by") or "",
            leave_start=dt.date.fromisoformat(decision["leave_start"])
            if decision.get("leave_start")
            else None,
            leave_end=dt.date.fromisoformat(decision["leave_end"]) if decision.get("leave_end") else None,
            employer_avg_monthly_wage=Decimal(wage) if wage else None,
        )
    if kind == "rejection":
        rejected = _last_change_to(app, "rejected")
        # a medical-cost claim decided before issue 14 stored the allowance's decision: that refuses
        # nothing on the costs; a medical decision does (不予支付告知书 with its reasons)
        decides_this_claim = app.get("claim_type") != "medical" or _medical_decided(app, decision)
        not_eligible = decides_this_claim and bool(decision) and not decision.get("eligible", True)
        if rejected is None and not not_eligible:
            raise NotApplicable(kind, f"status {app.get('status')}")
        params = decision.get("reason_params") or {}
        reasons = tuple(Reason(code, dict(params.get(code, {}))) for code in decision.get("reasons", []))
        return RejectionNotice(
            header=Header(number=f"{app['receipt_no']}-N", issued_on=today, reprint=reprint),
            issuer=issuer,
            person=person,
            application_type=_application_type(app),
            stage="payment" if not_eligible else "intake",
            reasons=reasons if not_eligible else (),
            decided_by=(rejected or {}).get("by") or clerk,
            rule=decision.get("rule") if not_eligible else None,
            remarks=((rejected or {}).get("note"),) if (rejected or {}).get("note") else (),
        )
    raise NotApplicable(kind, "unknown kind")


@dataclass(frozen=True)
class Printed:
    pdf: bytes
    number: str  # the document number
    reprint: int  # earlier prints of this kind for this record (0 = first print)


def render_record(store: Any, kind: str, record_id: str, *, user: str, paper: str, today: dt.date) -> Printed:
    """The PDF of one stored record, signed with this counter's key from the OS keyring, marked as
    the next print (补打 with its count when printed before). Does not record the print: call
    ``record_printed`` once it is really printed (the desktop previews first).

    Raises the store's NotFound, NotApplicable, PaperUnsupported, FontMissing, and the keyring's
    KeyringUnavailable or CounterKeyMissing."""
    from liangxian.keys import load_counter_key
    from printing.documents import build_pdf

    key = load_counter_key(store.counter.id)
    before = len(_prints(store, record_id, kind))
    doc = document_from_store(store, kind, record_id, clerk=user, reprint=before, today=today)
    return Printed(build_pdf(doc, key, paper), doc.header.number, before)


def record_printed(
    store: Any, record_id: str, kind: str, *, user: str, today: dt.date, expected: int | None = None
) -> int:
    """Record one print in the store (audited); returns how many prints there were before."""
    before = store.service(user, today=today).record_print(record_id, kind)
    if expected is not None and before != expected:  # another print of the same record raced this one
        log.warning("print count moved from %s to %s while printing", expected, before)
    return before


def partial_path(out: Path) -> Path:
    """Where ``print`` writes a PDF before its print is recorded: beside ``out`` (so the rename is
    atomic), hidden and not ending in ``.pdf``, so it is never mistaken for a handed-out copy."""
    return out.with_name(f".{out.name}.partial")


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file readable and writable by its owner only (0600): the PDFs hold
    personal data. A stale file of the same name (a killed earlier print) is replaced."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


# --- commands ----------------------------------------------------------------------------------------


def run_print(args: argparse.Namespace) -> int:
    try:
        import localdb
    except ImportError as exc:  # the store is part of the product; say so rather than crash
        return _fail(error("print.store_unavailable", "db", detail=str(exc)))
    from liangxian.keys import CounterKeyMissing, KeyringUnavailable
    from printing.documents import PaperUnsupported
    from printing.model import PAPERS_FOR
    from printing.typefaces import FontMissing

    if args.paper not in PAPERS_FOR[args.kind]:
        return _fail(error("print.paper_unsupported", "paper", kind=args.kind, paper=args.paper))
    if not Path(args.db).is_file():
        return _fail(error("print.store_unavailable", "db", detail=args.db))
    today = args.today or business_today()
    try:
        store = localdb.open_store(args.db)
    except localdb.StoreError as exc:
        return _fail(error("print.store_unavailable", "db", detail=str(exc)))
    try:
        from liangxian.auth import AuthError, acting_service

        if not args.user:
            args.user = next((u["username"] for u in store.users() if u["role"] == "admin"), None)
        if args.user is None:
            return _fail(error("print.store_unavailable", "db", detail="no staff user"))
        try:  # the user proves it (password) before anything is printed
            user = acting_service(args, store, today=today).username
        except (localdb.StoreError, AuthError) as exc:
            return _store_fail(exc)
        try:
            printed = render_record(store, args.kind, args.id, user=user, paper=args.paper, today=today)
        except (KeyringUnavailable, CounterKeyMissing) as exc:
            return _fail_message(exc.code, {lang: exc.message(lang) for lang in i18n.LANGS})
        except localdb.NotFound:
            return _fail(error("print.record_not_found", "id", id=args.id))
        except NotApplicable as exc:
            return _fail(error("print.kind_not_applicable", "kind", kind=exc.kind, detail=exc.detail))
        except (PaperUnsupported, FontMissing) as exc:
            return _fail_message(exc.code, {lang: exc.message(lang) for lang in i18n.LANGS})
        # write under a partial name, record the print, then rename: a kill at any point leaves
        # either no PDF at --out or one whose print is recorded (never an unrecorded first copy)
        out = Path(args.out)
        partial = partial_path(out)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            write_private(partial, printed.pdf)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            return _fail(error("print.write_failed", "out", path=args.out, detail=str(exc)))
        try:
            before = record_printed(store, args.id, args.kind, user=user, today=today)
        except localdb.StoreError as exc:  # an unrecorded print must not be handed out
            partial.unlink(missing_ok=True)
            return _store_fail(exc)
        if before != printed.reprint:
            # another print of the record committed in between: the paper must carry this print's count
            log.warning("print count moved from %s to %s while printing", printed.reprint, before)
            doc = document_from_store(store, args.kind, args.id, clerk=user, reprint=before, today=today)
            from liangxian.keys import load_counter_key
            from printing.documents import build_pdf

            printed = Printed(
                build_pdf(doc, load_counter_key(store.counter.id), args.paper), doc.header.number, before
            )
            write_private(partial, printed.pdf)
        pdf = printed.pdf
        try:
            os.replace(partial, out)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            return _fail(error("print.write_failed", "out", path=args.out, detail=str(exc)))
        emit(
            {
                "out": args.out,
                "kind": args.kind,
                "paper": args.paper,
                "number": printed.number,
                "reprint": before,
                "bytes": len(pdf),
            }
        )
        return 0
    finally:
        store.close()


def _prints(store: Any, record_id: str, kind: str) -> list[dict[str, Any]]:
    """Earlier prints of ``kind`` for a record: an application's print history, or for a person
    (enrollment) the store's print records read the same way."""
    import localdb

    try:
        app = store.get_application(record_id)
    except localdb.NotFound:  # not an application: a person (enrollment confirmation)
        return _print_records(store, record_id, kind)
    return [p for p in app.get("prints") or [] if p.get("kind") == kind]


def _print_records(store: Any, record_id: str, kind: str) -> list[dict[str, Any]]:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from localdb import models

    with Session(store.engine) as s:
        rows = s.scalars(
            select(models.PrintRecord).where(
                models.PrintRecord.record_id == record_id, models.PrintRecord.kind == kind
            )
        ).all()
        return [{"kind": r.kind, "copy_no": r.copy_no} for r in rows]


def run_samples(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from printing import seal
    from printing.documents import build_pdf
    from printing.model import KINDS, PAPERS_FOR
    from printing.samples import LHASA_ISSUER, LYG_ISSUER, MEDICAL_KINDS, medical_sample, sample
    from printing.typefaces import FontMissing

    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _fail(error("print.write_failed", "out", path=str(out), detail=str(exc)))
    # samples are signed with throw-away keys: never the counter's key from the keyring
    keys = {issuer.counter_id: Ed25519PrivateKey.generate() for issuer in (LHASA_ISSUER, LYG_ISSUER)}
    written = []
    try:
        for region, issuer in (("lhasa", LHASA_ISSUER), ("lianyungang", LYG_ISSUER)):
            for kind in KINDS:
                for paper in PAPERS_FOR[kind]:
                    doc = sample(kind, region, reprint=1 if (kind == "receipt" and paper == "a5") else 0)
                    path = out / f"{region}-{kind}-{paper}.pdf"
                    path.write_bytes(build_pdf(doc, keys[issuer.counter_id], paper))
                    written.append(str(path))
            for kind in MEDICAL_KINDS:  # 生育医疗费用核定通知单 and its 不予支付告知书
                for paper in PAPERS_FOR["approval"]:
                    path = out / f"{region}-{kind}-{paper}.pdf"
                    path.write_bytes(build_pdf(medical_sample(kind, region), keys[issuer.counter_id], paper))
                    written.append(str(path))
        keys_path = out / "public-keys.json"
        public = {cid: k.public_key() for cid, k in keys.items()}
        keys_path.write_text(json.dumps(seal.keys_document(public), indent=2) + "\n", encoding="utf-8")
    except FontMissing as exc:
        return _fail_message(exc.code, {lang: exc.message(lang) for lang in i18n.LANGS})
    except OSError as exc:
        return _fail(error("print.write_failed", "out", path=str(out), detail=str(exc)))
    emit({"out": str(out), "documents": written, "keys": str(keys_path)})
    return 0


def _keys_from_db(path: str) -> dict[str, Ed25519PublicKey]:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    import localdb
    from localdb import models
    from printing import seal

    store = localdb.open_store(path)
    try:
        with Session(store.engine) as s:
            rows = [(c.id, c.public_key_b64) for c in s.scalars(select(models.Counter)) if c.public_key_b64]
    finally:
        store.close()
    return seal.keys_from_b64(rows, where=path)


MAX_PAYLOAD_CHARS = 2953  # the most a QR code (version 40, 8-bit bytes, level L) can hold
MAX_PDF_BYTES = 20_000_000  # our documents are a few hundred kilobytes


def _is_file(path: str) -> bool:
    try:
        return Path(path).is_file()
    except (OSError, ValueError):  # a name too long to be a file (ENAMETOOLONG), a NUL byte
        return False


def run_verify(args: argparse.Namespace) -> int:
    import sqlite3

    from sqlalchemy.exc import DBAPIError

    import localdb
    from printing import seal
    from printing.verify import check_id_number, verify_payload, verify_pdf

    try:
        if args.keys:
            keys = seal.load_keys_file(Path(args.keys))
        elif args.db:
            if not _is_file(args.db):
                return _fail(error("print.store_unavailable", "db", detail=args.db))
            keys = _keys_from_db(args.db)
        else:
            return _fail(error("verify.no_keys", "keys"))
    except seal.SealError as exc:
        return _fail(error(exc.code, "keys", **exc.params))
    except (RecursionError, ValueError, TypeError) as exc:  # a keys file nested too deep, a bad number
        return _fail(error("verify.keys_file", "keys", path=args.keys, detail=type(exc).__name__))
    except (localdb.StoreError, sqlite3.Error, DBAPIError) as exc:  # --db /etc/passwd: not a database
        return _fail(error("print.store_unavailable", "db", detail=type(exc).__name__))

    is_pdf = args.document.lower().endswith(".pdf") or _is_file(args.document)
    if not is_pdf and len(args.document) > MAX_PAYLOAD_CHARS:
        return _fail(error("verify.payload_format", "document", field="length"))
    source = Path(args.document)
    try:
        if is_pdf:
            try:
                with source.open("rb") as fh:
                    data = fh.read(MAX_PDF_BYTES + 1)
            except (OSError, ValueError) as exc:
                return _fail(error("verify.pdf_unreadable", "document", path=args.document, detail=str(exc)))
            if len(data) > MAX_PDF_BYTES:
                return _fail(
                    error("verify.pdf_unreadable", "document", path=args.document, detail="too large")
                )
            result = verify_pdf(data, keys, where=args.document, check_image=not args.no_image)
        else:
            result = verify_payload(args.document, keys)
        if args.id_number:
            check_id_number(result.payload, args.id_number)
    except seal.SealError as exc:
        input_problem = exc.code in ("verify.pdf_unreadable", "verify.no_payload", "verify.payload_format")
        field_name = "document"
        issue = error(exc.code, field_name, **exc.params)
        if input_problem:
            return _fail(issue)
        sys.stderr.write(f"{issue.message('zh')}\n{issue.message('bo')}\n")
        emit({"valid": False, "errors": [issue.to_json()]})
        return EXIT_NOT_GENUINE
    out = result.to_json()
    out["message"] = i18n.trilingual("print.verify.valid", counter=result.payload.counter)
    # the signed facts in words, for the person at the counter to compare with the paper
    sys.stderr.write(f"{out['summary']['zh']}\n{out['summary']['bo']}\n")
    emit(out)
    return 0

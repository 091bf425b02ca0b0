"""Print jobs: the application services behind ``liangxian print``, ``print-samples`` and ``verify``
and the desktop's print preview. Qt-free; the CLI (``liangxian/commands/printing.py``) and the
desktop (``desktop/print_preview.py``) both call these, so a document is mapped, signed, numbered
and recorded one way only.

Maps the store's records (plain dicts: ISO dates, money as strings) onto ``printing.model`` values
(``document_from_store``), signs the PDF with the counter's key from the OS keyring
(``render_record``), records the print (a reprint is marked 补打 with its count: ``record_printed``)
and writes it so that no unrecorded copy ever appears at the target (``print_to_file``).

The state of a record's documents is its print records. A paper print is recorded once the printer
took the pages (the desktop records after painting them, never for a preview or a failed print), so
the original — the first paper print, without 补打 — can be issued until one is recorded, after a
failed print or a restart alike. A saved PDF is recorded under its copy kind (``copy_kind``:
``receipt.pdf_copy``), marked 电子副本 (PDF copy) on the paper, and does not count: it neither uses up
the original nor makes the next paper print a reprint. Only paper prints of the same document count
towards 补打.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from forms.clock import business_date
from forms.errors import CodedError, Issue, error

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from localdb import Store
    from printing.model import Document, Employer, Issuer, Person

log = logging.getLogger(__name__)

#: the suffix of a print record's kind for a saved PDF (电子副本): ``receipt.pdf_copy``
PDF_COPY = "pdf_copy"


def copy_kind(kind: str) -> str:
    """The print-record kind of a PDF copy of ``kind``."""
    return f"{kind}.{PDF_COPY}"


def base_kind(kind: str) -> str:
    """The document kind of a print record's kind (a PDF copy's is the document it copies)."""
    return kind.removesuffix(f".{PDF_COPY}")


def is_copy(kind: str) -> bool:
    return kind.endswith(f".{PDF_COPY}")


class NotApplicable(LookupError):
    """The record has no document of this kind (e.g. an approval slip before approval)."""

    def __init__(self, kind: str, detail: str):
        self.kind, self.detail = kind, detail
        super().__init__(f"{kind}: {detail}")


class WriteFailed(CodedError):
    """A PDF (or a folder for it) could not be written: ``print.write_failed`` naming the path."""

    code = "print.write_failed"

    def __init__(self, path: str, detail: str):
        self.path, self.detail = path, detail
        super().__init__(f"{path}: {detail}")

    @property
    def issues(self) -> list[Issue]:
        return [error(self.code, "out", path=self.path, detail=self.detail)]


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


def _issuer(store: Store, clerk: str) -> Issuer:
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


def _intake_clerk(app: dict[str, Any]) -> str:
    """The clerk who took the application in (经办人): its creator, else who received it."""
    received = [c for c in app.get("status_history") or [] if c.get("from") is None]
    return str(app.get("created_by") or (received[0].get("by") if received else "") or "")


def _employer_of(store: Store, app: dict[str, Any]) -> Employer | None:
    """The applicant's employer on her enrollment (the slip names who pays the difference)."""
    from printing.model import Employer

    en = (app.get("person") or {}).get("enrollment") or {}
    if not en.get("employer_id"):
        return None
    e = store.get_employer(en["employer_id"])
    return Employer(name_zh=e["name_zh"], uscc=e.get("uscc"), name_bo=e.get("name_bo"))


def _last_change_to(app: dict[str, Any], status: str) -> dict[str, Any] | None:
    changes = [c for c in app.get("status_history") or [] if c.get("to") == status]
    return changes[-1] if changes else None


def document_from_store(
    store: Store,
    kind: str,
    record_id: str,
    *,
    clerk: str,
    reprint: int,
    today: dt.date,
    copy: bool = False,
) -> Document:
    """The ``printing.model`` document of ``kind`` for a stored record (``copy``: a PDF copy, 电子副本).
    Raises the store's NotFound, or NotApplicable when the record has no such document (e.g. an
    approval slip before approval).

    ``clerk`` (the user printing) is the 经办人 only of an enrollment confirmation: an application's
    documents name the clerk who took it in (its ``created_by``) as 经办人, and the slip the reviewer
    who approved it as 审核人, whoever prints them."""
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

    if kind == "enrollment":
        issuer = _issuer(store, clerk)
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
            header=Header(number=number, issued_on=today, reprint=0 if copy else reprint, copy=copy),
            issuer=issuer,
            person=_person(p),
            category=en.get("category") or p["category"],
            insured_since=dt.date.fromisoformat(en["insured_since"]),
            employer=employer,
        )

    app = store.get_application(record_id)
    intake = _intake_clerk(app) or clerk
    issuer = _issuer(store, intake)
    if copy:
        reprint = 0  # a PDF copy is neither the original nor a reprint: it is marked as a copy
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
                number=app["receipt_no"],
                issued_on=received_on if not reprint else today,
                reprint=reprint,
                copy=copy,
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
                header=Header(number=f"{app['receipt_no']}-A", issued_on=today, reprint=reprint, copy=copy),
                issuer=issuer,
                person=person,
                category=category,
                application_type=_application_type(app),
                approver=(approved or {}).get("by") or "",
            )
        wage = form.get("employer_avg_monthly_wage")
        return ApprovalSlip(
            header=Header(number=f"{app['receipt_no']}-A", issued_on=today, reprint=reprint, copy=copy),
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
            employer=_employer_of(store, app),
        )
    if kind == "rejection":
        rejected = _last_change_to(app, "rejected")
        # a medical-cost claim decided before issue 14 stored the allowance's decision: that refuses
        # nothing on the costs; a medical decision does (不予支付告知书 with its reasons)
        decides_this_claim = app.get("claim_type") != "medical" or _medical_decided(app, decision)
        not_eligible = decides_this_claim and bool(decision) and not decision.get("eligible", True)
        if rejected is None and not not_eligible:
            raise NotApplicable(kind, f"status {app.get('status')}")
        # taken in — its receipt handed out, on paper or as a PDF copy — and then refused: the benefit
        # is not paid (不予支付告知书); refused before any receipt went out: not taken in (不予受理)
        receipt_issued = any(base_kind(str(p.get("kind"))) == "receipt" for p in app.get("prints") or [])
        stage: Literal["intake", "payment"] = "payment" if not_eligible or receipt_issued else "intake"
        params = decision.get("reason_params") or {}
        reasons = tuple(Reason(code, dict(params.get(code, {}))) for code in decision.get("reasons", []))
        return RejectionNotice(
            header=Header(number=f"{app['receipt_no']}-N", issued_on=today, reprint=reprint, copy=copy),
            issuer=issuer,
            person=person,
            application_type=_application_type(app),
            stage=stage,
            reasons=reasons if not_eligible else (),
            decided_by=(rejected or _last_change_to(app, "approved") or {}).get("by") or intake,
            rule=decision.get("rule") if not_eligible else None,
            remarks=((rejected or {}).get("note"),) if (rejected or {}).get("note") else (),
            receipt_number=app["receipt_no"],
            received_on=received_on,
        )
    raise NotApplicable(kind, "unknown kind")


@dataclass(frozen=True)
class Printed:
    pdf: bytes
    number: str  # the document number
    reprint: int  # earlier paper prints of this kind for this record (0 = the original)
    copy: bool = False  # a PDF copy (电子副本), not a paper print


def paper_prints(store: Store, record_id: str, kind: str) -> int:
    """How many times ``kind`` was printed on paper for a record (PDF copies not counted): 0 means
    the original is still to be issued."""
    return len(_prints(store, record_id, kind))


def render_record(
    store: Store, kind: str, record_id: str, *, user: str, paper: str, today: dt.date, copy: bool = False
) -> Printed:
    """The PDF of one stored record, signed with this counter's key from the OS keyring, marked as
    the next paper print (补打 with its count when printed on paper before), or with ``copy`` as a
    PDF copy (电子副本). Does not record the print: call ``record_printed`` once it is really
    printed (the desktop previews first).

    Raises the store's NotFound, NotApplicable, PaperUnsupported, FontMissing, and the keyring's
    KeyringUnavailable, CounterKeyMissing or CounterKeyMismatch (the store holds another key)."""
    before = paper_prints(store, record_id, kind)
    return render_as_print(
        store, kind, record_id, user=user, paper=paper, today=today, reprint=before, copy=copy
    )


def render_as_print(
    store: Store,
    kind: str,
    record_id: str,
    *,
    user: str,
    paper: str,
    today: dt.date,
    reprint: int,
    copy: bool = False,
) -> Printed:
    """The PDF of one stored record marked as the paper print after ``reprint`` earlier ones (or,
    with ``copy``, as a PDF copy)."""
    from liangxian.keys import load_store_key
    from printing.documents import build_pdf

    key = load_store_key(store)  # never signs for a store whose counter key is not the keyring's
    doc = document_from_store(store, kind, record_id, clerk=user, reprint=reprint, today=today, copy=copy)
    return Printed(build_pdf(doc, key, paper), doc.header.number, doc.header.reprint, copy)


def record_printed(
    store: Store,
    record_id: str,
    kind: str,
    *,
    user: str,
    today: dt.date,
    expected: int | None = None,
    copy: bool = False,
) -> int:
    """Record one paper print in the store (audited), or with ``copy`` one PDF copy (under
    ``copy_kind(kind)``, so it does not count as a print); returns how many of the same there were
    before."""
    before = store.service(user, today=today).record_print(record_id, copy_kind(kind) if copy else kind)
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


def print_to_file(
    store: Store, kind: str, record_id: str, out: str | Path, *, user: str, paper: str, today: dt.date
) -> Printed:
    """Print one stored record to the PDF file ``out`` and record the print: written under a partial
    name, the print recorded, then renamed into place, so that a kill at any point leaves either no
    PDF at ``out`` or one whose print is recorded (never an unrecorded first copy). When another print
    of the record committed in between, the paper is rebuilt to carry this print's count.

    Raises what ``render_record`` raises, WriteFailed, and the store's errors from recording (the
    partial file removed: an unrecorded print must not be handed out)."""
    printed = render_record(store, kind, record_id, user=user, paper=paper, today=today)
    target = Path(out)
    partial = partial_path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_private(partial, printed.pdf)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise WriteFailed(str(out), str(exc)) from exc
    try:
        before = record_printed(store, record_id, kind, user=user, today=today)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if before != printed.reprint:
        # another print of the record committed in between: the paper must carry this print's count
        log.warning("print count moved from %s to %s while printing", printed.reprint, before)
        printed = render_as_print(store, kind, record_id, user=user, paper=paper, today=today, reprint=before)
        write_private(partial, printed.pdf)
    try:
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise WriteFailed(str(out), str(exc)) from exc
    return printed


def _prints(store: Store, record_id: str, kind: str) -> list[dict[str, Any]]:
    """Earlier prints of ``kind`` for a record: an application's print history, or for a person
    (enrollment) the store's print records read the same way."""
    import localdb

    try:
        app = store.get_application(record_id)
    except localdb.NotFound:  # not an application: a person (enrollment confirmation)
        return _print_records(store, record_id, kind)
    return [p for p in app.get("prints") or [] if p.get("kind") == kind]


def _print_records(store: Store, record_id: str, kind: str) -> list[dict[str, Any]]:
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


def write_samples(out: Path) -> tuple[list[str], Path]:
    """One of each document for both regions on every paper from synthetic data, written into
    ``out`` (created if missing), plus ``public-keys.json`` with the sample counters' public keys.
    Returns the documents' paths and the keys file's. Raises WriteFailed and FontMissing."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from printing import seal
    from printing.documents import build_pdf
    from printing.model import KINDS, PAPERS_FOR
    from printing.samples import LHASA_ISSUER, LYG_ISSUER, MEDICAL_KINDS, medical_sample, sample

    try:
        out.mkdir(parents=True, exist_ok=True)
        # samples are signed with throw-away keys: never the counter's key from the keyring
        keys = {issuer.counter_id: Ed25519PrivateKey.generate() for issuer in (LHASA_ISSUER, LYG_ISSUER)}
        written = []
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
    except OSError as exc:
        raise WriteFailed(str(out), str(exc)) from exc
    return written, keys_path


def keys_from_db(path: str) -> dict[str, Ed25519PublicKey]:
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

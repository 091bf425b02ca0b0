"""What a printed document says, as plain frozen values: domain values in, PDF bytes out.

The builders (``printing.documents``) know nothing of the database or the desktop; the print-job
services (``liangxian/printjobs.py``, called by the CLI and the desktop) map stored records onto these
classes. Money is ``Decimal`` (yuan), dates are ``datetime.date``. Office names, languages, checklists and the
promised processing time come from the region's policy pack (``forms.policy``), not from here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Paper = Literal["a4", "a5", "80mm"]
PAPERS: tuple[Paper, ...] = ("a4", "a5", "80mm")
Kind = Literal["receipt", "approval", "rejection", "enrollment"]
KINDS: tuple[Kind, ...] = ("receipt", "approval", "rejection", "enrollment")
# which papers each document is laid out for (the 80 mm roll is for intake receipts only)
PAPERS_FOR: dict[str, tuple[Paper, ...]] = {
    "receipt": ("a4", "a5", "80mm"),
    "approval": ("a4", "a5"),
    "rejection": ("a4", "a5"),
    "enrollment": ("a4", "a5"),
}


@dataclass(frozen=True)
class Person:
    """The applicant or insured person. ``id_number`` is the full number: only its masked form
    (first 6 and last 4) is printed, and only a salted hash of it goes into the QR code."""

    id_number: str
    name_zh: str
    name_bo: str | None = None


@dataclass(frozen=True)
class Issuer:
    """Who issues the paper: the region (its pack gives the office), the counter and the clerk."""

    region: str
    counter_id: str  # the counter whose key signs the QR payload
    clerk: str
    counter_no: str | None = None  # the window number shown to the applicant


@dataclass(frozen=True)
class Header:
    """Document number, date of issue and reprint count (``reprint`` = paper prints before; a
    value above 0 marks the paper 补打, reprint). ``copy`` marks a saved PDF (电子副本, PDF copy): not
    a paper print, so it is neither the original nor a reprint and carries no 补打 count."""

    number: str
    issued_on: dt.date
    reprint: int = 0
    copy: bool = False


@dataclass(frozen=True)
class Receipt:
    """受理回执 — acknowledgement of an application taken at the counter."""

    header: Header
    issuer: Issuer
    person: Person
    category: str  # employee | flexible | volunteer | retiree
    application_type: str  # a checklist key of the pack: allowance, medical, …
    received_on: dt.date
    documents_received: tuple[str, ...]  # doc codes (i18n ``doc.<code>``) handed in
    processing_working_days: int | None = None  # None: the pack's value on ``received_on``

    kind: Kind = field(default="receipt", init=False)


@dataclass(frozen=True)
class LeaveItem:
    code: str  # i18n ``leave.<code>``
    days: int
    source: str  # the rule cited


@dataclass(frozen=True)
class ApprovalSlip:
    """待遇核定通知单 — the maternity allowance (生育津贴) approved for one application."""

    header: Header
    issuer: Issuer
    person: Person
    category: str
    application_type: str
    event: str  # birth | miscarriage
    event_date: dt.date
    leave_days: int
    leave_breakdown: tuple[LeaveItem, ...]
    allowance_days: int
    daily_rate: Decimal
    allowance: Decimal
    rule: str  # "<pack>/<version>" of the decision
    approver: str
    leave_start: dt.date | None = None
    leave_end: dt.date | None = None
    employer_avg_monthly_wage: Decimal | None = None  # 用人单位上年度职工月平均工资
    citations: tuple[str, ...] = ()
    employer: Employer | None = None  # the employer that pays the difference to the wage

    kind: Kind = field(default="approval", init=False)


@dataclass(frozen=True)
class Reason:
    code: str  # i18n ``reason.<code>``
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class MedicalSlip:
    """生育医疗费用核定通知单 — the childbirth or family-planning medical costs (生育医疗费用) approved
    for one application: the amount claimed, the per-case standard applied, the amount approved in
    figures and capitals, the paying fund and the settlement codes. An approval (QR kind A)."""

    header: Header
    issuer: Issuer
    person: Person
    category: str
    application_type: str  # medical | medical_spouse | medical_family_planning
    event: str  # birth | miscarriage | family_planning_surgery
    event_date: dt.date
    amount_claimed: Decimal
    amount_approved: Decimal
    paid_by: str  # maternity | medical (the decision's medical_paid_by)
    merged: bool  # event on or after the merger: the maternity item of the employee medical fund
    medical_type: str  # settlement code 医疗类别 (51 | 52 | 53)
    insurance_type: str  # settlement code 险种类型 (510 | 310)
    rule: str  # "<pack>/<version>" of the decision
    approver: str
    standard: Decimal | None = None  # the per-case standard applied (None: approved as claimed)
    standard_source: str | None = None
    operation: str | None = None  # i18n ``operation.<code>``
    claimant: str = "self"  # self | spouse (职工未就业配偶)
    reasons: tuple[Reason, ...] = ()  # why part was not paid (e.g. above the standard)
    citations: tuple[str, ...] = ()

    kind: Kind = field(default="approval", init=False)


@dataclass(frozen=True)
class RejectionNotice:
    """不予受理告知书 (``stage="intake"``: the application is not taken in) or 不予支付告知书
    (``stage="payment"``: it was taken in — its receipt 受理回执 issued — and the benefit is refused
    on review or by the decision). On a notice of non-payment ``decided_by`` is the reviewer (审核人)
    beside the clerk who took the application in (``issuer.clerk``, 经办人); on a notice of
    non-acceptance it is the clerk (经办人) who refused it."""

    header: Header
    issuer: Issuer
    person: Person
    application_type: str
    stage: Literal["intake", "payment"]
    reasons: tuple[Reason, ...]
    decided_by: str
    rule: str | None = None
    citations: tuple[str, ...] = ()
    remarks: tuple[str, ...] = ()  # the staff's own words (a rejection note), printed as entered
    receipt_number: str | None = None  # the 受理回执's number (a notice of non-payment cites it)
    received_on: dt.date | None = None  # the day the application was taken in

    kind: Kind = field(default="rejection", init=False)


@dataclass(frozen=True)
class Employer:
    name_zh: str
    uscc: str | None = None  # unified social credit code
    name_bo: str | None = None


@dataclass(frozen=True)
class EnrollmentConfirmation:
    """参保登记回执 — one enrollment in employee medical insurance (and, with it, maternity
    insurance for categories that join it)."""

    header: Header
    issuer: Issuer
    person: Person
    category: str
    insured_since: dt.date
    employer: Employer | None = None

    kind: Kind = field(default="enrollment", init=False)


Document = Receipt | ApprovalSlip | MedicalSlip | RejectionNotice | EnrollmentConfirmation

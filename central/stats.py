"""The statistics indicators of a whole county (or, for region staff, of every county side by side)
from the central server's records, with the same definitions as at the counter: this module only loads
the rows ``forms.indicators`` needs (the counter's loader is ``localdb.stats``) and lets it compute.

The server keeps each record's wire form (``data``): an application's form values, its latest
decision and its status history; a person's category and creation time. Dates are business dates in
Asia/Shanghai (``forms.clock``)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central import models as m
from forms.clock import business_date, business_today
from forms.indicators import ApplicationRow, Indicators, Period, RegistrationCount, compute

CLOSING = ("approved", "rejected", "withdrawn")


def _day(stamp: Any) -> dt.date | None:
    if not stamp:
        return None
    text = str(stamp)
    try:
        return business_date(text) if "T" in text else dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _money(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def application_row(county: str, data: dict[str, Any]) -> ApplicationRow | None:
    """One application's wire record as the indicators' row (None when it lacks what they need)."""
    form = data.get("form") or {}
    decision = data.get("decision") or {}
    receipt = str(data.get("receipt_no") or "")
    parts = receipt.split("-")
    # as at the counter (localdb.stats): taken in on the business date of its creation
    received = _day(data.get("created_at"))
    if received is None or len(parts) < 2:
        return None
    closed_to = closed_on = closed_by = reason = paid_on = None
    for step in data.get("status_history") or []:
        to = step.get("to")
        if to in CLOSING and closed_to is None:
            closed_to, closed_on, closed_by, reason = (
                to,
                _day(step.get("at")),
                step.get("by"),
                step.get("note"),
            )
        elif to == "paid":
            paid_on = _day(step.get("at"))
    allowance_approved = data.get("claim_type") == "allowance" and closed_to == "approved"
    return ApplicationRow(
        id=str(data.get("id")),
        receipt_no=receipt,
        person_id=str(data.get("person_id")),
        county_code=parts[0] or county,
        counter=receipt[:9],
        clerk=str(data.get("created_by") or ""),
        category=str(form.get("category") or ""),
        claim_type=str(data.get("claim_type") or ""),
        event=str(data.get("event") or ""),
        received_on=received,
        status=str(data.get("status") or ""),
        closed_to=closed_to,
        closed_on=closed_on,
        closed_by=closed_by,
        reason=reason,
        paid_on=paid_on,
        allowance=_money(decision.get("allowance")),
        # read only where an indicator reads them, as the counter's loader does
        allowance_days=_int(decision.get("allowance_days")) if allowance_approved else None,
        leave_days=_int(decision.get("leave_days")) if allowance_approved else None,
        medical_amount=_money(form.get("medical_amount")) if data.get("claim_type") == "medical" else None,
    )


def _matters(row: ApplicationRow, period: Period) -> bool:
    """Taken in by the period's end, and still open at its start or closed / paid during it."""
    if row.received_on > period.end:
        return False
    ends = [d for d in (row.closed_on, row.paid_on) if d is not None]
    return row.status not in (*CLOSING, "paid") or not ends or max(ends) >= period.start


def load(
    s: Session, period: Period, county: str | None
) -> tuple[list[ApplicationRow], list[RegistrationCount]]:
    apps = select(m.Application.county_code, m.Application.data)
    if county:
        apps = apps.where(m.Application.county_code == county)
    rows = []
    for code, text in s.execute(apps):
        row = application_row(code, json.loads(text))
        if row is not None and _matters(row, period):
            rows.append(row)
    counts: Counter[tuple[str | None, str, str, str | None]] = Counter()
    for model, kind in ((m.Person, "person"), (m.Employer, "employer")):
        q = select(model.county_code, model.data).where(model.merged_into.is_(None))
        if county:
            q = q.where(model.county_code == county)
        for code, text in s.execute(q):
            data = json.loads(text)
            day = _day(data.get("created_at"))
            if day is None or day not in period:
                continue
            category = data.get("category") if kind == "person" else None
            counts[(None, code, kind, category)] += 1  # for the whole period, as the counter's loader
    regs = [
        RegistrationCount(month, code, kind, cat, n)
        for (month, code, kind, cat), n in sorted(counts.items(), key=str)
    ]
    return rows, regs


def indicators(
    server: Any, period: Period, county: str | None = None, *, today: dt.date | None = None
) -> Indicators:
    """Every indicator of ``period`` for ``county`` (all the region's counties when None)."""
    info = server.info()
    with Session(server.engine) as s:
        rows, regs = load(s, period, county)
    return compute(period, rows, regs, region=info.region, county=county, today=today or business_today())

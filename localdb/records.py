"""Models → plain dicts (dates as ISO strings, money as strings): what the service returns, the audit
log records and the outbox sends."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, Protocol

from forms.ric import mask
from localdb import models as m

#: the fields of each record on the wire (docs/sync-protocol.md): what the sync engine sends of an audit
#: event's ``after``, and what a pulled record brings
WIRE_FIELDS: dict[str, tuple[str, ...]] = {
    "employer": (
        *("id", "uscc", "name_zh", "name_bo", "county_code", "rate_class", "avg_monthly_wage"),
        *("contact_phone", "uscc_override_reason", "version", "created_at", "updated_at"),
    ),
    "person": (
        *("id", "id_number", "name_zh", "name_bo", "sex", "birth_date", "ethnicity", "phone"),
        *("county_code", "category", "version", "created_at", "updated_at"),
    ),
    "enrollment": (
        *("id", "person_id", "employer_id", "category", "maternity_coverage", "contribution_base"),
        *("flexible_scheme", "insured_since", "ended_on", "version"),
    ),
    "application": (
        *("id", "receipt_no", "person_id", "claim_type", "event", "event_date", "status", "form"),
        *("decision", "created_by", "created_at", "updated_at", "version", "status_history", "documents"),
    ),
    "print": ("id", "record_id", "kind", "copy_no", "printed_at", "printed_by"),
}


def to_wire(entity: str, payload: dict[str, Any]) -> dict[str, Any]:
    """An audit event's ``after`` as the record sent to the server: its wire fields (a person created
    with its enrollment carries it; a status move says the status it was made from and its note)."""
    out: dict[str, Any] = {k: payload.get(k) for k in WIRE_FIELDS[entity]}
    if entity == "person" and isinstance(payload.get("enrollment"), dict):
        out["enrollment"] = {k: payload["enrollment"].get(k) for k in WIRE_FIELDS["enrollment"]}
        out["enrollment"].setdefault("person_id", payload.get("id"))
        if out["enrollment"].get("person_id") is None:
            out["enrollment"]["person_id"] = payload.get("id")
        if out["enrollment"].get("version") is None:
            out["enrollment"]["version"] = 1
    if entity == "application" and "status_from" in payload:
        out["status_from"] = payload["status_from"]
        out["note"] = payload.get("note")
    return out


# What the dict builders read of a record: a model instance, or (on the hot write paths, which insert
# with plain Core and build no ORM objects) a namespace holding the same columns.


class PersonFields(Protocol):
    """The columns of ``m.Person`` that ``person_dict`` reads."""

    @property
    def id(self) -> str: ...
    @property
    def id_number(self) -> str: ...
    @property
    def name_zh(self) -> str: ...
    @property
    def name_bo(self) -> str | None: ...
    @property
    def sex(self) -> str: ...
    @property
    def birth_date(self) -> dt.date: ...
    @property
    def ethnicity(self) -> str: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def county_code(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def created_at(self) -> str: ...
    @property
    def updated_at(self) -> str: ...


class EnrollmentFields(Protocol):
    """The columns of ``m.Enrollment`` that ``enrollment_dict`` reads."""

    @property
    def id(self) -> str: ...
    @property
    def person_id(self) -> str: ...
    @property
    def employer_id(self) -> str | None: ...
    @property
    def category(self) -> str: ...
    @property
    def maternity_coverage(self) -> bool: ...
    @property
    def contribution_base(self) -> Decimal | None: ...
    @property
    def flexible_scheme(self) -> str | None: ...
    @property
    def insured_since(self) -> dt.date: ...
    @property
    def ended_on(self) -> dt.date | None: ...
    @property
    def version(self) -> int | None: ...
    @property
    def updated_at(self) -> str | None: ...


class ApplicationFields(Protocol):
    """The columns of ``m.Application`` that ``application_core`` reads."""

    @property
    def id(self) -> str: ...
    @property
    def receipt_no(self) -> str: ...
    @property
    def person_id(self) -> str: ...
    @property
    def claim_type(self) -> str: ...
    @property
    def event(self) -> str: ...
    @property
    def event_date(self) -> dt.date: ...
    @property
    def status(self) -> str: ...
    @property
    def form_json(self) -> str: ...
    @property
    def created_by(self) -> str: ...
    @property
    def created_at(self) -> str: ...
    @property
    def updated_at(self) -> str: ...
    @property
    def version(self) -> int: ...


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def employer_dict(e: m.Employer) -> dict[str, Any]:
    return {
        "id": e.id,
        "uscc": e.uscc,
        "name_zh": e.name_zh,
        "name_bo": e.name_bo,
        "county_code": e.county_code,
        "rate_class": e.rate_class,
        "avg_monthly_wage": _money(e.avg_monthly_wage),
        "contact_phone": e.contact_phone,
        "uscc_override_reason": e.uscc_override_reason,
        "version": e.version,
        "created_at": e.created_at,
        "updated_at": e.updated_at,
    }


def enrollment_dict(en: EnrollmentFields, employer: m.Employer | None) -> dict[str, Any]:
    return {
        "id": en.id,
        "person_id": en.person_id,
        "employer_id": en.employer_id,
        "employer_uscc": employer.uscc if employer else None,
        "employer_name_zh": employer.name_zh if employer else None,
        "category": en.category,
        "maternity_coverage": en.maternity_coverage,
        "contribution_base": _money(en.contribution_base),
        "flexible_scheme": en.flexible_scheme,
        "insured_since": _date(en.insured_since),
        "ended_on": _date(en.ended_on),
        "version": en.version or 1,
        "updated_at": en.updated_at,
    }


def person_dict(p: PersonFields, enrollment: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "id": p.id,
        "id_number": p.id_number,
        "id_masked": mask(p.id_number),
        "name_zh": p.name_zh,
        "name_bo": p.name_bo,
        "sex": p.sex,
        "birth_date": _date(p.birth_date),
        "ethnicity": p.ethnicity,
        "phone": p.phone,
        "county_code": p.county_code,
        "category": p.category,
        "enrollment": enrollment,
        "version": p.version,
        "created_at": p.created_at,
        "updated_at": p.updated_at,
    }


def application_core(a: ApplicationFields) -> dict[str, Any]:
    return {
        "id": a.id,
        "receipt_no": a.receipt_no,
        "person_id": a.person_id,
        "claim_type": a.claim_type,
        "event": a.event,
        "event_date": _date(a.event_date),
        "status": a.status,
        "form": json.loads(a.form_json),
        "created_by": a.created_by,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
        "version": a.version,
    }


def json_values(values: dict[str, Any]) -> dict[str, Any]:
    """Validated form values (dates, Decimals) as JSON-ready values."""
    out: dict[str, Any] = {}
    for k, v in values.items():
        if isinstance(v, Decimal):
            out[k] = format(v, "f")
        elif hasattr(v, "isoformat"):
            out[k] = v.isoformat()
        else:
            out[k] = v
    return out


# --- the statistics columns (migration 0009) --------------------------------------------------------

_BUSINESS_TZ = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai: UTC+8, no daylight saving since 1991


def business_day(utc_timestamp: str) -> str | None:
    """The Asia/Shanghai business date of a stored UTC timestamp (``2026-11-20T17:30:00.000000Z`` →
    ``2026-11-21``), as SQLite's ``date(ts, '+8 hours')`` gives it (None for what is not one)."""
    try:
        moment = dt.datetime.fromisoformat(utc_timestamp)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(_BUSINESS_TZ).date().isoformat()


def application_stats(form: Any, claim_type: str, created_at: str) -> dict[str, Any]:
    """What the statistics read of an application's form and intake time (``stat_*`` columns of
    ``applications``), written with the form: its category, its intake day, the amount claimed on a
    medical-cost claim."""
    form = form if isinstance(form, dict) else {}
    category = form.get("category")
    medical = form.get("medical_amount") if claim_type == "medical" else None
    return {
        "stat_category": category if isinstance(category, str) else None,
        "stat_received_on": business_day(created_at),
        "stat_medical_amount": None if medical is None else str(medical),
    }


def _days(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def decision_days(decision: Any) -> dict[str, int | None]:
    """A decision's day counts as the columns of ``decisions`` (written with its JSON)."""
    decision = decision if isinstance(decision, dict) else {}
    return {
        "allowance_days": _days(decision.get("allowance_days")),
        "leave_days": _days(decision.get("leave_days")),
    }

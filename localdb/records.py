"""Models → plain dicts (dates as ISO strings, money as strings): what the service returns, the audit
log records and the outbox sends."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from forms.ric import mask
from localdb import models as m


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _date(value) -> str | None:
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


def enrollment_dict(en: m.Enrollment, employer: m.Employer | None) -> dict[str, Any]:
    return {
        "id": en.id,
        "employer_id": en.employer_id,
        "employer_uscc": employer.uscc if employer else None,
        "employer_name_zh": employer.name_zh if employer else None,
        "category": en.category,
        "maternity_coverage": en.maternity_coverage,
        "contribution_base": _money(en.contribution_base),
        "flexible_scheme": en.flexible_scheme,
        "insured_since": _date(en.insured_since),
        "ended_on": _date(en.ended_on),
    }


def person_dict(p: m.Person, enrollment: dict[str, Any] | None = None) -> dict[str, Any]:
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


def application_core(a: m.Application) -> dict[str, Any]:
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

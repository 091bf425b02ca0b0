"""Writes of employers (用人单位): registration by USCC and corrections with base versions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from forms import workflow
from forms.declarations import validate
from forms.errors import ValidationFailed, error, errors_only
from forms.uscc import compact as uscc_compact
from localdb import models as m
from localdb.clock import new_id, utc_now
from localdb.errors import DuplicateEmployer, NotFound
from localdb.records import employer_dict
from localdb.writebase import WriteBase, check_note, correction_meta, raise_issues

EMPLOYER_COLUMNS = (
    "uscc",
    "name_zh",
    "name_bo",
    "county_code",
    "rate_class",
    "avg_monthly_wage",
    "contact_phone",
)


def _employer_input(e: m.Employer) -> dict[str, Any]:
    return {
        "uscc": e.uscc,
        "name_zh": e.name_zh,
        "name_bo": e.name_bo,
        "county_code": e.county_code,
        "rate_class": e.rate_class,
        "avg_monthly_wage": None if e.avg_monthly_wage is None else format(e.avg_monthly_wage, "f"),
        "contact_phone": e.contact_phone,
    }


class EmployerWrites(WriteBase):
    def register_employer(
        self, data: dict[str, Any], *, override_reason: str | None = None
    ) -> dict[str, Any]:
        """Register an employer by its USCC. A code failing the MOD 31 check is accepted only from a
        supervisor (admin) with a reason, which is recorded."""
        self._allow("employer.register")
        result = validate("employer", data, self.region, today=self.today, strict=True)
        issues = list(result.issues)
        values = dict(result.values)
        checksum = [i for i in issues if i.field == "uscc" and i.code == "uscc.checksum"]
        reason = override_reason.strip() if isinstance(override_reason, str) else None
        if checksum and override_reason is not None:
            self._allow("employer.override_uscc")
            if not reason:
                raise ValidationFailed([error("reason.required", "override_reason")])
            check_note(reason, "override_reason")
            issues = [i for i in issues if i not in checksum]
            values["uscc"] = uscc_compact(str(data["uscc"]))
        elif checksum:
            issues.append(error("uscc.override_reason", "uscc"))
        if errors_only(issues):
            raise ValidationFailed(errors_only(issues))
        with self._write() as s:
            existing = s.scalars(select(m.Employer).where(m.Employer.uscc == values["uscc"])).first()
            if existing is not None:
                raise DuplicateEmployer(employer_dict(existing))
            now = utc_now()
            e = m.Employer(
                id=new_id(),
                uscc=values["uscc"],
                name_zh=values["name_zh"],
                name_bo=values.get("name_bo"),
                county_code=values["county_code"],
                rate_class=values["rate_class"],
                avg_monthly_wage=values.get("avg_monthly_wage"),
                contact_phone=values.get("contact_phone"),
                uscc_override_reason=reason if checksum else None,
                created_at=now,
                updated_at=now,
                version=1,
            )
            s.add(e)
            s.flush()
            after = employer_dict(e)
            self._log(s, "employer.register", "employer", e.id, None, after, op="create", base_version=None)
            return after

    def update_employer(self, employer_id: str, base_version: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Correct an employer's fields. A new USCC (its identity) needs an admin and a reason, must
        pass its check (an early pilot code is registered anew by a supervisor, not corrected into one)
        and must not be on file."""
        if not isinstance(changes, dict):
            raise ValidationFailed([error("form.not_object", "")])
        check_note(changes.get("reason"), "reason")
        with self._write() as s:
            e = s.get(m.Employer, employer_id)
            if e is None:
                raise NotFound(entity="employer", id=employer_id)
            base = self._check_base(s, "employer", e.id, e.version, base_version)
            raw = changes.get("uscc")
            identity_changed = isinstance(raw, str) and uscc_compact(raw) != e.uscc
            raise_issues(
                workflow.correction_issues(
                    "employer", changes, role=self.role, identity_changed=identity_changed
                )
            )
            fields = {k: v for k, v in changes.items() if k not in workflow.UPDATE_META_KEYS}
            current = _employer_input(e)
            if e.uscc_override_reason and "uscc" not in fields:
                current.pop("uscc")  # a pilot code a supervisor let in stays as it is
            result = validate("employer", {**current, **fields}, self.region, today=self.today, strict=True)
            issues = [i for i in errors_only(result.issues) if i.field in fields]
            if issues:
                raise ValidationFailed(issues)
            v = result.values
            new = {c: v.get(c) for c in EMPLOYER_COLUMNS}
            if "uscc" not in fields:
                new["uscc"] = e.uscc
            changed = [c for c in EMPLOYER_COLUMNS if getattr(e, c) != new[c]]
            if not changed:
                return employer_dict(e)
            if "uscc" in changed:
                other = s.scalars(select(m.Employer).where(m.Employer.uscc == new["uscc"])).first()
                if other is not None:
                    raise DuplicateEmployer(employer_dict(other))
            before = employer_dict(e)
            for c in changed:
                setattr(e, c, new[c])
            if "uscc" in changed:
                e.uscc_override_reason = None
            e.version = base + 1
            e.updated_at = utc_now()
            s.flush()
            after = employer_dict(e)
            audited = {**after, "_correction": correction_meta(changed, changes.get("reason"))}
            self._log(
                s,
                "employer.update",
                "employer",
                e.id,
                before,
                audited,
                op="update",
                base_version=base,
                changed=changed,
            )
            return after

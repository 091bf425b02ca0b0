"""Writes of persons and their enrollments: registration (one at a time or in bulk) and corrections
(更正) with base versions."""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms import workflow
from forms.declarations import validate
from forms.errors import ValidationFailed, error, errors_only
from forms.policy import load_pack
from forms.ric import compact as ric_compact
from forms.uscc import compact as uscc_compact
from forms.values import parse_date
from localdb import models as m
from localdb.clock import new_id, utc_now
from localdb.errors import DuplicatePerson, NotFound
from localdb.journal import append_audit_many, append_outbox_many
from localdb.records import enrollment_dict, person_dict
from localdb.search import keep_inner_keys
from localdb.searchkeys import person_keys
from localdb.writebase import WriteBase, check_note, correction_meta, raise_issues

#: person columns a correction may change (sex and birth date follow the ID number)
PERSON_COLUMNS = ("id_number", "name_zh", "name_bo", "sex", "birth_date", "ethnicity", "phone", "county_code")
ENROLLMENT_COLUMNS = (
    "employer_id",
    "category",
    "maternity_coverage",
    "contribution_base",
    "flexible_scheme",
    "insured_since",
    "ended_on",
)


def _money_text(value: object) -> str | None:
    return None if value is None else format(value, "f")


class PersonWrites(WriteBase):
    def _validate_person(
        self, s: Session, data: dict[str, Any], result: Any = None
    ) -> tuple[dict[str, Any], m.Employer | None]:
        if result is None:
            result = validate("person", data, self.region, today=self.today, strict=True)
        issues = list(result.issues)
        values = dict(result.values)
        employer = None
        raw_uscc = data.get("employer_uscc")
        if isinstance(raw_uscc, str) and raw_uscc.strip():
            code = values.get("employer_uscc") or uscc_compact(raw_uscc)
            employer = s.scalars(select(m.Employer).where(m.Employer.uscc == code)).first()
            if employer is not None and employer.uscc_override_reason:
                # an early pilot code a supervisor let in: the employer record vouches for it
                issues = [i for i in issues if i.field != "employer_uscc"]
                values["employer_uscc"] = code
            elif employer is None and not any(i.field == "employer_uscc" for i in errors_only(issues)):
                issues.append(error("employer.unknown", "employer_uscc"))
        if errors_only(issues):
            raise ValidationFailed(errors_only(issues))
        return values, employer

    def register_person(self, data: dict[str, Any]) -> dict[str, Any]:
        """Register a person with their enrollment. An ID number already on file raises
        DuplicatePerson carrying the existing record; nothing is written."""
        self._allow("person.register")
        # parse and check the form before the write lock is taken (no slow work inside it)
        result = validate("person", data, self.region, today=self.today, strict=True)
        with self._write() as s:
            values, employer = self._validate_person(s, data, result)
            existing = s.scalars(select(m.Person).where(m.Person.id_number == values["id_number"])).first()
            if existing is not None:
                raise DuplicatePerson(self._person(s, existing))
            person, _ = self._insert_person(s, values, employer)
            after = self._person(s, person)
            self._log(s, "person.register", "person", person.id, None, after, op="create", base_version=None)
            return after

    def _person_rows(
        self, values: dict[str, Any], employer: m.Employer | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The columns of a new person and of the enrollment that puts them into both insurances, from
        the person form's clean values (one place for the single and the bulk path)."""
        now = utc_now()
        category = values["category"]
        person = {
            "id": new_id(),
            "id_number": values["id_number"],
            "name_zh": values["name_zh"],
            "name_bo": values.get("name_bo"),
            "sex": values["sex"],
            "birth_date": values["birth_date"],
            "ethnicity": values["ethnicity"],
            "phone": values.get("phone"),
            "county_code": values["county_code"],
            "category": category,
            "created_at": now,
            "updated_at": now,
            "version": 1,
            **person_keys(values["name_zh"], values.get("name_bo")),
        }
        enrollment = {
            "id": new_id(),
            "person_id": person["id"],
            "employer_id": employer.id if employer else None,
            "category": category,
            "maternity_coverage": load_pack(self.region).categories[category].joins_maternity,
            "contribution_base": values.get("contribution_base"),
            "flexible_scheme": values.get("flexible_scheme"),
            "insured_since": values["insured_since"],
            "ended_on": None,
            "version": 1,
            "updated_at": now,
        }
        return person, enrollment

    def _insert_person(
        self, s: Session, values: dict[str, Any], employer: m.Employer | None
    ) -> tuple[m.Person, m.Enrollment]:
        person, enrollment = self._person_rows(values, employer)
        p = m.Person(**person)
        en = m.Enrollment(**enrollment)
        s.add(p)
        s.flush()
        s.add(en)
        s.flush()
        keep_inner_keys(s, [(p.id, p.name_zh, p.name_bo, p.id_number)], fresh=True)
        return p, en

    def bulk_register_persons(self, rows: Iterable[dict[str, Any]], *, batch: int = 5000) -> int:
        """Register many persons (seeding, imports): each row is validated with the person form and
        gets the same records, audit event and outbox change as ``register_person``; one transaction
        per batch, written with executemany. Invalid or duplicate rows are skipped; returns how many
        were written."""
        self._allow("person.register")
        written = 0
        pending: list[dict[str, Any]] = []
        for row in rows:
            pending.append(row)
            if len(pending) >= batch:
                written += self._bulk_batch(pending)
                pending = []
        if pending:
            written += self._bulk_batch(pending)
        return written

    def _bulk_batch(self, chunk: list[dict[str, Any]]) -> int:
        # validated before the write lock is taken (no slow work inside the transaction)
        results = [validate("person", data, self.region, today=self.today, strict=True) for data in chunk]
        with self._write() as s:
            employers = {e.uscc: e for e in s.scalars(select(m.Employer))}
            candidates = []
            for result in results:
                v = result.values
                employer = employers.get(v.get("employer_uscc") or "")
                if result.ok and not (v.get("employer_uscc") and employer is None):
                    candidates.append((v, employer))
            numbers = [v["id_number"] for v, _ in candidates]
            taken = set(s.scalars(select(m.Person.id_number).where(m.Person.id_number.in_(numbers))))
            persons, enrollments, events = [], [], []
            for v, employer in candidates:
                if v["id_number"] in taken:
                    continue
                taken.add(v["id_number"])
                person, enrollment = self._person_rows(v, employer)
                p, en = SimpleNamespace(**person), SimpleNamespace(**enrollment)
                persons.append(person)
                enrollments.append(enrollment)
                events.append((p.id, person_dict(p, enrollment_dict(en, employer))))
            if persons:
                s.execute(m.Person.__table__.insert(), persons)
                s.execute(m.Enrollment.__table__.insert(), enrollments)
                keep_inner_keys(
                    s, [(p["id"], p["name_zh"], p["name_bo"], p["id_number"]) for p in persons], fresh=True
                )
                last = append_audit_many(
                    s,
                    actor=self.username,
                    events=[("person.register", "person", pid, None, a) for pid, a in events],
                )
                first = last - len(events) + 1  # the events got consecutive seqs, in this order
                append_outbox_many(
                    s,
                    [("person", pid, "create", None, first + i, None) for i, (pid, _) in enumerate(events)],
                )
            return len(persons)

    # --- applications ----------------------------------------------------------------------------------

    # --- corrections -------------------------------------------------------------------------------

    def _current_enrollment(self, s: Session, person_id: str) -> m.Enrollment | None:
        return s.scalars(
            select(m.Enrollment)
            .where(m.Enrollment.person_id == person_id, m.Enrollment.ended_on.is_(None))
            .order_by(m.Enrollment.insured_since.desc())
        ).first()

    @staticmethod
    def _person_input(p: m.Person, en: m.Enrollment | None, employer: m.Employer | None) -> dict[str, Any]:
        """A stored person (and enrollment) as the person form's input, for validating a correction
        against the whole record (sex and birth date are derived from the ID number again)."""
        return {
            "id_number": p.id_number,
            "name_zh": p.name_zh,
            "name_bo": p.name_bo,
            "ethnicity": p.ethnicity,
            "phone": p.phone,
            "category": en.category if en else p.category,
            "county_code": p.county_code,
            "employer_uscc": employer.uscc if employer else None,
            "contribution_base": _money_text(en.contribution_base) if en else None,
            "flexible_scheme": en.flexible_scheme if en else None,
            "insured_since": en.insured_since.isoformat() if en else None,
        }

    def _validate_correction(
        self, current: dict[str, Any], fields: dict[str, Any], relevant: set[str]
    ) -> dict[str, Any]:
        """Validate the record with the correction applied; only problems of the fields it touches (and
        what follows from them) refuse it, so that an old record does not block a phone-number fix."""
        merged = {**current, **fields}
        if "name_bo_wylie" in fields and "name_bo" not in fields:
            merged.pop("name_bo", None)
        result = validate("person", merged, self.region, today=self.today, strict=True)
        issues = [i for i in errors_only(result.issues) if i.field in relevant]
        if issues:
            raise ValidationFailed(issues)
        return result.values

    def update_person(self, person_id: str, base_version: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Correct a person's fields (更正). ``changes`` holds only the changed fields (and ``reason``
        where one is required); ``base_version`` is the version the correction was made from. A new
        ID number (identity) needs an admin and a reason, is validated as at registration and must not
        be on file. Bumps the version; the audit event keeps before and after."""
        if not isinstance(changes, dict):
            raise ValidationFailed([error("form.not_object", "")])
        check_note(changes.get("reason"), "reason")
        with self._write() as s:
            p = s.get(m.Person, person_id)
            if p is None:
                raise NotFound(entity="person", id=person_id)
            base = self._check_base(s, "person", p.id, p.version, base_version)
            raw_id = changes.get("id_number")
            identity_changed = isinstance(raw_id, str) and ric_compact(raw_id) != p.id_number
            raise_issues(
                workflow.correction_issues(
                    "person", changes, role=self.role, identity_changed=identity_changed
                )
            )
            en = self._current_enrollment(s, p.id)
            employer = s.get(m.Employer, en.employer_id) if en and en.employer_id else None
            fields = {k: v for k, v in changes.items() if k not in workflow.UPDATE_META_KEYS}
            relevant = set(fields)
            if "id_number" in fields:
                relevant |= {"sex", "birth_date"}
            if "name_bo_wylie" in fields:
                relevant.add("name_bo")
            v = self._validate_correction(self._person_input(p, en, employer), fields, relevant)
            new = {c: v.get(c) for c in PERSON_COLUMNS}
            changed = [c for c in PERSON_COLUMNS if getattr(p, c) != new[c]]
            if not changed:
                return self._person(s, p)
            if "id_number" in changed:
                other = s.scalars(select(m.Person).where(m.Person.id_number == new["id_number"])).first()
                if other is not None:
                    raise DuplicatePerson(self._person(s, other))
            before = self._person(s, p)
            if {"name_zh", "name_bo", "id_number"} & set(changed):  # from the names still stored
                keys_of = (p.id, str(new["name_zh"]), new["name_bo"], str(new["id_number"]))
                keep_inner_keys(s, [keys_of])
            for c in changed:
                setattr(p, c, new[c])
            if {"name_zh", "name_bo"} & set(changed):
                for key, value in person_keys(p.name_zh, p.name_bo).items():
                    setattr(p, key, value)
            p.version = base + 1
            p.updated_at = utc_now()
            s.flush()
            after = self._person(s, p)
            audited = {**after, "_correction": correction_meta(changed, changes.get("reason"))}
            self._log(
                s,
                "person.update",
                "person",
                p.id,
                before,
                audited,
                op="update",
                base_version=base,
                changed=changed,
            )
            return after

    def update_enrollment(
        self, enrollment_id: str, base_version: int, changes: dict[str, Any]
    ) -> dict[str, Any]:
        """Correct an enrollment: employer (by USCC), category, contribution base, flexible scheme,
        insured since, ended on. The person's category follows the enrollment's."""
        if not isinstance(changes, dict):
            raise ValidationFailed([error("form.not_object", "")])
        check_note(changes.get("reason"), "reason")
        with self._write() as s:
            en = s.get(m.Enrollment, enrollment_id)
            if en is None:
                raise NotFound(entity="enrollment", id=enrollment_id)
            base = self._check_base(s, "enrollment", en.id, en.version or 1, base_version)
            raise_issues(workflow.correction_issues("enrollment", changes, role=self.role))
            p = s.get_one(m.Person, en.person_id)
            employer = s.get(m.Employer, en.employer_id) if en.employer_id else None
            fields = {k: v for k, v in changes.items() if k not in workflow.UPDATE_META_KEYS}
            ended_on = en.ended_on
            if "ended_on" in fields:
                ended_raw = fields.pop("ended_on")
                ended_on, found = (None, []) if ended_raw in (None, "") else parse_date(ended_raw, "ended_on")
                if found:
                    raise ValidationFailed(found)
            new = {c: getattr(en, c) for c in ENROLLMENT_COLUMNS}
            new["ended_on"] = ended_on
            if fields:
                # what a category needs comes with it: employer, scheme, contribution base
                touched = set(fields)
                if "category" in fields:
                    touched |= {"employer_uscc", "flexible_scheme", "contribution_base"}
                v = self._validate_correction(
                    self._person_input(p, en, employer), fields, touched | {"insured_since"}
                )
                if "employer_uscc" in touched:
                    code = v.get("employer_uscc")
                    employer = None
                    if code:
                        employer = s.scalars(select(m.Employer).where(m.Employer.uscc == code)).first()
                        if employer is None:
                            raise ValidationFailed([error("employer.unknown", "employer_uscc")])
                    new["employer_id"] = employer.id if employer else None
                if "category" in touched:
                    new["category"] = v["category"]
                    new["maternity_coverage"] = (
                        load_pack(self.region).categories[v["category"]].joins_maternity
                    )
                for c in ("contribution_base", "flexible_scheme", "insured_since"):
                    if c in touched:
                        new[c] = v.get(c)
            if ended_on is not None and ended_on < new["insured_since"]:
                raise ValidationFailed([error("date.before_insured", "ended_on")])
            changed = [c for c in ENROLLMENT_COLUMNS if getattr(en, c) != new[c]]
            if not changed:
                return enrollment_dict(en, employer)
            before = enrollment_dict(en, s.get(m.Employer, en.employer_id) if en.employer_id else None)
            for c in changed:
                setattr(en, c, new[c])
            en.version = base + 1
            en.updated_at = utc_now()
            if p.category != en.category and en.ended_on is None:
                p.category = en.category
            s.flush()
            after = enrollment_dict(en, employer)
            audited = {**after, "_correction": correction_meta(changed, changes.get("reason"))}
            self._log(
                s,
                "enrollment.update",
                "enrollment",
                en.id,
                before,
                audited,
                op="update",
                base_version=base,
                changed=changed,
            )
            return after

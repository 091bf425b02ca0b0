"""What the counter checks in a pulled page before it writes any of it (issue 24, finding 1).

A pulled record is input like a pushed one: the server's word alone does not put a row on the
counter. Every record of a page is checked here inside the page's write transaction, before the first
write; one refused record refuses the whole page (nothing written, the cursor stays) and the
``ValidationFailed`` names each refused record, why (a stable code, zh/bo/en), and for a form value
the form's own issue.

- **employer, person**: the same ``forms/`` declarations and text checks as a push (the employer form,
  the person form's person fields), and only of this counter's county.
- **enrollment**: its person is here (or in the page) and of this county, its employer too; its
  fields pass the person form's enrollment fields.
- **application**: its person is here (or in the page) and of this county, its receipt number is one
  of this county, its form passes the maternity application form with the person's ID number, and
  its decision is the one ``forms.entitlement`` computes from that form (a decision the engine does not
  reproduce is refused: never stored, never signed); statuses, history and documents are well formed.
- **user** (staff from the server): of this county, a known role, never the counter's own ``sync``
  account, a password hash only argon2id with parameters in range.
- **merge** (a person or employer with ``merged_into``): only between records with the same ID
  number (or USCC).
- **print, conflict**: well formed, clean text, known kinds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from forms import workflow
from forms.declarations import get_form, validate
from forms.errors import Issue, ValidationFailed, error, errors_only
from forms.record_fields import DECISION_KEYS, EMPLOYER_FIELDS, ENROLLMENT_FIELDS, PERSON_FIELDS, RECEIPT_RE
from forms.staff import MACHINE_ACCOUNT
from forms.staff import password_hash_issue as argon2_issue
from forms.text import is_clean_text

#: the counter's own account for unattended syncs (liangxian.syncjobs.SYNC_ACCOUNT): never from a pull
SYNC_ACCOUNT = MACHINE_ACCOUNT
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
USERNAME_MAX = 64
#: what a pulled decision must agree on with the engine's (as the server compares a pushed one)
PULLED_DECISION_KEYS = (*DECISION_KEYS, "rule")
CONFLICT_KINDS = frozenset({"field", "status", "duplicate_application", "other_county"})
COPY_MAX = 1000


def _clean(value: Any, *, optional: bool = True, max_len: int = 200) -> bool:
    if value is None:
        return optional
    return isinstance(value, str) and 0 < len(value) <= max_len and is_clean_text(value)


def _iso_time(value: Any, *, optional: bool = False) -> bool:
    if value is None:
        return optional
    if not isinstance(value, str) or len(value) > 40:
        return False
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _jsonish(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in values.items():
        if isinstance(v, Decimal):
            out[k] = format(v, "f")
        elif isinstance(v, dt.date):
            out[k] = v.isoformat()
        else:
            out[k] = v
    return out


class PageRefused(ValidationFailed):
    """A pulled page refused whole; ``decision_mismatches`` lists the applications whose pulled
    decision the engine did not reproduce ((application id, receipt no, pulled, computed)), which the
    counter keeps as conflict items."""

    def __init__(self, issues: list[Issue], decision_mismatches: list[tuple[str, str, Any, Any]]):
        super().__init__(issues)
        self.decision_mismatches = decision_mismatches


class PageCheck:
    """Check one pulled page (``by_entity``: entity → its records) against this counter's store."""

    def __init__(self, s: Session, *, region: str, county: str, today: dt.date):
        self.s = s
        self.region = region
        self.county = county
        self.today = today
        self.issues: list[Issue] = []
        self.mismatches: list[tuple[str, str, Any, Any]] = []
        #: application id → the engine's decision (what is stored)
        self.decisions: dict[str, dict[str, Any]] = {}
        self.page_persons: dict[str, Mapping[str, Any]] = {}
        self.page_employers: dict[str, Mapping[str, Any]] = {}

    # --- the run -------------------------------------------------------------------------------------

    def run(self, by_entity: Mapping[str, Sequence[Any]]) -> None:
        for r in by_entity.get("employer", ()):
            if r.data is not None and not r.merged_into:
                self.page_employers[r.entity_id] = r.data
        for r in by_entity.get("person", ()):
            if r.data is not None and not r.merged_into:
                self.page_persons[r.entity_id] = r.data
        for entity in ("user", "employer", "person", "enrollment", "application", "print", "conflict"):
            for r in by_entity.get(entity, ()):
                before = len(self.issues)
                try:
                    self._check_id(r)
                    if len(self.issues) == before:
                        getattr(self, f"_check_{entity}")(r)
                except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError) as exc:
                    self._refuse(r, "sync.bad_record", detail=f"{type(exc).__name__}: {exc}")
        if self.issues:
            raise PageRefused(self.issues, self.mismatches)

    def _refuse(self, r: Any, code: str, *more: Issue, **params: object) -> None:
        self.issues.append(error(code, "record", entity=r.entity, entity_id=str(r.entity_id)[:40], **params))
        self.issues.extend(more)

    def _check_id(self, r: Any) -> None:
        if not isinstance(r.entity_id, str) or not UUID_RE.match(r.entity_id):
            self._refuse(r, "sync.bad_record", detail="the record id is not a UUID")
            return
        if r.data is not None and not isinstance(r.data, Mapping):
            self._refuse(r, "sync.bad_record", detail="data is not an object")
            return
        if r.data is not None and r.data.get("id") not in (None, r.entity_id):
            self._refuse(r, "sync.bad_record", detail="data.id is not the record's id")
        if r.merged_into is not None and (
            not isinstance(r.merged_into, str) or not UUID_RE.match(r.merged_into)
        ):
            self._refuse(r, "sync.bad_record", detail="merged_into is not a UUID")

    def _form_issues(self, r: Any, issues: list[Issue]) -> bool:
        if not issues:
            return False
        detail = ", ".join(f"{i.field}: {i.code}" for i in issues)
        self._refuse(r, "sync.pulled_invalid", *issues, detail=detail)
        return True

    def _county(self, r: Any, county: Any) -> bool:
        if county != self.county:
            self._refuse(r, "sync.pulled_out_of_county", county_code=str(county)[:12])
            return False
        return True

    def _row(self, table: str, cols: str, entity_id: Any) -> Any:
        return (
            self.s.connection()
            .exec_driver_sql(f"SELECT {cols} FROM {table} WHERE id = ?", (str(entity_id),))
            .first()
        )

    def _person(self, person_id: Any) -> dict[str, Any] | None:
        """A person of the page or of this store, as {id_number, county_code, category, sex, birth_date}."""
        if not isinstance(person_id, str):
            return None
        if person_id in self.page_persons:
            return dict(self.page_persons[person_id])
        row = self._row("persons", "id_number, county_code, category, sex, birth_date", person_id)
        if row is None:
            return None
        return {
            "id_number": str(row[0]).rstrip("#"),
            "county_code": row[1],
            "category": row[2],
            "sex": row[3],
            "birth_date": row[4],
        }

    def _employer(self, employer_id: Any) -> dict[str, Any] | None:
        if not isinstance(employer_id, str):
            return None
        if employer_id in self.page_employers:
            return dict(self.page_employers[employer_id])
        row = self._row("employers", "uscc, county_code", employer_id)
        return None if row is None else {"uscc": str(row[0]).rstrip("#"), "county_code": row[1]}

    # --- per entity ----------------------------------------------------------------------------------

    def _check_user(self, r: Any) -> None:
        d = r.data
        if d is None:
            return
        username = d.get("username")
        if not _clean(username, optional=False, max_len=USERNAME_MAX) or username != username.strip():
            self._refuse(r, "sync.bad_record", detail="username is not a one-line name")
            return
        here = self._row("users", "username", r.entity_id)
        if username == SYNC_ACCOUNT or (here is not None and here[0] != username):
            # the counter's own machine account is made here, never by a pull; nor is a row renamed
            self._refuse(r, "sync.pulled_sync_account", username=username)
            return
        if not self._county(r, d.get("county_code")):
            return
        if d.get("role") not in workflow.ROLES:
            self._refuse(r, "sync.pulled_unknown_role", username=username, role=str(d.get("role"))[:20])
        if not isinstance(d.get("active", True), bool):
            self._refuse(r, "sync.bad_record", detail="active is not true or false")
        hashed = d.get("password_hash")
        if hashed is not None:
            why = argon2_issue(hashed)
            if why:
                self._refuse(r, "sync.pulled_weak_hash", username=username, detail=why)

    def _check_employer(self, r: Any) -> None:
        d = r.data
        if d is None:
            return
        if r.merged_into:
            self._merge(r, "employers", "uscc")
            return
        result = validate("employer", {k: d.get(k) for k in EMPLOYER_FIELDS}, self.region, today=self.today)
        issues = errors_only(result.issues)
        override = d.get("uscc_override_reason")
        if _clean(override, optional=False, max_len=500):
            issues = [i for i in issues if not (i.field == "uscc" and i.code == "uscc.checksum")]
        elif override is not None:
            issues.append(error("text.control", "uscc_override_reason"))
        if self._form_issues(r, issues):
            return
        self._county(r, d.get("county_code"))

    def _merge(self, r: Any, table: str, key: str) -> None:
        """A duplicate merged into a survivor: both here (or the survivor in the page) with one key."""
        gone = self._row(table, key, r.entity_id)
        if gone is None:
            return  # nothing here to merge
        survivor: Any
        if table == "persons":
            survivor = self._person(r.merged_into)
            have = None if survivor is None else survivor["id_number"]
        else:
            found = self._employer_row(r.merged_into)
            have = found
        if have is None:
            return  # the survivor arrives later and is merged by its key then
        if str(gone[0]).rstrip("#") != str(have).rstrip("#"):
            self._refuse(r, "sync.pulled_bad_merge", into_id=str(r.merged_into)[:40])

    def _employer_row(self, employer_id: Any) -> str | None:
        if employer_id in self.page_employers:
            return str(self.page_employers[employer_id].get("uscc"))
        row = self._row("employers", "uscc", employer_id)
        return None if row is None else str(row[0])

    def _check_person(self, r: Any) -> None:
        d = r.data
        if r.merged_into:
            self._merge(r, "persons", "id_number")
            return
        if d is None:
            return
        result = validate("person", {k: d.get(k) for k in PERSON_FIELDS}, self.region, today=self.today)
        issues = [i for i in errors_only(result.issues) if i.field in PERSON_FIELDS]
        if self._form_issues(r, issues):
            return
        if result.values.get("id_number") != d.get("id_number"):
            # a number the form normalises (spaces, a lower-case x) is not how the server stores one
            self._refuse(r, "sync.pulled_invalid", detail="id_number: not normalised")
            return
        self._county(r, d.get("county_code"))

    def _check_enrollment(self, r: Any) -> None:
        d = r.data
        if d is None:
            return
        person = self._person(d.get("person_id"))
        if person is None:
            self._refuse(r, "sync.pulled_orphan", parent="person")
            return
        if not self._county(r, person.get("county_code")):
            return
        employer_uscc = None
        if d.get("employer_id") is not None:
            employer = self._employer(d.get("employer_id"))
            if employer is None:
                self._refuse(r, "sync.pulled_orphan", parent="employer")
                return
            if not self._county(r, employer.get("county_code")):
                return
            employer_uscc = employer.get("uscc")
        # the insurance fields only (the person's own were checked with the person); the employer's
        # USCC was checked with the employer: here it must only be there for an employee
        form = {"county_code": person.get("county_code"), **{k: d.get(k) for k in ENROLLMENT_FIELDS}}
        result = validate("person", form, self.region, today=self.today, groups=("insurance",))
        issues = [i for i in errors_only(result.issues) if i.field in ENROLLMENT_FIELDS]
        if d.get("category") == "employee" and employer_uscc is None:
            issues.append(error("required", "employer_uscc"))
        if not isinstance(d.get("maternity_coverage", False), bool):
            issues.append(error("type.bool", "maternity_coverage"))
        if d.get("ended_on") is not None:
            dt.date.fromisoformat(str(d["ended_on"]))
        self._form_issues(r, issues)

    def _check_application(self, r: Any) -> None:
        from localdb.applications import decide_values

        d = r.data
        if d is None:
            return
        person = self._person(d.get("person_id"))
        if person is None:
            self._refuse(r, "sync.pulled_orphan", parent="person")
            return
        if not self._county(r, person.get("county_code")):
            return
        receipt = d.get("receipt_no")
        match = RECEIPT_RE.match(receipt) if isinstance(receipt, str) else None
        if match is None:
            self._refuse(r, "sync.bad_record", detail="receipt_no is not CCCCCC-NN-YYYYMMDD-SSSS")
            return
        if not self._county(r, match.group(1)):
            return
        if d.get("status") not in workflow.STATUSES:
            self._refuse(r, "sync.bad_record", detail="unknown status")
            return
        if not (
            _clean(d.get("created_by"), optional=False, max_len=USERNAME_MAX)
            and _iso_time(d.get("created_at"))
        ):
            self._refuse(r, "sync.bad_record", detail="created_by / created_at")
            return
        if not self._history_ok(d):
            self._refuse(r, "sync.bad_record", detail="status_history / documents")
            return
        form = d.get("form")
        if not isinstance(form, Mapping):
            self._refuse(r, "sync.bad_record", detail="form is not an object")
            return
        form_input = {**form, "id_number": person["id_number"]}
        if form_input.get("category") is None:
            form_input["category"] = person.get("category")
        known = {f.name for f in get_form("maternity_application").fields}
        issues = [error("form.unknown_field", k, name=k) for k in form_input if k not in known]
        result = validate("maternity_application", form_input, self.region, today=self.today)
        issues += errors_only(result.issues)
        if self._form_issues(r, issues):
            return
        values = result.values
        top = {"claim_type": values.get("claim_type"), "event": values.get("event")}
        if (
            any(d.get(k) != v for k, v in top.items())
            or d.get("event_date") != values["event_date"].isoformat()
        ):
            self._refuse(
                r, "sync.pulled_invalid", detail="claim_type / event / event_date differ from the form"
            )
            return
        try:
            _decision, computed = decide_values(self.region, dict(values))
        except ValidationFailed as exc:
            self._form_issues(r, list(exc.issues))
            return
        computed = _jsonish(computed)
        self.decisions[r.entity_id] = computed
        pulled = d.get("decision")
        if pulled is None:
            return
        differ = (
            list(PULLED_DECISION_KEYS)
            if not isinstance(pulled, Mapping)
            else [k for k in PULLED_DECISION_KEYS if pulled.get(k) != computed.get(k)]
        )
        if differ:
            shown = pulled if isinstance(pulled, Mapping) else {}
            detail = ", ".join(f"{k}: {str(shown.get(k))[:40]} ≠ {computed.get(k)}" for k in differ)
            self._refuse(r, "sync.pulled_decision_mismatch", receipt_no=receipt, detail=detail)
            self.mismatches.append(
                (
                    r.entity_id,
                    receipt,
                    {k: shown.get(k) for k in differ},
                    {k: computed.get(k) for k in differ},
                )
            )

    @staticmethod
    def _history_ok(d: Mapping[str, Any]) -> bool:
        history = d.get("status_history") or []
        if not isinstance(history, list):
            return False
        for h in history:
            if not isinstance(h, Mapping):
                return False
            if h.get("from") not in (None, *workflow.STATUSES) or h.get("to") not in workflow.STATUSES:
                return False
            if not (_iso_time(h.get("at")) and _clean(h.get("by"), optional=False, max_len=USERNAME_MAX)):
                return False
            if not _clean(h.get("note"), max_len=1000):
                return False
        if history and history[-1].get("to") != d.get("status"):
            return False
        documents = d.get("documents") or []
        if not isinstance(documents, list):
            return False
        for x in documents:
            if not isinstance(x, Mapping) or not _clean(x.get("code"), optional=False, max_len=60):
                return False
            if not (_iso_time(x.get("received_at")) and _clean(x.get("received_by"), optional=False)):
                return False
        return True

    def _check_print(self, r: Any) -> None:
        d = r.data
        if d is None:
            return
        record_id = d.get("record_id")
        if not isinstance(record_id, str) or not UUID_RE.match(record_id):
            self._refuse(r, "sync.bad_record", detail="record_id is not a UUID")
            return
        copy_no = d.get("copy_no")
        if isinstance(copy_no, bool) or not isinstance(copy_no, int) or not 0 < copy_no <= COPY_MAX:
            self._refuse(r, "sync.bad_record", detail="copy_no out of range")
            return
        if not (
            _clean(d.get("kind"), optional=False, max_len=40) and _clean(d.get("printed_by"), optional=False)
        ):
            self._refuse(r, "sync.bad_record", detail="kind / printed_by")
            return
        if not _iso_time(d.get("printed_at")):
            self._refuse(r, "sync.bad_record", detail="printed_at")

    def _check_conflict(self, r: Any) -> None:
        d = r.data
        if d is None:
            return
        if (d.get("kind") or "field") not in CONFLICT_KINDS:
            self._refuse(r, "sync.bad_record", detail="unknown conflict kind")
            return
        if d.get("entity") not in ("employer", "person", "enrollment", "application", "print"):
            self._refuse(r, "sync.bad_record", detail="unknown entity")
            return
        if not isinstance(d.get("entity_id"), str) or not UUID_RE.match(d["entity_id"]):
            self._refuse(r, "sync.bad_record", detail="entity_id is not a UUID")
            return
        for k in ("field", "local_actor", "server_actor", "resolution"):
            if not _clean(d.get(k), max_len=200):
                self._refuse(r, "sync.bad_record", detail=k)
                return
        if (d.get("status") or "open") not in ("open", "resolved"):
            self._refuse(r, "sync.bad_record", detail="status")

"""Applying one pushed change to a county's records, re-checked as if typed at the server.

- ``create``: the form declarations (``forms.declarations.validate``) on the wire record mapped back to
  form input; the role may register; persons are unique by ID number — in the county (a second
  person with the same number becomes an alias of the first: ``duplicate``) and in the region
  (``id_registry``: another county's number is a ``conflict`` coded
  ``person.registered_in_other_county``); an application's decision is recomputed with
  ``forms.entitlement`` and a pushed one that differs is refused (``sync.decision_mismatch``); the same
  application twice (person, claim type, event, event date, both live) keeps both and opens a
  conflict item naming both receipt numbers.
- ``update``: ``forms.workflow.correction_issues`` for the role; field by field, a field changed on
  the server after the change's base version by another counter is a conflict item (both values
  kept, the server's stays), every other field merges; the merged record is validated again.
- ``transition``: ``forms.workflow.transition_issues`` from the status the move was made in
  (``data.status_from``); ``paid`` is final; approving an application with an open duplicate
  conflict is refused; withdrawing or rejecting one closes it.
- ``resolve``: a reviewer or admin settles a conflict item, taking the local or the server value.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from central import models as m
from forms.declarations import get_form, validate
from forms.errors import Issue, ValidationFailed, error, errors_only
from forms.record_fields import DECISION_KEYS, EMPLOYER_FIELDS, ENROLLMENT_FIELDS, PERSON_FIELDS, RECEIPT_RE
from forms.workflow import (
    CORRECTIONS,
    PAID,
    RECEIVED,
    REJECTED,
    WITHDRAWN,
    correction_issues,
    may,
    separation_of_duties,
    transition_issues,
)
from sync.protocol import Change, ChangeResult

APPLICATION_TOP = ("claim_type", "event", "event_date")


def _json_ready(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in values.items():
        if isinstance(v, Decimal):
            out[k] = format(v, "f")
        elif isinstance(v, dt.date):
            out[k] = v.isoformat()
        else:
            out[k] = v
    return out


def _refuse(code: str, field: str = "", **params: object) -> ValidationFailed:
    return ValidationFailed([error(code, field, **params)])


#: the changes applied without a savepoint or the ORM's unit of work (``RecordRules.fast``): each is
#: checked completely before it writes anything, and what it writes is only new rows, so a change that
#: fails has written nothing and its rows are inserted with the batch's (one executemany per table)
STAGED_OPS: frozenset[tuple[str, str]] = frozenset({("person", "create"), ("print", "create")})


class BulkWriteFailed(Exception):
    """The batch's staged rows could not be inserted (e.g. an ID number another county registered
    meanwhile): the caller rolls the batch back and applies it again change by change."""


@functools.cache
def _columns(cls: Any) -> dict[str, None]:
    """Every column of a table, unset (what a new ORM object reads as None)."""
    return {c.key: None for c in cls.__table__.columns}


def change_day(change: Change, fallback: dt.date) -> dt.date:
    """The business day the change was made (its ``at`` in Asia/Shanghai), never after ``fallback``."""
    from zoneinfo import ZoneInfo

    try:
        at = dt.datetime.fromisoformat(change.at.replace("Z", "+00:00"))
    except ValueError:
        return fallback
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return min(at.astimezone(ZoneInfo("Asia/Shanghai")).date(), fallback)


class RecordRules:
    """The rules of one county's records, inside its write transaction."""

    def __init__(self, s: Session, seq: Any, region: str, county: str, device_id: str, *, fast: bool = False):
        from central.service import business_today

        self.s = s
        self.seq = seq
        self.region = region
        self.county = county
        self.device_id = device_id
        self.today = business_today()
        # ids known (from one query per batch) not to exist: a lookup of them needs no query. Rows
        # that do exist are in the session's identity map after the prefetch, so their lookups are
        # free too. Anything not prefetched is simply queried.
        self.missing: set[tuple[str, str]] = set()
        self.no_alias: set[str] = set()
        self.unregistered: set[str] = set()
        # strong references to the rows of the batch (the session's identity map is weak: without
        # these, every lookup of the same employer was a query again), aliases and ID numbers known
        self.rows: dict[tuple[str, str], Any] = {}
        self.aliases: dict[str, str] = {}
        self.registered: dict[str, Any] = {}  # id_registry rows (or staged ones)
        # fast: STAGED_OPS write into ``staged`` (inserted by ``flush_staged``), not the session
        self.fast = fast
        self.staging = False
        self.staged: dict[Any, list[Any]] = {}
        self.staged_keys: list[tuple[str, Any]] = []
        self._undo: list[Callable[[], None]] = []

    def prefetch(self, changes: Iterable[Change]) -> None:
        """Load in a few queries the records, aliases and ID numbers a batch names."""
        from forms.ric import compact

        wanted: dict[str, set[str]] = {e: set() for e in m.RECORD_TABLES}
        refs: set[str] = set()
        numbers: set[str] = set()
        for c in changes:
            refs.add(c.entity_id)
            if c.entity in wanted:
                wanted[c.entity].add(c.entity_id)
            person_id, record_id = c.data.get("person_id"), c.data.get("record_id")
            if isinstance(person_id, str):
                refs.add(person_id)
                wanted["person"].add(person_id)
            if isinstance(record_id, str):
                refs.add(record_id)
                for entity in ("application", "person", "employer"):
                    wanted[entity].add(record_id)
            enrollment = c.data.get("enrollment")
            if isinstance(enrollment, dict):
                if isinstance(enrollment.get("id"), str):
                    wanted["enrollment"].add(enrollment["id"])
                if isinstance(enrollment.get("employer_id"), str):
                    refs.add(enrollment["employer_id"])
                    wanted["employer"].add(enrollment["employer_id"])
            if c.entity == "person" and isinstance(c.data.get("id_number"), str):
                numbers.add(compact(c.data["id_number"]))
        for entity, ids in wanted.items():
            if not ids:
                continue
            table = m.RECORD_TABLES[entity]
            found = set()
            for row in self.s.scalars(
                select(table).where(table.county_code == self.county, table.id.in_(ids))
            ):
                found.add(row.id)
                self.rows[(entity, row.id)] = row
            self.missing |= {(entity, i) for i in ids - found}
        if refs:
            for alias in self.s.scalars(
                select(m.Alias).where(m.Alias.county_code == self.county, m.Alias.alias_id.in_(refs))
            ):
                self.aliases[alias.alias_id] = alias.target_id
            self.no_alias |= refs - set(self.aliases)
        if numbers:
            for reg in self.s.scalars(select(m.IdRegistry).where(m.IdRegistry.id_number.in_(numbers))):
                self.registered[reg.id_number] = reg
            self.unregistered |= numbers - set(self.registered)

    # --- the batch's writes --------------------------------------------------------------------------

    def begin_change(self, staged: bool) -> None:
        """Start one change: ``staged`` writes it into the batch's insert lists instead of the session."""
        self._undo = []
        self.staging = staged

    def end_change(self, ok: bool) -> None:
        """End one change; a failed one takes back what it told the batch's caches."""
        if not ok:
            for undo in reversed(self._undo):
                undo()
        self._undo = []
        self.staging = False

    def _make(self, cls: Any, **cols: Any) -> Any:
        """A new row of ``cls``: an ORM object added to the session, or, staged, plain attributes
        (only this batch's fast changes read it, and only until it is flushed)."""
        if not self.staging:
            obj = cls(**cols)
            self.s.add(obj)
            return obj
        obj = SimpleNamespace(**(_columns(cls) | cols))
        rows = self.staged.setdefault(cls, [])
        rows.append(obj)
        self._undo.append(rows.pop)
        return obj

    def stage_processed(self, **cols: Any) -> None:
        """The idempotency answer of a change, inserted with the batch (fast) or by the session."""
        if self.fast:
            self.staged.setdefault(m.ProcessedChange, []).append(SimpleNamespace(**cols))
        else:
            self.s.add(m.ProcessedChange(**cols))

    def flush_staged(self) -> None:
        """Insert the staged rows, one executemany per table; then forget the staged objects, so that
        later lookups see the rows as the database (and the session) has them."""
        if not self.staged:
            return
        conn = self.s.connection()
        try:
            for cls, objs in self.staged.items():
                if not objs:
                    continue
                table = cls.__table__
                cols = [c.key for c in table.columns]
                conn.execute(table.insert(), [{k: getattr(o, k, None) for k in cols} for o in objs])
        except SQLAlchemyError as exc:
            raise BulkWriteFailed(str(exc)) from exc
        self.staged = {}
        for kind, key in self.staged_keys:
            if kind == "row":
                self.rows.pop(key, None)
            elif kind == "registry":
                self.registered.pop(key, None)
        self.staged_keys = []

    def _remember(self, kind: str, key: Any) -> None:
        """A staged object held in a cache: dropped from it once flushed."""
        if self.staging:
            self.staged_keys.append((kind, key))
            self._undo.append(self.staged_keys.pop)

    def registry(self, number: str) -> Any:
        if number in self.registered:
            return self.registered[number]
        if number in self.unregistered:
            return None
        return self.s.get(m.IdRegistry, number)

    def add_alias(self, alias_id: str, entity: str, target_id: str) -> None:
        self._discard(self.no_alias, alias_id)
        self._put(self.aliases, alias_id, target_id)
        self._make(m.Alias, county_code=self.county, alias_id=alias_id, entity=entity, target_id=target_id)

    def add_registry(self, number: str, person_id: str) -> None:
        self._discard(self.unregistered, number)
        reg = self._make(m.IdRegistry, id_number=number, county_code=self.county, person_id=person_id)
        self._put(self.registered, number, reg)
        self._remember("registry", number)

    def _discard(self, known: set[Any], key: Any) -> None:
        if key in known:
            known.discard(key)
            self._undo.append(lambda: known.add(key))

    def _put(self, cache: dict[Any, Any], key: Any, value: Any) -> None:
        had, old = key in cache, cache.get(key)
        cache[key] = value
        self._undo.append(lambda: cache.__setitem__(key, old) if had else cache.pop(key, None))

    # --- helpers -------------------------------------------------------------------------------------

    def resolve_alias(self, entity_id: Any) -> str | None:
        if not isinstance(entity_id, str) or not entity_id:
            return None
        if entity_id in self.aliases:
            return self.aliases[entity_id]
        if entity_id in self.no_alias:
            return entity_id
        alias = self.s.get(m.Alias, (self.county, entity_id))
        return alias.target_id if alias else entity_id

    def has_alias(self, entity_id: str) -> bool:
        if entity_id in self.aliases:
            return True
        if entity_id in self.no_alias:
            return False
        return self.s.get(m.Alias, (self.county, entity_id)) is not None

    def get(self, entity: str, entity_id: Any) -> Any:
        if not isinstance(entity_id, str) or not entity_id:
            return None
        key = (entity, entity_id)
        row = self.rows.get(key)
        if row is not None:
            return row
        if key in self.missing:
            return None
        row = self.s.get(m.RECORD_TABLES[entity], (self.county, entity_id))
        if row is not None:
            self.rows[key] = row
        return row

    def _now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def _new_row(self, entity: str, entity_id: str, data: dict[str, Any], /, **typed: Any) -> Any:
        self._discard(self.missing, (entity, entity_id))
        version = 1
        data = {**data, "id": entity_id, "version": version}
        row = self._make(
            m.RECORD_TABLES[entity],
            county_code=self.county,
            id=entity_id,
            version=version,
            server_seq=self.seq.next(),
            data=json.dumps(data, ensure_ascii=False, sort_keys=True),
            updated_at=self._now(),
            **typed,
        )
        if self.staging:
            self._put(self.rows, (entity, entity_id), row)
            self._remember("row", (entity, entity_id))
        return row

    def _save(self, row: Any, data: dict[str, Any], **typed: Any) -> None:
        row.version += 1
        data = {**data, "version": row.version}
        row.data = json.dumps(data, ensure_ascii=False, sort_keys=True)
        row.server_seq = self.seq.next()
        row.updated_at = self._now()
        for k, v in typed.items():
            setattr(row, k, v)

    def _field_version(self, entity: str, entity_id: str, field: str) -> m.FieldVersion | None:
        return self.s.get(m.FieldVersion, (self.county, entity, entity_id, field))

    def _mark_fields(
        self, entity: str, entity_id: str, fields: list[str], version: int, change: Change
    ) -> None:
        for f in fields:
            fv = self._field_version(entity, entity_id, f)
            if fv is None:
                fv = m.FieldVersion(
                    county_code=self.county, entity=entity, entity_id=entity_id, field=f, version=version
                )
                self.s.add(fv)
            fv.version = version
            fv.device_id = self.device_id
            fv.actor = change.actor
            fv.at = change.at

    def _conflict(
        self,
        kind: str,
        entity: str,
        entity_id: str,
        *,
        field: str | None = None,
        local_value: Any = None,
        server_value: Any = None,
        change: Change | None = None,
        server_actor: str | None = None,
        server_at: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> str:
        cid = str(uuid.uuid4())
        data = {
            "id": cid,
            "kind": kind,
            "entity": entity,
            "entity_id": entity_id,
            "field": field,
            "local_value": local_value,
            "server_value": server_value,
            "local_actor": change.actor if change else None,
            "local_at": change.at if change else None,
            "server_actor": server_actor,
            "server_at": server_at,
            "status": "open",
            "resolution": None,
            "detail": dict(detail or {}),
        }
        self._new_row("conflict", cid, data, kind=kind, entity=entity, entity_id=entity_id, status="open")
        return cid

    # --- dispatch ------------------------------------------------------------------------------------

    def apply(self, change: Change, username: str, role: str) -> ChangeResult:
        self.day = change_day(change, self.today)
        key = (change.entity, change.op)
        if key == ("employer", "create"):
            return self.create_employer(change, role)
        if key == ("person", "create"):
            return self.create_person(change, role)
        if key == ("application", "create"):
            return self.create_application(change, username, role)
        if key == ("print", "create"):
            return self.create_print(change, role)
        if key == ("application", "transition") or (
            key == ("application", "update") and "status" in change.changed and "status_from" in change.data
        ):
            return self.transition(change, username, role)
        if change.op == "update" and change.entity in CORRECTIONS:
            return self.update(change, role)
        if key == ("conflict", "resolve"):
            return self.resolve(change, role)
        raise _refuse("sync.unsupported", "op", entity=change.entity, op=change.op)

    def _may(self, role: str, action: str) -> None:
        if not may(role, action):
            raise _refuse("auth.forbidden", "role", role=role, action=action)

    def _check_new(self, change: Change) -> None:
        if self.get(change.entity, change.entity_id) is not None or self.has_alias(change.entity_id):
            raise _refuse("sync.record_exists", "entity_id", entity=change.entity, entity_id=change.entity_id)

    def _validated(
        self, form: str, data: Mapping[str, Any], *, fields: set[str] | None = None
    ) -> dict[str, Any]:
        result = validate(form, data, self.region, today=self.day)
        issues = errors_only(result.issues)
        if fields is not None:
            issues = [i for i in issues if i.field in fields]
        if issues:
            raise ValidationFailed(issues)
        return result.values

    # --- employers -----------------------------------------------------------------------------------

    def _employer_values(
        self, data: Mapping[str, Any], role: str, fields: set[str] | None = None
    ) -> dict[str, Any]:
        form_input = {k: data.get(k) for k in EMPLOYER_FIELDS}
        result = validate("employer", form_input, self.region, today=self.day)
        issues = errors_only(result.issues)
        values = dict(result.values)
        override = data.get("uscc_override_reason")
        checksum = [i for i in issues if i.field == "uscc" and i.code == "uscc.checksum"]
        if checksum and isinstance(override, str) and override.strip():
            self._may(role, "employer.override_uscc")
            issues = [i for i in issues if i not in checksum]
            values["uscc"] = str(data.get("uscc", "")).strip().upper()
        if fields is not None:
            issues = [i for i in issues if i.field in fields]
        if issues:
            raise ValidationFailed(issues)
        return values

    def create_employer(self, change: Change, role: str) -> ChangeResult:
        self._may(role, "employer.register")
        self._check_new(change)
        values = self._employer_values(change.data, role)
        if values["county_code"] != self.county:
            raise _refuse("sync.out_of_county", "county_code", county_code=values["county_code"])
        existing = self.s.scalars(
            select(m.Employer).where(
                m.Employer.county_code == self.county,
                m.Employer.uscc == values["uscc"],
                m.Employer.merged_into.is_(None),
            )
        ).first()
        if existing is not None:
            self.add_alias(change.entity_id, "employer", existing.id)
            # pulled as itself with merged_into, so every counter repoints and drops it
            self._new_row("employer", change.entity_id, {}, uscc=None, merged_into=existing.id)
            return ChangeResult(change.change_id, "duplicate", existing.version, merged_into=existing.id)
        data = {**dict(change.data), **_json_ready({k: values.get(k) for k in EMPLOYER_FIELDS})}
        row = self._new_row("employer", change.entity_id, data, uscc=values["uscc"])
        return ChangeResult(change.change_id, "applied", row.version)

    # --- persons -------------------------------------------------------------------------------------

    def _employer_uscc(self, enrollment: Mapping[str, Any]) -> str | None:
        employer_id = self.resolve_alias(enrollment.get("employer_id"))
        if employer_id:
            employer = self.get("employer", employer_id)
            if employer is None:
                raise _refuse("employer.unknown", "employer_uscc")
            return employer.uscc
        uscc = enrollment.get("employer_uscc")
        return uscc if isinstance(uscc, str) and uscc else None

    def create_person(self, change: Change, role: str) -> ChangeResult:
        self._may(role, "person.register")
        self._check_new(change)
        data = dict(change.data)
        enrollment = data.pop("enrollment", None)
        if enrollment is not None and not isinstance(enrollment, dict):
            raise _refuse("form.not_object", "enrollment")
        enrollment = dict(enrollment or {})
        form_input = {k: data.get(k) for k in PERSON_FIELDS}
        form_input.update({k: enrollment.get(k) for k in ENROLLMENT_FIELDS if enrollment.get(k) is not None})
        form_input["employer_uscc"] = self._employer_uscc(enrollment)
        values = self._validated("person", form_input)
        if values["county_code"] != self.county:
            raise _refuse("sync.out_of_county", "county_code", county_code=values["county_code"])
        number = values["id_number"]
        registered = self.registry(number)
        if registered is not None and registered.county_code != self.county:
            issue = error(
                "person.registered_in_other_county", "id_number", county_code=registered.county_code
            )
            cid = self._conflict(
                "other_county",
                "person",
                change.entity_id,
                field="id_number",
                local_value=number,
                change=change,
                detail={"county_code": registered.county_code},
            )
            return ChangeResult(change.change_id, "conflict", conflicts=(cid,), errors=(issue.to_json(),))
        if registered is not None:
            survivor = self.get("person", registered.person_id)
            self.add_alias(change.entity_id, "person", survivor.id)
            # the duplicate is pulled as itself with merged_into, so every counter repoints and drops it
            self._new_row("person", change.entity_id, {}, id_number=None, merged_into=survivor.id)
            if enrollment.get("id"):
                self._store_enrollment(enrollment, survivor.id, values)
            return ChangeResult(change.change_id, "duplicate", survivor.version, merged_into=survivor.id)
        person = {**data, **_json_ready({k: values.get(k) for k in PERSON_FIELDS})}
        row = self._new_row("person", change.entity_id, person, id_number=number)
        self.add_registry(number, change.entity_id)
        if enrollment.get("id"):
            self._store_enrollment(enrollment, change.entity_id, values)
        return ChangeResult(change.change_id, "applied", row.version)

    def _store_enrollment(
        self, enrollment: dict[str, Any], person_id: str, values: Mapping[str, Any]
    ) -> None:
        if self.get("enrollment", enrollment["id"]) is not None:
            return
        data = {
            **enrollment,
            "person_id": person_id,
            **_json_ready({k: values.get(k) for k in ENROLLMENT_FIELDS}),
        }
        if enrollment.get("employer_id"):  # an employer merged into another: point at the survivor
            data["employer_id"] = self.resolve_alias(enrollment["employer_id"])
        self._new_row("enrollment", enrollment["id"], data, person_id=person_id)

    # --- applications --------------------------------------------------------------------------------

    def _decide(self, values: Mapping[str, Any]) -> dict[str, Any]:
        from forms.entitlement import Application as Facts
        from forms.entitlement import decide
        from forms.policy import NoRuleInForce

        try:
            decision = decide(Facts.from_values(self.region, dict(values)))
        except NoRuleInForce as exc:
            raise _refuse("application.before_merger_unknown", "event_date") from exc
        return {
            **decision.to_json(),
            "reason_params": decision.reason_params,
            "leave_start": decision.leave_start.isoformat() if decision.leave_start else None,
            "leave_end": decision.leave_end.isoformat() if decision.leave_end else None,
            "calendar_exact": decision.calendar_exact,
            "citations": list(decision.citations),
        }

    def _check_decision(self, pushed: Any, computed: Mapping[str, Any]) -> None:
        if pushed is None:
            return
        if not isinstance(pushed, dict):
            raise _refuse("sync.decision_mismatch", "decision", detail="not an object")
        differ = [k for k in (*DECISION_KEYS, "rule") if k in pushed and pushed[k] != computed.get(k)]
        if differ:
            detail = ", ".join(f"{k}: {pushed[k]} ≠ {computed.get(k)}" for k in differ)
            raise _refuse("sync.decision_mismatch", "decision", detail=detail)

    def _application_values(self, form: Mapping[str, Any], person: m.Person) -> dict[str, Any]:
        pdata = json.loads(person.data)
        form_input = {**form, "id_number": person.id_number}
        if form_input.get("category") is None:
            form_input["category"] = pdata.get("category")
        known = {f.name for f in get_form("maternity_application").fields}
        unknown = [k for k in form_input if k not in known]
        if unknown:
            raise ValidationFailed([error("form.unknown_field", k, name=k) for k in unknown])
        return self._validated("maternity_application", form_input)

    def create_application(self, change: Change, username: str, role: str) -> ChangeResult:
        self._may(role, "application.create")
        self._check_new(change)
        data = dict(change.data)
        person_id = self.resolve_alias(data.get("person_id"))
        person = self.get("person", person_id)
        if person is None or person.merged_into:
            raise _refuse(
                "sync.unknown_record", "person_id", entity="person", entity_id=str(data.get("person_id"))
            )
        form = data.get("form")
        if not isinstance(form, dict):
            raise _refuse("form.not_object", "form")
        values = self._application_values(form, person)
        decision = self._decide(values)
        self._check_decision(data.get("decision"), decision)
        receipt_no = data.get("receipt_no")
        match = RECEIPT_RE.match(receipt_no) if isinstance(receipt_no, str) else None
        if match is None or match.group(1) != self.county:
            raise _refuse("sync.malformed", "receipt_no", detail=str(receipt_no))
        self._raise_receipt_mark(int(match.group(2)), match.group(3), int(match.group(4)))
        status = data.get("status") or RECEIVED
        if status != RECEIVED:
            raise _refuse("application.bad_transition", "status", from_status="-", to_status=status)
        record = {
            **data,
            "person_id": person.id,
            "claim_type": values["claim_type"],
            "event": values["event"],
            "event_date": values["event_date"].isoformat(),
            "form": _json_ready(values),
            "decision": decision,
            "status": RECEIVED,
            "created_by": data.get("created_by") or username,
        }
        record.setdefault(
            "status_history", [{"from": None, "to": RECEIVED, "at": change.at, "by": username, "note": None}]
        )
        earlier = self._live_twin(person.id, values, exclude=change.entity_id)
        row = self._new_row(
            "application",
            change.entity_id,
            record,
            receipt_no=receipt_no,
            person_id=person.id,
            status=RECEIVED,
            claim_type=values["claim_type"],
            event=values["event"],
            event_date=values["event_date"],
            allowance=Decimal(decision["allowance"]),
            created_by=record["created_by"],
        )
        if earlier is not None:
            cid = self._conflict(
                "duplicate_application",
                "application",
                change.entity_id,
                local_value=receipt_no,
                server_value=earlier.receipt_no,
                change=change,
                server_actor=earlier.created_by,
                detail={
                    "receipt_nos": [earlier.receipt_no, receipt_no],
                    "application_ids": [earlier.id, change.entity_id],
                },
            )
            return ChangeResult(change.change_id, "conflict", row.version, conflicts=(cid,))
        return ChangeResult(change.change_id, "applied", row.version)

    def _live_twin(self, person_id: str, values: Mapping[str, Any], *, exclude: str) -> m.Application | None:
        return self.s.scalars(
            select(m.Application)
            .where(
                m.Application.county_code == self.county,
                m.Application.person_id == person_id,
                m.Application.claim_type == values["claim_type"],
                m.Application.event == values["event"],
                m.Application.event_date == values["event_date"],
                m.Application.status.not_in((REJECTED, WITHDRAWN)),
                m.Application.id != exclude,
            )
            .order_by(m.Application.receipt_no)
        ).first()

    def _raise_receipt_mark(self, counter_no: int, day: str, seq: int) -> None:
        mark = self.s.get(m.ReceiptMark, (self.county, counter_no, day))
        if mark is None:
            self.s.add(m.ReceiptMark(county_code=self.county, counter_no=counter_no, day=day, last_seq=seq))
        elif seq > mark.last_seq:
            mark.last_seq = seq

    def _open_duplicates(self, app_id: str) -> list[m.ConflictItem]:
        rows = self.s.scalars(
            select(m.ConflictItem).where(
                m.ConflictItem.county_code == self.county,
                m.ConflictItem.kind == "duplicate_application",
                m.ConflictItem.status == "open",
            )
        )
        return [c for c in rows if app_id in json.loads(c.data).get("detail", {}).get("application_ids", [])]

    def transition(self, change: Change, username: str, role: str) -> ChangeResult:
        row = self.get("application", change.entity_id)
        if row is None:
            raise _refuse(
                "sync.unknown_record", "entity_id", entity="application", entity_id=change.entity_id
            )
        data = json.loads(row.data)
        status_from, status_to = change.data.get("status_from"), change.data.get("status")
        if not isinstance(status_from, str) or not isinstance(status_to, str):
            raise _refuse("required", "status_from")
        note = change.data.get("note") or change.data.get("reason")
        issues = transition_issues(
            role=role,
            username=username,
            from_status=status_from,
            to_status=status_to,
            created_by=row.created_by,
            reason=note if isinstance(note, str) else None,
            separate_duties=separation_of_duties(self.region, self.day),
        )
        if issues:
            raise ValidationFailed(issues)
        if row.status == status_to:
            return ChangeResult(change.change_id, "applied", row.version)  # the same move, already made
        if row.status == PAID:
            raise _refuse("application.bad_transition", "status", from_status=PAID, to_status=status_to)
        if row.status != status_from:
            # made from a state the server has already left: both kept for a reviewer
            fv = self._field_version("application", row.id, "status")
            cid = self._conflict(
                "status",
                "application",
                row.id,
                field="status",
                local_value=status_to,
                server_value=row.status,
                change=change,
                server_actor=fv.actor if fv else None,
                server_at=fv.at if fv else None,
                detail={"status_from": status_from},
            )
            return ChangeResult(change.change_id, "conflict", row.version, conflicts=(cid,))
        open_dups = self._open_duplicates(row.id)
        if status_to == "approved" and open_dups:
            raise _refuse("sync.duplicate_open", "status", receipt_no=row.receipt_no)
        history = list(data.get("status_history") or [])
        history.append({"from": status_from, "to": status_to, "at": change.at, "by": username, "note": note})
        data.update(status=status_to, status_history=history, updated_at=change.at)
        self._save(row, data, status=status_to)
        self._mark_fields("application", row.id, ["status"], row.version, change)
        if status_to in (WITHDRAWN, REJECTED):
            for c in open_dups:
                cdata = json.loads(c.data)
                cdata.update(status="resolved", resolution=f"{status_to}:{row.receipt_no}")
                self._save(c, cdata, status="resolved")
        return ChangeResult(change.change_id, "applied", row.version)

    # --- corrections ---------------------------------------------------------------------------------

    def update(self, change: Change, role: str) -> ChangeResult:
        entity = change.entity
        entity_id = self.resolve_alias(change.entity_id) or change.entity_id
        row = self.get(entity, entity_id)
        if row is None or getattr(row, "merged_into", None):
            raise _refuse("sync.unknown_record", "entity_id", entity=entity, entity_id=change.entity_id)
        current = json.loads(row.data)
        source = dict(change.data)
        form_now = current.get("form") if entity == "application" else None

        def new_value(f: str) -> Any:
            if entity == "application" and f not in APPLICATION_TOP and isinstance(source.get("form"), dict):
                return source["form"].get(f, source.get(f))
            return source.get(f)

        def old_value(f: str) -> Any:
            if entity == "application" and isinstance(form_now, dict) and f in form_now:
                return form_now.get(f)
            return current.get(f)

        changed = [f for f in change.changed if f not in ("reason", "version", "updated_at")]
        edits = {f: new_value(f) for f in changed}
        reason = source.get("reason")
        rule = CORRECTIONS[entity]
        identity_changed = bool(
            rule.identity and rule.identity in edits and edits[rule.identity] != old_value(rule.identity)
        )
        issues = correction_issues(
            entity,
            {**edits, **({"reason": reason} if reason is not None else {})},
            role=role,
            status=getattr(row, "status", None),
            identity_changed=identity_changed,
        )
        if issues:
            raise ValidationFailed(issues)
        merged: list[str] = []
        conflicts: list[str] = []
        for f in changed:
            fv = self._field_version(entity, row.id, f)
            server_moved = (
                change.base_version is not None
                and fv is not None
                and fv.version > change.base_version
                and fv.device_id != self.device_id
            )
            if server_moved and old_value(f) != edits[f]:
                conflicts.append(
                    self._conflict(
                        "field",
                        entity,
                        row.id,
                        field=f,
                        local_value=edits[f],
                        server_value=old_value(f),
                        change=change,
                        server_actor=fv.actor,
                        server_at=fv.at,
                    )
                )
            elif old_value(f) != edits[f]:
                merged.append(f)
        if merged:
            after = self._merged(entity, row, current, {f: edits[f] for f in merged}, role, source)
            self._mark_fields(entity, row.id, merged, row.version, change)
            del after
        if conflicts:
            return ChangeResult(change.change_id, "conflict", row.version, conflicts=tuple(conflicts))
        return ChangeResult(change.change_id, "applied", row.version)

    def _merged(
        self,
        entity: str,
        row: Any,
        current: dict[str, Any],
        edits: dict[str, Any],
        role: str,
        source: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Validate the record with ``edits`` applied and save it (new version)."""
        fields = set(edits)
        if entity == "employer":
            values = self._employer_values({**current, **edits}, role, fields)
            data = {**current, **_json_ready({k: values.get(k) for k in fields if k in EMPLOYER_FIELDS})}
            self._save(row, data, uscc=values["uscc"])
        elif entity == "person":
            form_input = {k: current.get(k) for k in PERSON_FIELDS} | edits
            values = self._validated("person", form_input, fields=fields)
            data = {**current, **_json_ready({k: values.get(k) for k in fields if k in values})}
            if "id_number" in fields and values["id_number"] != row.id_number:
                self._move_id_number(row, values["id_number"])
            if data.get("county_code") != self.county:
                raise _refuse("sync.out_of_county", "county_code", county_code=data.get("county_code"))
            self._save(row, data, id_number=data["id_number"])
        elif entity == "enrollment":
            form_input = {k: current.get(k) for k in ENROLLMENT_FIELDS} | {
                k: v for k, v in edits.items() if k in ENROLLMENT_FIELDS
            }
            if "employer_uscc" in edits:
                form_input["employer_uscc"] = edits["employer_uscc"]
            values = self._validated("person", form_input, fields=fields)
            data = {**current, **_json_ready({k: values.get(k) for k in fields if k in values})}
            if "ended_on" in edits:
                from forms.values import parse_date

                ended, issues = parse_date(edits["ended_on"], "ended_on", today=self.day)
                if errors_only(issues):
                    raise ValidationFailed(errors_only(issues))
                data["ended_on"] = ended.isoformat() if ended else None
            self._save(row, data)
        else:  # application: the whole form again, and the decision recomputed
            person = self.get("person", row.person_id)
            form = {**(current.get("form") or {})}
            for k, v in edits.items():
                form[k] = v
            form.pop("id_number", None)
            values = self._application_values(form, person)
            decision = self._decide(values)
            self._check_decision(source.get("decision"), decision)
            data = {
                **current,
                "form": _json_ready(values),
                "decision": decision,
                "claim_type": values["claim_type"],
                "event": values["event"],
                "event_date": values["event_date"].isoformat(),
            }
            self._save(
                row,
                data,
                claim_type=values["claim_type"],
                event=values["event"],
                event_date=values["event_date"],
                allowance=Decimal(decision["allowance"]),
            )
        return data

    def _move_id_number(self, row: m.Person, number: str) -> None:
        taken = self.registry(number)
        if taken is not None and taken.person_id != row.id:
            if taken.county_code != self.county:
                raise _refuse("person.registered_in_other_county", "id_number", county_code=taken.county_code)
            raise _refuse("person.duplicate", "id_number")
        old = self.registry(row.id_number) if row.id_number else None
        if old is not None:
            if row.id_number in self.registered:
                self._put(self.registered, row.id_number, old)  # to restore it if this change fails
                del self.registered[row.id_number]
            self.s.delete(old)
            self.s.flush()
        self.add_registry(number, row.id)

    # --- prints and conflicts ------------------------------------------------------------------------

    def create_print(self, change: Change, role: str) -> ChangeResult:
        self._may(role, "print.record")
        self._check_new(change)
        data = dict(change.data)
        record_id = self.resolve_alias(data.get("record_id"))
        if not record_id or not any(
            self.get(e, record_id) is not None for e in ("application", "person", "employer")
        ):
            raise _refuse(
                "sync.unknown_record", "record_id", entity="record", entity_id=str(data.get("record_id"))
            )
        data["record_id"] = record_id
        row = self._new_row("print", change.entity_id, data, record_id=record_id)
        return ChangeResult(change.change_id, "applied", row.version)

    def resolve(self, change: Change, role: str) -> ChangeResult:
        self._may(role, "conflict.resolve")
        row = self.get("conflict", change.entity_id)
        if row is None:
            raise _refuse("sync.unknown_record", "entity_id", entity="conflict", entity_id=change.entity_id)
        data = json.loads(row.data)
        if row.status != "open":
            return ChangeResult(change.change_id, "applied", row.version)
        take = change.data.get("resolution") or change.data.get("take")
        if take not in ("local", "remote"):
            raise _refuse("choice.unknown", "resolution", value=take)
        if take == "local" and data.get("kind") == "field" and data.get("field"):
            target = self.get(data["entity"], data["entity_id"])
            if target is not None:
                current = json.loads(target.data)
                self._merged(data["entity"], target, current, {data["field"]: data["local_value"]}, role, {})
                self._mark_fields(data["entity"], target.id, [data["field"]], target.version, change)
        data.update(status="resolved", resolution=take, resolved_by=change.actor, resolved_at=change.at)
        self._save(row, data, status="resolved")
        return ChangeResult(change.change_id, "applied", row.version)


def issues_json(issues: list[Issue]) -> tuple[dict[str, str], ...]:
    return tuple(i.to_json() for i in issues)

"""The service layer: the only writer of the counter's database.

Every write (the UI, the CLI, the sync engine and tests all come through here) validates its input with
the forms declared as data (``forms.declarations.validate``), checks that the acting user's role may
do it, writes, and in the same ``BEGIN IMMEDIATE`` transaction appends a hash-chained audit event
(who, when, what, before/after) and an outbox change. Application status changes follow
``TRANSITIONS`` only. A refused write changes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from types import SimpleNamespace
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from forms import divisions, workflow
from forms.declarations import validate
from forms.errors import Issue, ValidationFailed, error, errors_only
from forms.policy import NoRuleInForce, load_pack
from forms.uscc import compact as uscc_compact
from localdb import audit
from localdb import models as m
from localdb.clock import new_id, utc_now
from localdb.errors import (
    DuplicateApplication,
    DuplicateEmployer,
    DuplicatePerson,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from localdb.records import application_core, employer_dict, enrollment_dict, json_values, person_dict
from localdb.searchkeys import person_keys
from localdb.store import Reads, Store

# the workflow rules live in the domain (forms.workflow); re-exported for the store's callers
ROLES = workflow.ROLES
PERMISSIONS = workflow.PERMISSIONS
TRANSITIONS = workflow.TRANSITIONS
RECEIVED, UNDER_REVIEW, APPROVED, REJECTED, WITHDRAWN, PAID = workflow.STATUSES

_hasher = PasswordHasher()


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


_AUDIT_INSERT = (
    "INSERT INTO audit_events (seq, id, at, actor, action, entity, entity_id, before_json, after_json, "
    "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_OUTBOX_INSERT = (
    "INSERT INTO outbox (id, entity, entity_id, op, base_version, payload_json, audit_seq, created_at, "
    "synced_at, attempts) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, NULL, 0)"
)
_SETTING_UPSERT = (
    "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)


def append_audit_many(s: Session, *, actor: str, events: list[tuple[str, str, str, Any, Any]]) -> int:
    """Append events ``(action, entity, entity_id, before, after)`` to the chain inside the caller's
    (immediate) transaction; returns the last seq. Plain driver SQL: this runs on every write."""
    conn = s.connection()
    last = conn.exec_driver_sql("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").first()
    seq, prev = (last[0], last[1]) if last else (0, audit.GENESIS)
    rows = []
    for action, entity, entity_id, before, after in events:
        seq += 1
        at = utc_now()
        event_id = new_id()
        before_json = None if before is None else _dump(before)
        after_json = None if after is None else _dump(after)
        digest = audit.event_hash(
            prev,
            seq=seq,
            id=event_id,
            at=at,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before_json=before_json,
            after_json=after_json,
        )
        rows.append(
            (seq, event_id, at, actor, action, entity, entity_id, before_json, after_json, prev, digest)
        )
        prev = digest
    if rows:
        conn.exec_driver_sql(_AUDIT_INSERT, rows)
        conn.exec_driver_sql(_SETTING_UPSERT, [(audit.HEAD_SEQ, str(seq)), (audit.HEAD_HASH, prev)])
        audit.record_head(conn, seq, prev)
    return seq


def append_audit(
    s: Session, *, actor: str, action: str, entity: str, entity_id: str, before: Any = None, after: Any = None
) -> int:
    return append_audit_many(s, actor=actor, events=[(action, entity, entity_id, before, after)])


def append_outbox_many(s: Session, changes: list[tuple[str, str, str, int | None, int]]) -> None:
    """Queue changes ``(entity, entity_id, op, base_version, audit_seq)`` for the sync engine.

    The change's payload is not copied into the outbox: it is the ``after`` of audit event
    ``audit_seq``, appended in the same transaction (append-only and hash-chained, so what is sent
    is exactly what was audited). Rows queued before schema 0003 that had no such event keep their
    own copy in ``payload_json``; ``Reads.outbox_batch`` reads both the same way."""
    now = utc_now()
    rows = [
        (new_id(), entity, entity_id, op, base, audit_seq, now)
        for entity, entity_id, op, base, audit_seq in changes
    ]
    if rows:
        s.connection().exec_driver_sql(_OUTBOX_INSERT, rows)


def append_outbox(
    s: Session, *, entity: str, entity_id: str, op: str, base_version: int | None, audit_seq: int
) -> None:
    append_outbox_many(s, [(entity, entity_id, op, base_version, audit_seq)])


def bootstrap(
    engine: Engine,
    *,
    region: str,
    county_code: str,
    counter_no: int,
    admin_username: str,
    admin_password: str | None,
    public_key_b64: str | None,
) -> None:
    """The first transaction of a new database: county, counter, settings, the admin user."""
    issues: list[Issue] = []
    try:
        pack = load_pack(region)
    except KeyError:
        pack = None
        issues.append(error("region.unknown", "region", value=region))
    county = divisions.lookup(county_code) if isinstance(county_code, str) else None
    if county is None or (pack is not None and county.region not in (None, region)):
        issues.append(error("choice.unknown", "county_code", value=county_code))
    if not isinstance(counter_no, int) or not 1 <= counter_no <= 99:
        issues.append(error("int.range", "counter_no", min=1, max=99))
    if not admin_username or not admin_username.strip():
        issues.append(error("required", "admin_username"))
    if issues:
        raise ValidationFailed(issues)
    now = utc_now()
    counter_id = new_id()
    with Session(engine) as s, s.begin():
        s.add(
            m.County(code=county.code, name_zh=county.name_zh, name_bo=county.name_bo or None, region=region)
        )
        s.flush()
        s.add(
            m.Counter(
                id=counter_id,
                county_code=county.code,
                counter_no=counter_no,
                public_key_b64=public_key_b64,
                created_at=now,
            )
        )
        s.add_all([m.Setting(key="region", value=region), m.Setting(key="counter_id", value=counter_id)])
        user = m.User(
            id=new_id(),
            username=admin_username.strip(),
            role="admin",
            password_hash=_hasher.hash(admin_password) if admin_password else None,
            active=True,
            created_at=now,
        )
        s.add(user)
        s.flush()
        counter = {"id": counter_id, "county_code": county.code, "counter_no": counter_no, "region": region}
        init_seq = append_audit(
            s, actor=user.username, action="store.init", entity="counter", entity_id=counter_id, after=counter
        )
        append_audit(
            s,
            actor=user.username,
            action="user.add",
            entity="user",
            entity_id=user.id,
            after={"username": user.username, "role": "admin"},
        )
        append_outbox(
            s, entity="counter", entity_id=counter_id, op="create", base_version=None, audit_seq=init_seq
        )


class Service(Reads):
    """Writes on behalf of one staff user. Get it from ``Store.service(username)``."""

    def __init__(self, store: Store, username: str, role: str, *, today: dt.date | None = None):
        self._store = store
        self.username = username
        self.role = role
        self._today = today

    @property
    def today(self) -> dt.date:
        return self._today or dt.date.today()

    @property
    def region(self) -> str:
        return self._store.region

    # --- plumbing ------------------------------------------------------------------------------------

    def _allow(self, action: str) -> None:
        if self.role not in PERMISSIONS[action]:
            raise PermissionDenied(role=self.role, action=action)

    @contextlib.contextmanager
    def _write(self) -> Iterator[Session]:
        """One IMMEDIATE transaction; everything in it commits together or not at all."""
        with (
            self._store.write_lock,
            Session(self._store.write_engine, expire_on_commit=False) as s,
            s.begin(),
        ):
            yield s

    def _log(
        self,
        s: Session,
        action: str,
        entity: str,
        entity_id: str,
        before: Any,
        after: Any,
        *,
        op: str,
        base_version: int | None,
    ) -> None:
        seq = append_audit(
            s,
            actor=self.username,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
        )
        # the outbox change's payload is this audit event's ``after`` (same transaction)
        append_outbox(s, entity=entity, entity_id=entity_id, op=op, base_version=base_version, audit_seq=seq)

    # --- employers -------------------------------------------------------------------------------------

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

    # --- persons ---------------------------------------------------------------------------------------

    def _validate_person(self, s: Session, data: dict[str, Any]) -> tuple[dict[str, Any], m.Employer | None]:
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
        with self._write() as s:
            values, employer = self._validate_person(s, data)
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
        }
        return person, enrollment

    def _insert_person(self, s: Session, values: dict[str, Any], employer: m.Employer | None):
        person, enrollment = self._person_rows(values, employer)
        p = m.Person(**person)
        en = m.Enrollment(**enrollment)
        s.add(p)
        s.flush()
        s.add(en)
        s.flush()
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
        with self._write() as s:
            employers = {e.uscc: e for e in s.scalars(select(m.Employer))}
            candidates = []
            for data in chunk:
                result = validate("person", data, self.region, today=self.today, strict=True)
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
                last = append_audit_many(
                    s,
                    actor=self.username,
                    events=[("person.register", "person", pid, None, a) for pid, a in events],
                )
                first = last - len(events) + 1  # the events got consecutive seqs, in this order
                append_outbox_many(
                    s, [("person", pid, "create", None, first + i) for i, (pid, _) in enumerate(events)]
                )
            return len(persons)

    # --- applications ----------------------------------------------------------------------------------

    def create_application(self, data: dict[str, Any]) -> dict[str, Any]:
        """Take in an application: validate with the maternity application form (facts missing from the
        input are filled from the person's enrollment and employer), decide it with the entitlement
        engine, give it a receipt number, record documents received. Status: received.

        One event, one claim: when the person already has an application of the same claim type for the
        same event on the same date that is not rejected or withdrawn, DuplicateApplication carries that
        application and nothing is written (checked inside the write transaction, before any write)."""
        from forms.entitlement import Application as Facts
        from forms.entitlement import decide
        from forms.ric import compact

        self._allow("application.create")
        if not isinstance(data, dict):
            raise ValidationFailed([error("form.not_object", "")])
        with self._write() as s:
            raw_id = data.get("id_number")
            person = None
            if isinstance(raw_id, str) and raw_id.strip():
                person = s.scalars(select(m.Person).where(m.Person.id_number == compact(raw_id))).first()
            filled = dict(data)
            en = employer = None
            if person is not None:
                en = s.scalars(
                    select(m.Enrollment)
                    .where(m.Enrollment.person_id == person.id, m.Enrollment.ended_on.is_(None))
                    .order_by(m.Enrollment.insured_since.desc())
                ).first()
                filled.setdefault("category", person.category)
                if en is not None:
                    filled.setdefault("insured_since", en.insured_since.isoformat())
                    if en.employer_id:
                        employer = s.get(m.Employer, en.employer_id)
                        if employer and employer.avg_monthly_wage is not None:
                            filled.setdefault(
                                "employer_avg_monthly_wage", format(employer.avg_monthly_wage, "f")
                            )
            filled.setdefault("filed_on", self.today.isoformat())
            result = validate("maternity_application", filled, self.region, today=self.today, strict=True)
            issues = errors_only(result.issues)
            if person is None and not any(i.field == "id_number" for i in issues):
                # the facts that come from the person's record are not the applicant's mistake
                from_person = {"category", "insured_since", "employer_avg_monthly_wage"}
                issues = [i for i in issues if not (i.code == "required" and i.field in from_person)]
                issues.append(error("application.person_unknown", "id_number"))
            if issues:
                raise ValidationFailed(issues)
            v = result.values
            earlier = self._open_application_for_event(s, person.id, v)
            if earlier is not None:
                raise DuplicateApplication(self._application(s, earlier))
            facts = Facts.from_values(self.region, v)
            try:
                decision = decide(facts)
            except NoRuleInForce as exc:
                raise ValidationFailed([error("application.before_merger_unknown", "event_date")]) from exc
            decision_json = {
                **decision.to_json(),
                "reason_params": decision.reason_params,
                "leave_start": decision.leave_start.isoformat() if decision.leave_start else None,
                "leave_end": decision.leave_end.isoformat() if decision.leave_end else None,
                "calendar_exact": decision.calendar_exact,
                "citations": list(decision.citations),
            }
            now = utc_now()
            app = SimpleNamespace(
                id=new_id(),
                receipt_no=self._next_receipt_no(s),
                person_id=person.id,
                claim_type=v["claim_type"],
                event=v["event"],
                event_date=v["event_date"],
                form_json=_dump(json_values(v)),
                status=RECEIVED,
                created_by=self.username,
                created_at=now,
                updated_at=now,
                version=1,
            )
            decision_text = _dump(decision_json)
            documents = [
                {
                    "id": new_id(),
                    "application_id": app.id,
                    "code": code,
                    "received_at": now,
                    "received_by": self.username,
                }
                for code in v.get("documents") or []
            ]
            # plain Core inserts in FK order: this is the hot path of the counter (see benchmarks/)
            s.execute(m.Application.__table__.insert(), [vars(app)])
            s.execute(
                m.StatusChange.__table__.insert(),
                [
                    {
                        "id": new_id(),
                        "application_id": app.id,
                        "from_status": None,
                        "to_status": RECEIVED,
                        "at": now,
                        "by": self.username,
                        "note": None,
                    }
                ],
            )
            s.execute(
                m.Decision.__table__.insert(),
                [
                    {
                        "id": new_id(),
                        "application_id": app.id,
                        "decided_at": now,
                        "rule_version": decision.rule,
                        "eligible": decision.eligible,
                        "allowance": decision.allowance,
                        "decision_json": decision_text,
                    }
                ],
            )
            if documents:
                s.execute(m.DocumentReceived.__table__.insert(), documents)
            after = application_core(app)
            after.update(
                person=person_dict(person, enrollment_dict(en, employer) if en is not None else None),
                decision=json.loads(decision_text),
                rule_version=decision.rule,
                status_history=[{"from": None, "to": RECEIVED, "at": now, "by": self.username, "note": None}],
                documents=[{k: d[k] for k in ("code", "received_at", "received_by")} for d in documents],
                prints=[],
            )
            self._log(
                s, "application.create", "application", app.id, None, after, op="create", base_version=None
            )
            return after

    def _open_application_for_event(
        self, s: Session, person_id: str, v: dict[str, Any]
    ) -> m.Application | None:
        """The person's earliest application of this claim type for this event and event date that is
        still live (neither rejected nor withdrawn), if any."""
        app_id = s.scalar(
            select(m.Application.id)
            .where(
                m.Application.person_id == person_id,
                m.Application.claim_type == v["claim_type"],
                m.Application.event == v["event"],
                m.Application.event_date == v["event_date"],
                m.Application.status.not_in((REJECTED, WITHDRAWN)),
            )
            .order_by(m.Application.id)
            .limit(1)
        )
        return None if app_id is None else s.get(m.Application, app_id)

    def _next_receipt_no(self, s: Session) -> str:
        """County code + counter number + date + daily sequence, e.g. ``540102-03-20261128-0007``:
        unique across every counter with no server, allocated inside the write transaction."""
        counter = self._store.counter_info
        day = self.today.strftime("%Y%m%d")
        seq = (
            s.connection()
            .exec_driver_sql(
                "INSERT INTO receipt_sequences (counter_id, day, last) VALUES (?, ?, 1) "
                "ON CONFLICT (counter_id, day) DO UPDATE SET last = last + 1 RETURNING last",
                (counter.id, day),
            )
            .scalar_one()
        )
        return f"{counter.county_code}-{counter.counter_no:02d}-{day}-{seq:04d}"

    def _transition(
        self, app_id: str, to: str, action: str, note: str | None, *, reason_required: bool = False
    ) -> dict[str, Any]:
        self._allow(action)
        if reason_required and (not isinstance(note, str) or not note.strip()):
            raise ValidationFailed([error("reason.required", "reason")])
        with self._write() as s:
            app = s.get(m.Application, app_id)
            if app is None:
                raise NotFound(entity="application", id=app_id)
            if to not in TRANSITIONS[app.status]:
                raise InvalidTransition(from_status=app.status, to_status=to)
            before = application_core(app)
            now = utc_now()
            s.add(
                m.StatusChange(
                    id=new_id(),
                    application_id=app.id,
                    from_status=app.status,
                    to_status=to,
                    at=now,
                    by=self.username,
                    note=note.strip() if note else None,
                )
            )
            base = app.version
            app.status = to
            app.updated_at = now
            app.version += 1
            s.flush()
            after = application_core(app)
            after["note"] = note
            self._log(s, action, "application", app.id, before, after, op="update", base_version=base)
            return self._application(s, app)

    def start_review(self, app_id: str) -> dict[str, Any]:
        return self._transition(app_id, UNDER_REVIEW, "application.start_review", None)

    def approve(self, app_id: str, note: str | None = None) -> dict[str, Any]:
        return self._transition(app_id, APPROVED, "application.approve", note)

    def reject(self, app_id: str, reason: str) -> dict[str, Any]:
        return self._transition(app_id, REJECTED, "application.reject", reason, reason_required=True)

    def withdraw(self, app_id: str, reason: str) -> dict[str, Any]:
        return self._transition(app_id, WITHDRAWN, "application.withdraw", reason, reason_required=True)

    def mark_paid(self, app_id: str) -> dict[str, Any]:
        return self._transition(app_id, PAID, "application.mark_paid", None)

    # --- printing, users, counter --------------------------------------------------------------------

    def record_print(self, record_id: str, kind: str) -> int:
        """Record one print of ``kind`` for a record; returns how many times it was printed before
        (0 = first print, >0 = a reprint 补打)."""
        self._allow("print.record")
        if not isinstance(kind, str) or not kind.strip():
            raise ValidationFailed([error("required", "kind")])
        with self._write() as s:
            before = s.scalar(
                select(func.count())
                .select_from(m.PrintRecord)
                .where(m.PrintRecord.record_id == record_id, m.PrintRecord.kind == kind)
            )
            pr = m.PrintRecord(
                id=new_id(),
                record_id=record_id,
                kind=kind,
                copy_no=before,
                printed_at=utc_now(),
                printed_by=self.username,
            )
            s.add(pr)
            s.flush()
            after = {
                "id": pr.id,
                "record_id": record_id,
                "kind": kind,
                "copy_no": before,
                "printed_at": pr.printed_at,
                "printed_by": self.username,
            }
            self._log(
                s,
                "print.reprint" if before else "print.first",
                "print",
                pr.id,
                None,
                after,
                op="create",
                base_version=None,
            )
            return before

    def add_user(self, username: str, role: str, password: str | None) -> dict[str, Any]:
        self._allow("user.add")
        issues = []
        if not isinstance(username, str) or not username.strip():
            issues.append(error("required", "username"))
        if role not in ROLES:
            issues.append(error("role.unknown", "role", value=role))
        if issues:
            raise ValidationFailed(issues)
        with self._write() as s:
            if s.scalars(select(m.User).where(m.User.username == username.strip())).first():
                raise ValidationFailed([error("user.duplicate", "username", username=username)])
            u = m.User(
                id=new_id(),
                username=username.strip(),
                role=role,
                password_hash=_hasher.hash(password) if password else None,
                active=True,
                created_at=utc_now(),
            )
            s.add(u)
            s.flush()
            after = {"id": u.id, "username": u.username, "role": u.role, "active": True}
            self._log(s, "user.add", "user", u.id, None, after, op="create", base_version=None)
            return after

    def mark_synced(self, outbox_ids: list[str], *, state: dict[str, str] | None = None) -> int:
        """The server acknowledged these outbox changes: mark them synced (and record sync state,
        e.g. the server's position) in one transaction with one audit event. Returns how many."""
        self._allow("outbox.sync")
        with self._write() as s:
            now = utc_now()
            done = s.execute(
                update(m.OutboxChange)
                .where(m.OutboxChange.id.in_(outbox_ids), m.OutboxChange.synced_at.is_(None))
                .values(synced_at=now)
            ).rowcount
            for key, value in (state or {}).items():
                s.merge(m.SyncState(key=key, value=value, updated_at=now))
            append_audit(
                s,
                actor=self.username,
                action="outbox.synced",
                entity="outbox",
                entity_id=outbox_ids[0] if outbox_ids else "",
                after={"ids": list(outbox_ids), "marked": done, "state": state or {}},
            )
            return done

    def record_sync_failure(self, outbox_ids: list[str], error_text: str) -> None:
        """A push failed: count the attempt and keep the server's answer for the next try."""
        self._allow("outbox.sync")
        with self._write() as s:
            s.execute(
                update(m.OutboxChange)
                .where(m.OutboxChange.id.in_(outbox_ids))
                .values(attempts=m.OutboxChange.attempts + 1, last_error=error_text)
            )

    def set_counter_public_key(self, public_key_b64: str) -> None:
        """Store this counter's public signing key (the private key stays in the OS keyring)."""
        self._allow("counter.set_key")
        with self._write() as s:
            c = s.get(m.Counter, self._store._counter_id)
            before = {"public_key_b64": c.public_key_b64}
            s.execute(update(m.Counter).where(m.Counter.id == c.id).values(public_key_b64=public_key_b64))
            after = {
                "id": c.id,
                "county_code": c.county_code,
                "counter_no": c.counter_no,
                "public_key_b64": public_key_b64,
            }
            self._log(s, "counter.set_key", "counter", c.id, before, after, op="update", base_version=None)

"""The store: one SQLite file, opened (and migrated) once per process, with reads for everyone and
``Store.service(username)`` for writes. The service layer (``localdb.service``) is the only writer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forms.ric import mask
from localdb import audit, db, search, signing
from localdb import models as m
from localdb.errors import NotFound, StoreExists, UnknownUser
from localdb.records import application_core, employer_dict, enrollment_dict, person_dict
from localdb.signing import FROM_KEYRING, KeySource, Signer

if TYPE_CHECKING:
    from localdb.service import Service

log = logging.getLogger(__name__)
_hasher = PasswordHasher()


@dataclass(frozen=True)
class CounterInfo:
    """This counter's fixed identity: its id, county and number (receipt numbers, sync)."""

    id: str
    county_code: str
    counter_no: int


def _outbox_payload(o: m.OutboxChange, audited_after: str | None) -> Any:
    if o.payload_json is not None:  # queued before schema 0003 with its own copy
        return json.loads(o.payload_json)
    if o.audit_seq is None:  # pragma: no cover - the table's check constraint forbids it
        raise ValueError(f"outbox change {o.id} has no payload")
    # the audit event's ``after`` (None for a change without one, as the copy "null" was before)
    return None if audited_after is None else json.loads(audited_after)


def _maybe_json(text_: str | None) -> Any:
    if text_ is None:
        return None
    try:
        return json.loads(text_)
    except ValueError:
        return text_


_NOT_FIELDS = {"version", "updated_at", "created_at", "id_masked", "enrollment", "person", "prints"}


def _changed(before_json: str | None, after_json: str | None) -> list[str]:
    """The fields an audit event changed: what a correction says it changed, else the difference
    between before and after (nothing for a creation)."""
    after = json.loads(after_json) if after_json else None
    if isinstance(after, dict) and isinstance(after.get("_correction"), dict):
        return list(after["_correction"].get("changed", []))
    before = json.loads(before_json) if before_json else None
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    keys = (set(before) | set(after)) - _NOT_FIELDS
    return sorted(
        k for k in keys if not k.startswith("_") and k in before and k in after and before[k] != after[k]
    )


def _values(before_json: str | None, after_json: str | None, changed: list[str]) -> dict[str, Any]:
    """``{field: {"old": …, "new": …}}`` for the fields an audit event changed (what the record held
    before and after; a field the record does not hold is left out, and so is a status move's
    ``status_history``, which is the history itself)."""
    before = json.loads(before_json) if before_json else None
    after = json.loads(after_json) if after_json else None
    if not isinstance(before, dict) or not isinstance(after, dict):
        return {}
    return {
        f: {"old": before.get(f), "new": after.get(f)}
        for f in changed
        if (f in before or f in after) and not f.endswith("_history")  # the history is the list itself
    }


def _reason(after_json: str | None) -> str | None:
    after = json.loads(after_json) if after_json else None
    if isinstance(after, dict):
        meta = after.get("_correction")
        if isinstance(meta, dict) and isinstance(meta.get("reason"), str):
            return str(meta["reason"])
        note = after.get("note")  # a status move's note: the reason of a rejection or withdrawal
        if "status_from" in after and isinstance(note, str) and note.strip():
            return note.strip()
    return None


class Reads:
    """Read queries shared by Store and Service (each in its own short read transaction)."""

    _store: Store

    @contextlib.contextmanager
    def _read(self) -> Iterator[Session]:
        with Session(self._store.engine) as session, session.begin():
            yield session

    # --- persons and employers ----------------------------------------------------------------

    def _person(self, session: Session, p: m.Person) -> dict[str, Any]:
        en = session.scalars(
            select(m.Enrollment)
            .where(m.Enrollment.person_id == p.id, m.Enrollment.ended_on.is_(None))
            .order_by(m.Enrollment.insured_since.desc())
        ).first()
        employer = session.get(m.Employer, en.employer_id) if en and en.employer_id else None
        return person_dict(p, enrollment_dict(en, employer) if en else None)

    def get_person(self, person_id: str) -> dict[str, Any]:
        with self._read() as s:
            p = s.get(m.Person, person_id)
            if p is None:
                raise NotFound(entity="person", id=person_id)
            return self._person(s, p)

    def find_person(self, id_number: str) -> dict[str, Any] | None:
        """The person with this ID number (as typed: spaces and a lower-case x are tolerated)."""
        from forms.ric import compact

        with self._read() as s:
            p = s.scalars(select(m.Person).where(m.Person.id_number == compact(id_number))).first()
            return self._person(s, p) if p else None

    def get_employer(self, employer_id: str) -> dict[str, Any]:
        with self._read() as s:
            e = s.get(m.Employer, employer_id)
            if e is None:
                raise NotFound(entity="employer", id=employer_id)
            return employer_dict(e)

    def find_employer(self, uscc: str) -> dict[str, Any] | None:
        with self._read() as s:
            e = s.scalars(select(m.Employer).where(m.Employer.uscc == uscc.strip().upper())).first()
            return employer_dict(e) if e else None

    # --- applications ------------------------------------------------------------------------------

    def _application(self, s: Session, a: m.Application) -> dict[str, Any]:
        out = application_core(a)
        out["person"] = self._person(s, s.get_one(m.Person, a.person_id))
        d = s.scalars(
            select(m.Decision).where(m.Decision.application_id == a.id).order_by(m.Decision.decided_at.desc())
        ).first()
        out["decision"] = json.loads(d.decision_json) if d else None
        out["rule_version"] = d.rule_version if d else None
        out["status_history"] = [
            {"from": c.from_status, "to": c.to_status, "at": c.at, "by": c.by, "note": c.note}
            for c in s.scalars(
                select(m.StatusChange)
                .where(m.StatusChange.application_id == a.id)
                .order_by(m.StatusChange.at, m.StatusChange.id)
            )
        ]
        out["documents"] = [
            {"code": doc.code, "received_at": doc.received_at, "received_by": doc.received_by}
            for doc in s.scalars(
                select(m.DocumentReceived)
                .where(m.DocumentReceived.application_id == a.id)
                .order_by(m.DocumentReceived.id)
            )
        ]
        out["prints"] = [
            {"kind": pr.kind, "copy_no": pr.copy_no, "printed_at": pr.printed_at, "printed_by": pr.printed_by}
            for pr in s.scalars(
                select(m.PrintRecord).where(m.PrintRecord.record_id == a.id).order_by(m.PrintRecord.id)
            )
        ]
        return out

    def get_application(self, app_id: str) -> dict[str, Any]:
        with self._read() as s:
            a = s.get(m.Application, app_id)
            if a is None:
                raise NotFound(entity="application", id=app_id)
            return self._application(s, a)

    def find_application(self, receipt_no: str) -> dict[str, Any] | None:
        with self._read() as s:
            a = s.scalars(select(m.Application).where(m.Application.receipt_no == receipt_no.strip())).first()
            return self._application(s, a) if a else None

    def list_applications(
        self,
        status: str | Sequence[str] | None = None,
        limit: int = 100,
        *,
        person_id: str | None = None,
        created_by: str | None = None,
        claim_type: str | None = None,
        received_from: dt.date | None = None,
        received_to: dt.date | None = None,
    ) -> list[dict[str, Any]]:
        """Newest first (ids are UUIDv7, so id order is creation order). Filters: a status or several,
        the person, the clerk who took it in, the benefit (allowance / medical), and the business days
        (Asia/Shanghai) it was taken in, both ends included."""
        from forms.clock import CHINA_TZ

        def utc_start(day: dt.date) -> str:
            start = dt.datetime.combine(day, dt.time(), CHINA_TZ).astimezone(dt.UTC)
            return start.strftime("%Y-%m-%dT%H:%M:%S")

        with self._read() as s:
            q = select(m.Application).order_by(m.Application.id.desc()).limit(limit)
            if isinstance(status, str) and status:
                q = q.where(m.Application.status == status)
            elif status and not isinstance(status, str):
                q = q.where(m.Application.status.in_(list(status)))
            if person_id:
                q = q.where(m.Application.person_id == person_id)
            if created_by:
                q = q.where(m.Application.created_by == created_by)
            if claim_type:
                q = q.where(m.Application.claim_type == claim_type)
            if received_from:
                q = q.where(m.Application.created_at >= utc_start(received_from))
            if received_to:
                q = q.where(m.Application.created_at < utc_start(received_to + dt.timedelta(days=1)))
            rows = []
            for a in s.scalars(q):
                item = application_core(a)
                p = s.get_one(m.Person, a.person_id)
                # with what tells namesakes apart in the review queue
                item["person"] = {
                    "id": p.id,
                    "name_zh": p.name_zh,
                    "name_bo": p.name_bo,
                    "birth_date": p.birth_date.isoformat() if p.birth_date else None,
                    "id_masked": mask(p.id_number),
                }
                rows.append(item)
            return rows

    # --- history -----------------------------------------------------------------------------------

    def history(self, entity: str, entity_id: str) -> list[dict[str, Any]]:
        """The record's history from the audit log, oldest first: ``{at, actor, action, changed, values,
        reason}`` per event (``changed`` names the fields a correction or status move changed, empty
        for a creation; ``values`` has each one's ``{old, new}``; ``reason`` is the correction's or the
        rejection's reason, or None). A person's history includes its enrollments'."""
        with self._read() as s:
            ids = [entity_id]
            if entity == "person":
                ids += list(s.scalars(select(m.Enrollment.id).where(m.Enrollment.person_id == entity_id)))
            rows = s.execute(
                select(
                    m.AuditEvent.at,
                    m.AuditEvent.actor,
                    m.AuditEvent.action,
                    m.AuditEvent.entity,
                    m.AuditEvent.before_json,
                    m.AuditEvent.after_json,
                )
                .where(m.AuditEvent.entity_id.in_(ids))
                .order_by(m.AuditEvent.seq)
            ).all()
        out = []
        for at, actor, action, ent, before, after in rows:
            changed = _changed(before, after)
            out.append(
                {
                    "at": at,
                    "actor": actor,
                    "action": action,
                    "entity": ent,
                    "changed": changed,
                    "values": _values(before, after, changed),
                    "reason": _reason(after),
                }
            )
        return out

    # --- search, outbox, login ---------------------------------------------------------------------

    def search_persons(self, query: str, limit: int = 50) -> list[dict[str, Any]]:
        with self._read() as s:
            return search.search_persons(s, query, limit)

    def lookup_persons(self, query: str, limit: int = 50) -> dict[str, Any]:
        """``search_persons`` for the counter's lookup: hits with birth date, county and employer, and
        the true number of matches (``localdb.search.lookup_persons``)."""
        with self._read() as s:
            return search.lookup_persons(s, query, limit)

    def search_employers(self, query: str, limit: int = 50) -> list[dict[str, Any]]:
        with self._read() as s:
            return search.search_employers(s, query, limit)

    def pending_outbox_count(self) -> int:
        with self._read() as s:
            return s.execute(
                select(func.count())
                .select_from(m.OutboxChange)
                .where(m.OutboxChange.synced_at.is_(None), m.OutboxChange.rejected_at.is_(None))
            ).scalar_one()

    def outbox_batch(self, limit: int = 100) -> list[dict[str, Any]]:
        """The oldest unsynced changes, in the order they were made (for the sync engine). The payload
        is read from the change's audit event (``audit_seq``), or from its own copy for a change
        queued before schema 0003."""
        with self._read() as s:
            rows = s.execute(
                select(m.OutboxChange, m.AuditEvent.after_json)
                .outerjoin(m.AuditEvent, m.AuditEvent.seq == m.OutboxChange.audit_seq)
                .where(m.OutboxChange.synced_at.is_(None))
                .order_by(m.OutboxChange.seq)
                .limit(limit)
            )
            return [
                {
                    "seq": o.seq,
                    "id": o.id,
                    "entity": o.entity,
                    "entity_id": o.entity_id,
                    "op": o.op,
                    "base_version": o.base_version,
                    "payload": _outbox_payload(o, audited),
                    "created_at": o.created_at,
                    "attempts": o.attempts,
                    "last_error": o.last_error,
                }
                for o, audited in rows
            ]

    def pending_changes(self, limit: int = 200) -> list[dict[str, Any]]:
        """The oldest changes still to send (not acknowledged, not refused for good), with the audit
        chain link of the event that made each one (for the sync engine's signed changes)."""
        with self._read() as s:
            rows = s.execute(
                select(
                    m.OutboxChange,
                    m.AuditEvent.after_json,
                    m.AuditEvent.actor,
                    m.AuditEvent.at,
                    m.AuditEvent.hash,
                    m.AuditEvent.prev_hash,
                )
                .outerjoin(m.AuditEvent, m.AuditEvent.seq == m.OutboxChange.audit_seq)
                .where(m.OutboxChange.synced_at.is_(None), m.OutboxChange.rejected_at.is_(None))
                .order_by(m.OutboxChange.seq)
                .limit(limit)
            )
            return [
                {
                    "id": o.id,
                    "entity": o.entity,
                    "entity_id": o.entity_id,
                    "op": o.op,
                    "base_version": o.base_version,
                    "changed": json.loads(o.changed_json) if o.changed_json else [],
                    "payload": _outbox_payload(o, after),
                    "actor": actor,
                    "at": at or o.created_at,
                    "audit_seq": o.audit_seq or 0,
                    "audit_hash": digest or "",
                    "audit_prev_hash": prev or "",
                }
                for o, after, actor, at, digest, prev in rows
            ]

    def refused_changes(self) -> list[dict[str, Any]]:
        """Changes the server refused for good, newest first, with its coded bilingual reasons and
        the change itself (``payload``: what the clerk typed, kept visible)."""
        with self._read() as s:
            rows = s.execute(
                select(m.OutboxChange, m.AuditEvent.after_json)
                .outerjoin(m.AuditEvent, m.AuditEvent.seq == m.OutboxChange.audit_seq)
                .where(m.OutboxChange.rejected_at.is_not(None))
                .order_by(m.OutboxChange.seq.desc())
            )
            return [
                {
                    "id": o.id,
                    "entity": o.entity,
                    "entity_id": o.entity_id,
                    "op": o.op,
                    "created_at": o.created_at,
                    "rejected_at": o.rejected_at,
                    "errors": json.loads(o.last_error) if o.last_error else [],
                    "payload": _outbox_payload(o, after),
                }
                for o, after in rows
            ]

    def existing_ids(self, entity: str, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are records of ``entity`` (person, employer, enrollment, application) here."""
        table = {"person": "persons", "employer": "employers", "enrollment": "enrollments"}.get(
            entity, "applications" if entity == "application" else None
        )
        if table is None:
            raise ValueError(entity)
        wanted = [i for i in ids if isinstance(i, str)]
        found: set[str] = set()
        with self._read() as s:
            conn = s.connection()
            for i in range(0, len(wanted), 900):
                chunk = wanted[i : i + 900]
                marks = ", ".join("?" for _ in chunk)
                found.update(
                    row[0]
                    for row in conn.exec_driver_sql(
                        f"SELECT id FROM {table} WHERE id IN ({marks})", tuple(chunk)
                    )
                )
        return found

    def conflicts(self, status: str | None = "open") -> list[dict[str, Any]]:
        """Conflict items from the server (open ones by default), oldest first."""
        with self._read() as s:
            q = select(m.Conflict).order_by(m.Conflict.id)
            if status:
                q = q.where(m.Conflict.status == status)
            out = []
            for c in s.scalars(q):
                out.append(
                    {
                        "id": c.id,
                        "kind": c.kind,
                        "entity": c.entity,
                        "entity_id": c.entity_id,
                        "field": c.field,
                        "local_value": _maybe_json(c.local_value),
                        "server_value": _maybe_json(c.server_value),
                        "local_actor": c.local_actor,
                        "local_at": c.local_at,
                        "server_actor": c.server_actor,
                        "server_at": c.server_at,
                        "status": c.status,
                        "resolution": c.resolution,
                        "detail": _maybe_json(c.detail_json),
                    }
                )
            return out

    def merges(self) -> list[dict[str, Any]]:
        """Duplicates the server merged, newest first, with what was repointed."""
        with self._read() as s:
            return [
                {
                    "entity": g.entity,
                    "from_id": g.from_id,
                    "into_id": g.into_id,
                    "at": g.at,
                    "repointed": json.loads(g.repointed_json),
                }
                for g in s.scalars(select(m.Merge).order_by(m.Merge.at.desc()))
            ]

    def sync_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        with self._read() as s:
            return [
                {
                    "id": r.id,
                    "started_at": r.started_at,
                    "finished_at": r.finished_at,
                    "outcome": r.outcome,
                    **json.loads(r.summary_json),
                }
                for r in s.scalars(select(m.SyncRun).order_by(m.SyncRun.started_at.desc()).limit(limit))
            ]

    def entity_counts(self) -> dict[str, int]:
        """Records per entity, as the server's ``counts`` gives them for the county."""
        tables = {
            "employer": m.Employer,
            "person": m.Person,
            "enrollment": m.Enrollment,
            "application": m.Application,
            "print": m.PrintRecord,
            "conflict": m.Conflict,
        }
        from localdb.remote import LOCAL_CONFLICT_KIND

        with self._read() as s:
            out = {name: s.scalar(select(func.count()).select_from(t)) or 0 for name, t in tables.items()}
            # the conflict items this counter made itself (a refused pulled decision) are not the server's
            out["conflict"] -= (
                s.scalar(
                    select(func.count()).select_from(m.Conflict).where(m.Conflict.kind == LOCAL_CONFLICT_KIND)
                )
                or 0
            )
            return out

    def audit_head(self) -> tuple[int, str]:
        """The audit chain's last event: (seq, hash)."""
        with self._read() as s:
            row = s.execute(
                select(m.AuditEvent.seq, m.AuditEvent.hash).order_by(m.AuditEvent.seq.desc()).limit(1)
            ).first()
            return (row[0], row[1]) if row else (0, "0" * 64)

    def audit_hash_at(self, seq: int) -> str | None:
        with self._read() as s:
            return s.scalar(select(m.AuditEvent.hash).where(m.AuditEvent.seq == seq))

    def sync_state(self) -> dict[str, str]:
        with self._read() as s:
            return dict(s.execute(select(m.SyncState.key, m.SyncState.value)).all())

    def verify_login(self, username: str, password: str) -> str | None:
        """The user's role when the password is right, else None (argon2)."""
        with self._read() as s:
            u = s.scalars(select(m.User).where(m.User.username == username, m.User.active.is_(True))).first()
            if u is None or not u.password_hash:
                return None
            try:
                _hasher.verify(u.password_hash, password)
            except (VerificationError, InvalidHashError):
                return None
            return u.role

    def users(self) -> list[dict[str, Any]]:
        with self._read() as s:
            return [
                {"id": u.id, "username": u.username, "role": u.role, "active": u.active}
                for u in s.scalars(select(m.User).order_by(m.User.username))
            ]

    def staff_offer(self, exclude: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
        """This counter's users with their argon2 hashes, as offered to the server at enrollment
        (the machine account and ``exclude`` left out)."""
        from forms.staff import MACHINE_ACCOUNT

        with self._read() as s:
            return [
                {"username": u.username, "role": u.role, "password_hash": u.password_hash, "active": u.active}
                for u in s.scalars(select(m.User).order_by(m.User.username))
                if u.username != MACHINE_ACCOUNT and u.username not in exclude
            ]


class Store(Reads):
    """An open counter database. Thread-safe; writes are serialised (one writer)."""

    def __init__(self, path: Path | str, *, signer: Signer | KeySource | None = FROM_KEYRING):
        """``signer`` signs the audit chain heads this Store writes; by default the counter's key is
        loaded from the keyring at the first write (once; None when there is no keyring or key)."""
        self.path = Path(path)
        db.make_private(self.path)
        self.engine = db.make_engine(self.path)
        self.write_engine = self.engine.execution_options(
            sqlite_immediate=True, **{audit.SIGNER_OPTION: self.audit_signer}
        )
        self.write_lock = threading.RLock()
        self._store = self
        self._counter_info: CounterInfo | None = None
        self._signer: Signer | KeySource | None = signer
        with self._read() as s:
            settings = dict(s.execute(select(m.Setting.key, m.Setting.value)).all())
            self.region: str = settings["region"]
            self._counter_id: str = settings["counter_id"]

    def audit_signer(self) -> Signer | None:
        """The counter's signer (loaded from the keyring once), or None."""
        if isinstance(self._signer, KeySource):
            self._signer = signing.load_signer(self._counter_id)
        return self._signer

    def reload_signer(self) -> None:
        """Load the key again at the next write (after ``key create`` put one in the keyring)."""
        self._signer = FROM_KEYRING

    @property
    def counter_info(self) -> CounterInfo:
        """This counter's fixed identity (id, county_code, counter_no), read once."""
        if self._counter_info is None:
            with self._read() as s:
                c = s.get_one(m.Counter, self._counter_id)
                self._counter_info = CounterInfo(id=c.id, county_code=c.county_code, counter_no=c.counter_no)
        return self._counter_info

    @property
    def counter(self) -> m.Counter:
        """This counter (id, county_code, counter_no, public_key_b64), detached from any session."""
        with Session(self.engine, expire_on_commit=False) as s:
            c = s.get_one(m.Counter, self._counter_id)
            s.expunge(c)
            return c

    def service(self, username: str, *, today: dt.date | None = None) -> Service:
        """The write API acting as ``username``; UnknownUser when no such active user exists."""
        from localdb.service import Service

        with self._read() as s:
            u = s.scalars(select(m.User).where(m.User.username == username, m.User.active.is_(True))).first()
            if u is None:
                raise UnknownUser(username=username)
            return Service(self, u.username, u.role, today=today)

    def assert_untampered(self, entity: str, entity_id: str) -> None:
        """RecordTampered when the record (an application: with its person, enrollment, decision and
        prints) differs from what its audit events say — call before printing or signing it."""
        from localdb import rowcheck

        raw = self.engine.raw_connection()
        try:
            rowcheck.assert_untampered(db.driver_connection(raw), entity, entity_id)
        finally:
            raw.close()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(path: Path | str) -> Store:
    """Open an existing database; migrate it to this version (after an automatic backup). A
    database from a newer version raises SchemaTooNew and is not touched."""
    db.migrate_if_needed(path)
    return Store(path)


def init_store(
    path: Path | str,
    *,
    region: str,
    county_code: str,
    counter_no: int,
    admin_username: str,
    admin_password: str | None,
    public_key_b64: str | None = None,
) -> Store:
    """Create a new database for one counter, with its first (admin) user."""
    from localdb.service import bootstrap

    path = Path(path)
    if path.exists():
        raise StoreExists(path=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        db.create_private(path)  # 0600 before SQLite makes it (its -wal/-shm take the same mode)
    except FileExistsError as exc:
        raise StoreExists(path=str(path)) from exc
    engine = db.make_engine(path)
    try:
        db.upgrade(engine)
        bootstrap(
            engine.execution_options(sqlite_immediate=True),
            region=region,
            county_code=county_code,
            counter_no=counter_no,
            admin_username=admin_username,
            admin_password=admin_password,
            public_key_b64=public_key_b64,
        )
    except BaseException:
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        raise
    engine.dispose()
    return Store(path)

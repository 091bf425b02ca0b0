"""The service layer: the only writer of the counter's database.

Every write (the UI, the CLI, the sync engine and tests all come through here) validates its input with
the forms declared as data (``forms.declarations.validate``), checks the acting user's role against
``forms.workflow``, writes, and in the same ``BEGIN IMMEDIATE`` transaction appends a hash-chained
audit event (who, when, what, before/after) and an outbox change (``localdb.journal``). A refused write
changes nothing. The writes live by area: ``localdb.persons``, ``localdb.employers``,
``localdb.applications``, and ``localdb.remote`` (changes made elsewhere, applied without an outbox
echo); what they share is ``localdb.writebase``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

from argon2 import PasswordHasher
from sqlalchemy import func, select, update

from forms import workflow
from forms.errors import ValidationFailed, error
from localdb import models as m
from localdb.applications import ApplicationWrites
from localdb.bootstrap import bootstrap
from localdb.clock import new_id, utc_now
from localdb.drafts import DraftWrites
from localdb.employers import EmployerWrites
from localdb.errors import NotFound
from localdb.journal import append_audit, dump
from localdb.persons import PersonWrites
from localdb.remote import LOCAL_CONFLICT_KIND, RemoteApply
from localdb.search import drop_inner_keys
from localdb.writebase import check_note

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

# the workflow rules live in the domain (forms.workflow); re-exported for the store's callers
ROLES = workflow.ROLES
PERMISSIONS = workflow.PERMISSIONS
TRANSITIONS = workflow.TRANSITIONS
RECEIVED, UNDER_REVIEW, APPROVED, REJECTED, WITHDRAWN, PAID = workflow.STATUSES

__all__ = ["PERMISSIONS", "ROLES", "TRANSITIONS", "Service", "bootstrap"]

_hasher = PasswordHasher()
#: refusals an admin can fix on the server (add or reactivate the user, give the role, add the
#: employer or wait for the record): ``retry_refused`` sends those changes again
RETRYABLE: frozenset[str] = frozenset(
    {"sync.unknown_actor", "auth.forbidden", "employer.unknown", "sync.unknown_record", "sync.internal"}
)


class Service(PersonWrites, EmployerWrites, ApplicationWrites, RemoteApply, DraftWrites):
    """Writes on behalf of one staff user. Get it from ``Store.service(username)``."""

    def record_print(self, record_id: str, kind: str) -> int:
        """Record one print of ``kind`` for a record; returns how many times it was printed before
        (0 = first print, >0 = a reprint 补打). A saved PDF is recorded under its copy kind
        (``receipt.pdf_copy``, counted apart: it is neither the original nor a reprint)."""
        self._allow("print.record")
        if not isinstance(kind, str) or not kind.strip():
            raise ValidationFailed([error("required", "kind")])
        with self._write() as s:
            before = s.execute(
                select(func.count())
                .select_from(m.PrintRecord)
                .where(m.PrintRecord.record_id == record_id, m.PrintRecord.kind == kind)
            ).scalar_one()
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
                "print.pdf_copy"
                if kind.endswith(".pdf_copy")
                else "print.reprint"
                if before
                else "print.first",
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
            # an UPDATE's result is a CursorResult (Session.execute is typed for any statement)
            result = cast(
                "CursorResult[Any]",
                s.execute(
                    update(m.OutboxChange)
                    .where(m.OutboxChange.id.in_(outbox_ids), m.OutboxChange.synced_at.is_(None))
                    .values(synced_at=now)
                ),
            )
            done = result.rowcount
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
            c = s.get_one(m.Counter, self._store._counter_id)
            before = {"public_key_b64": c.public_key_b64}
            s.execute(update(m.Counter).where(m.Counter.id == c.id).values(public_key_b64=public_key_b64))
            after = {
                "id": c.id,
                "county_code": c.county_code,
                "counter_no": c.counter_no,
                "public_key_b64": public_key_b64,
            }
            self._log(s, "counter.set_key", "counter", c.id, before, after, op="update", base_version=None)

    def rekey_counter(self, public_key_b64: str, reason: str) -> dict[str, Any]:
        """Make ``public_key_b64`` (the keyring's key) this counter's key in place of the one the
        database holds (a new machine whose keyring has a new key, a replaced key), as an admin with a
        reason: one ``counter.rekey`` audit event naming both keys. The old key stays known to the
        audit chain (the heads it signed still verify)."""
        self._allow("counter.set_key")
        if not isinstance(reason, str) or not reason.strip():
            raise ValidationFailed([error("reason.required", "reason")])
        check_note(reason, "reason")
        with self._write() as s:
            c = s.get_one(m.Counter, self._store._counter_id)
            previous = c.public_key_b64
            s.execute(update(m.Counter).where(m.Counter.id == c.id).values(public_key_b64=public_key_b64))
            after = {
                "id": c.id,
                "county_code": c.county_code,
                "counter_no": c.counter_no,
                "public_key_b64": public_key_b64,
                "reason": reason.strip(),
            }
            before = {"public_key_b64": previous}
            self._log(s, "counter.rekey", "counter", c.id, before, after, op="update", base_version=None)
        return {"previous_public_key_b64": previous, "public_key_b64": public_key_b64}

    # --- sync bookkeeping --------------------------------------------------------------------------

    def mark_refused(self, refusals: dict[str, list[dict[str, str]]]) -> int:
        """The server refused these outbox changes for good (``id`` → its coded errors): they are not
        sent again, and the clerk sees why on the sync screen. One audit event."""
        self._allow("outbox.sync")
        if not refusals:
            return 0
        with self._write() as s:
            now = utc_now()
            for outbox_id, errors in refusals.items():
                s.execute(
                    update(m.OutboxChange)
                    .where(m.OutboxChange.id == outbox_id)
                    .values(rejected_at=now, last_error=dump(errors), attempts=m.OutboxChange.attempts + 1)
                )
            append_audit(
                s,
                actor=self.username,
                action="outbox.refused",
                entity="outbox",
                entity_id=next(iter(refusals)),
                after={"refused": refusals},
            )
            return len(refusals)

    def retry_refused(self, codes: frozenset[str] | None = None) -> list[str]:
        """Send again the changes the server refused for a reason an admin can fix there (``codes``,
        default ``RETRYABLE``: an actor not (or no longer) active staff of the county, a role, an
        employer or record the server did not have yet). Each gets a new change id — the server
        answers an id it has seen with its first answer — and waits in the outbox again, in the order
        it was made. One audit event names the old and new ids. Returns the new ids."""
        self._allow("outbox.sync")
        wanted = RETRYABLE if codes is None else codes
        with self._write() as s:
            rows = s.scalars(
                select(m.OutboxChange)
                .where(m.OutboxChange.rejected_at.is_not(None), m.OutboxChange.synced_at.is_(None))
                .order_by(m.OutboxChange.seq)
            ).all()
            renamed: dict[str, str] = {}
            for o in rows:
                try:
                    errors = json.loads(o.last_error) if o.last_error else []
                except ValueError:
                    errors = []
                found = {e.get("code") for e in errors if isinstance(e, dict)}
                if not found or not found <= wanted:
                    continue
                if o.entity == "person" and not s.get(m.Person, o.entity_id) and o.op == "create":
                    continue  # set aside (another county holds it): nothing to send
                new = new_id()
                renamed[o.id] = new
                o.id, o.rejected_at = new, None
            if not renamed:
                return []
            s.flush()
            append_audit(
                s,
                actor=self.username,
                action="outbox.retry",
                entity="outbox",
                entity_id=next(iter(renamed.values())),
                after={"retried": renamed},
            )
            return list(renamed.values())

    def set_aside_persons(self, refusals: dict[str, list[dict[str, str]]]) -> list[str]:
        """Persons the server refused because another county holds their ID number (``person id`` →
        the server's coded errors) leave this county's records here: the person, its enrollments,
        applications (with their decisions, history and documents) and prints are removed, and every
        change of theirs not yet sent is marked refused with the same reasons, so what the clerk typed
        stays visible as refused changes (beside the server's conflict item) and every counter of the
        county holds the same records. One audit event per person, naming what was removed."""
        self._allow("outbox.sync")
        if not refusals:
            return []
        removed: list[str] = []
        with self._write() as s:
            conn = s.connection()
            now = utc_now()
            for person_id, errors in refusals.items():
                if conn.exec_driver_sql("SELECT 1 FROM persons WHERE id = ?", (person_id,)).first() is None:
                    continue

                def ids(sql: str, *params: str) -> list[str]:
                    return [row[0] for row in conn.exec_driver_sql(sql, params)]

                apps = ids("SELECT id FROM applications WHERE person_id = ?", person_id)
                enrollments = ids("SELECT id FROM enrollments WHERE person_id = ?", person_id)
                prints = ids(
                    "SELECT id FROM print_records WHERE record_id = ? OR record_id IN "
                    "(SELECT id FROM applications WHERE person_id = ?)",
                    person_id,
                    person_id,
                )
                for table in ("documents_received", "status_changes", "decisions"):
                    conn.exec_driver_sql(
                        f"DELETE FROM {table} WHERE application_id IN "
                        "(SELECT id FROM applications WHERE person_id = ?)",
                        (person_id,),
                    )
                for table, gone in (
                    ("print_records", prints),
                    ("applications", apps),
                    ("enrollments", enrollments),
                ):
                    conn.exec_driver_sql(
                        f"DELETE FROM {table} WHERE id IN ({', '.join('?' for _ in gone) or 'NULL'})",
                        tuple(gone),
                    )
                drop_inner_keys(s, [person_id])
                conn.exec_driver_sql("DELETE FROM persons WHERE id = ?", (person_id,))
                named = [person_id, *apps, *enrollments, *prints]
                conn.exec_driver_sql(
                    "UPDATE outbox SET rejected_at = ?, last_error = ? WHERE synced_at IS NULL AND rejected_at IS "
                    f"NULL AND entity_id IN ({', '.join('?' for _ in named)})",
                    (now, dump(errors), *named),
                )
                append_audit(
                    s,
                    actor=self.username,
                    action="sync.set_aside",
                    entity="person",
                    entity_id=person_id,
                    after={
                        "person": person_id,
                        "applications": apps,
                        "enrollments": enrollments,
                        "prints": prints,
                        "errors": errors,
                    },
                )
                removed.append(person_id)
        return removed

    def raise_receipt_sequences(self, high_water: dict[str, int]) -> None:
        """Never reissue a receipt number the server has seen from this counter (after a restore from
        an old backup): each day's sequence goes up to at least the server's high-water mark."""
        self._allow("outbox.sync")
        rows = [(self._store.counter_info.id, day, int(last)) for day, last in high_water.items()]
        if not rows:
            return
        with self._write() as s:
            s.connection().exec_driver_sql(
                "INSERT INTO receipt_sequences (counter_id, day, last) VALUES (?, ?, ?) "
                "ON CONFLICT (counter_id, day) DO UPDATE SET last = max(last, excluded.last)",
                rows,
            )

    def set_sync_state(self, state: dict[str, str]) -> None:
        self._allow("outbox.sync")
        with self._write() as s:
            now = utc_now()
            for key, value in state.items():
                s.merge(m.SyncState(key=key, value=value, updated_at=now))

    def record_sync_run(self, *, started_at: str, outcome: str, summary: dict[str, Any]) -> None:
        self._allow("outbox.sync")
        with self._write() as s:
            s.add(
                m.SyncRun(
                    id=new_id(),
                    started_at=started_at,
                    finished_at=utc_now(),
                    outcome=outcome,
                    summary_json=dump(summary),
                )
            )

    def resolve_conflict(self, conflict_id: str, take: str) -> dict[str, Any]:
        """A reviewer or admin resolves a conflict item to the local or the server value. The decision
        is sent to the server (which applies it and closes the item); here the item waits as
        ``resolving`` until the server's answer comes back in a pull."""
        self._allow("conflict.resolve")
        if take not in ("local", "remote"):
            raise ValidationFailed([error("choice.unknown", "take", value=take)])
        with self._write() as s:
            c = s.get(m.Conflict, conflict_id)
            if c is None:
                raise NotFound(entity="conflict", id=conflict_id)
            if c.status != "open":
                raise ValidationFailed([error("conflict.not_open", "id", status=c.status)])
            before = {"id": c.id, "status": c.status, "resolution": c.resolution}
            if c.kind == LOCAL_CONFLICT_KIND:
                # a pulled decision the engine did not reproduce was never stored: the engine's stands,
                # and the item is this counter's own (nothing to send)
                if take != "local":
                    raise ValidationFailed([error("conflict.engine_decision_stands", "take")])
                c.status, c.resolution, c.updated_at = "resolved", "local", utc_now()
                done: dict[str, Any] = {"id": c.id, "status": "resolved", "resolution": "local"}
                append_audit(
                    s,
                    actor=self.username,
                    action="conflict.resolve_local",
                    entity="conflict",
                    entity_id=c.id,
                    before=before,
                    after=done,
                )
                return {**before, **done}
            c.status, c.resolution, c.updated_at = "resolving", take, utc_now()
            s.flush()
            after = {"id": c.id, "resolution": take, "take": take, "status": "resolving", "version": 1}
            self._log(s, "conflict.resolve", "conflict", c.id, before, after, op="resolve", base_version=None)
            return {**before, **after}

"""Changes made elsewhere (another counter of the county, the central server), applied to this store.

This is the path the sync engine calls with each page it pulls. Every record of the page is first
checked like a pushed change (``localdb.pullcheck``: the forms, this county only, decisions recomputed
by the engine, staff rows, merges); one refused record refuses the page, nothing written. A record is
then written as it came (its author, its times, its version; an application with the engine's
decision), an audit event (``sync.apply``) says where it came from, and nothing
is queued in the outbox, so nothing pulled is ever sent back. A page and the new cursor commit in one
transaction. A local row that still has unsent changes is never overwritten (the engine pushes first,
then pulls; the server's answer to those changes comes back in a later pull). A record whose change
lost a collision on the server (``TAKE_SERVER``) is written over this counter's row whatever the
versions.

Duplicates the server merged (the same ID number registered at two counters) arrive as a record with
``merged_into``: what referred to the duplicate (enrollments, applications, prints) is repointed to the
surviving record and the duplicate is dropped, and the merge is listed in ``merges``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.errors import ValidationFailed, error
from localdb import models as m
from localdb.clock import new_id, utc_now
from localdb.journal import AuditEntry, append_audit_many, dump
from localdb.pullcheck import PageCheck, PageRefused
from localdb.records import WIRE_FIELDS, application_stats, decision_days
from localdb.search import drop_inner_keys, keep_inner_keys
from localdb.searchkeys import person_keys
from localdb.writebase import WriteBase

#: the entities a counter takes from the server, in the order a page is applied (what others refer to
#: first)
PULLED = ("user", "employer", "person", "enrollment", "application", "print", "conflict")
#: the kind of the conflict items this counter makes itself (a pulled decision the engine did not
#: reproduce); the server's counts do not include them
LOCAL_CONFLICT_KIND = "pulled_decision"
#: sync state: records whose change lost a collision on the server, whose server row is written over
#: this counter's whatever its version (sync.engine sets it from conflict answers)
TAKE_SERVER = "sync.take_server"


@dataclass(frozen=True)
class RemoteRecord:
    """One record as the server holds it now (``data`` None for a record that is gone)."""

    entity: str
    entity_id: str
    version: int
    data: Mapping[str, Any] | None
    server_seq: int = 0
    merged_into: str | None = None
    actor: str | None = None
    at: str | None = None


@dataclass
class ApplyReport:
    """What one page did: records written, records left alone because this counter still has unsent
    changes to them, records already as they were, duplicates merged."""

    applied: int = 0
    kept_local: list[str] = field(default_factory=list)
    unchanged: int = 0
    merged: list[dict[str, Any]] = field(default_factory=list)

    def add(self, other: ApplyReport) -> None:
        self.applied += other.applied
        self.kept_local += other.kept_local
        self.unchanged += other.unchanged
        self.merged += other.merged


def _date(value: Any) -> dt.date | None:
    return None if value in (None, "") else dt.date.fromisoformat(str(value))


def _money(value: Any) -> str | None:
    return None if value in (None, "") else format(Decimal(str(value)), "f")


def _same(stored: Any, incoming: Any) -> bool:
    """A stored SQLite value equals what would be written (booleans are 0/1 there)."""
    if isinstance(incoming, bool):
        return bool(stored == int(incoming))
    return bool(stored == incoming)


def _text(value: Any) -> str | None:
    """A conflict's value kept as JSON text (read back with its type: "0123" stays a string)."""
    return None if value is None else dump(value)


class RemoteApply(WriteBase):
    """The remote-apply path (mixed into ``Service``)."""

    def apply_remote(
        self, records: Sequence[RemoteRecord], *, state: Mapping[str, str] | None = None
    ) -> ApplyReport:
        """Apply one pulled page and record ``state`` (e.g. the new cursor) in the same transaction."""
        self._allow("outbox.sync")
        report = ApplyReport()
        by_entity: dict[str, list[RemoteRecord]] = {}
        for r in records:
            if r.entity not in PULLED:
                raise ValidationFailed([error("choice.unknown", "entity", value=r.entity)])
            by_entity.setdefault(r.entity, []).append(r)
        try:
            with self._write() as s:
                # every record is checked before the first write: one refused refuses the page
                check = PageCheck(
                    s, region=self.region, county=self._store.counter_info.county_code, today=self.today
                )
                check.run(by_entity)
                self._decisions = check.decisions
                take = self._take_server(s)
                self._take = set(take)
                self._apply_page(s, by_entity, report, state)
                taken = [r.entity_id for r in records if r.entity_id in take]
                if taken:  # the server's row is here now: no longer to be taken
                    left = {k: v for k, v in take.items() if k not in set(taken)}
                    s.merge(m.SyncState(key=TAKE_SERVER, value=dump(left), updated_at=utc_now()))
        except PageRefused as refused:
            if refused.decision_mismatches:
                self._keep_decision_conflicts(refused.decision_mismatches)
            raise
        return report

    def _apply_page(
        self,
        s: Session,
        by_entity: Mapping[str, list[RemoteRecord]],
        report: ApplyReport,
        state: Mapping[str, str] | None,
    ) -> None:
        pending = self._pending_ids(s)
        events: list[AuditEntry] = []
        for entity in PULLED:
            rows = by_entity.get(entity)
            if not rows:
                continue
            fresh = []
            for r in rows:
                if r.entity_id in pending and r.entity != "conflict":
                    report.kept_local.append(r.entity_id)
                else:
                    fresh.append(r)
            try:
                getattr(self, f"_apply_{entity}")(s, fresh, report, events)
            except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError) as exc:
                # a pulled record is input too: a malformed one refuses the page (nothing written)
                raise ValidationFailed(
                    [
                        error(
                            "sync.bad_record",
                            "record",
                            entity=entity,
                            detail=f"{type(exc).__name__}: {exc}",
                        )
                    ]
                ) from exc
        if events:
            append_audit_many(s, actor=self.username, events=events)
        now = utc_now()
        for key, value in (state or {}).items():
            s.merge(m.SyncState(key=key, value=value, updated_at=now))

    def _keep_decision_conflicts(self, mismatches: list[tuple[str, str, Any, Any]]) -> None:
        """A pulled decision the engine does not reproduce is never stored: it is kept as a conflict
        item of this counter (kind ``pulled_decision``: the pulled values beside the engine's), one per
        application and pulled decision, so a reviewer sees it. It is not the server's item (the count
        check leaves it out, and it is never sent)."""
        now = utc_now()
        with self._write() as s:
            for app_id, receipt_no, pulled, computed in mismatches:
                cid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"pulled_decision:{app_id}:{dump(pulled)}"))
                if s.get(m.Conflict, cid) is not None:
                    continue
                s.add(
                    m.Conflict(
                        id=cid,
                        kind=LOCAL_CONFLICT_KIND,
                        entity="application",
                        entity_id=app_id,
                        field="decision",
                        local_value=_text(computed),
                        server_value=_text(pulled),
                        server_at=now,
                        status="open",
                        detail_json=dump({"receipt_no": receipt_no}),
                        updated_at=now,
                    )
                )
                append_audit_many(
                    s,
                    actor=self.username,
                    events=[
                        (
                            "sync.refused_decision",
                            "conflict",
                            cid,
                            None,
                            {"id": cid, "application_id": app_id, "pulled": pulled, "computed": computed},
                        )
                    ],
                )

    # --- plumbing ------------------------------------------------------------------------------------

    #: set per page: the records whose server row stands over this counter's (``TAKE_SERVER``)
    _take: set[str]
    _decisions: dict[str, Any]

    @staticmethod
    def _take_server(s: Session) -> dict[str, str]:
        row = s.get(m.SyncState, TAKE_SERVER)
        try:
            value = json.loads(row.value) if row is not None and row.value else {}
        except ValueError:
            return {}
        return dict(value) if isinstance(value, dict) else {}

    @staticmethod
    def _pending_ids(s: Session) -> set[str]:
        """Records this counter still has to send (not yet acknowledged, not refused)."""
        return {
            row[0]
            for row in s.connection().exec_driver_sql(
                "SELECT DISTINCT entity_id FROM outbox WHERE synced_at IS NULL AND rejected_at IS NULL"
            )
        }

    @staticmethod
    def _local_versions(s: Session, table: Any, ids: Iterable[str]) -> dict[str, int]:
        ids = list(ids)
        out: dict[str, int] = {}
        conn = s.connection()
        for i in range(0, len(ids), 900):  # SQLite's bound-parameter limit
            chunk = ids[i : i + 900]
            marks = ", ".join("?" for _ in chunk)
            sql = f"SELECT id, version FROM {table.name} WHERE id IN ({marks})"
            out.update({row[0]: row[1] for row in conn.exec_driver_sql(sql, tuple(chunk))})
        return out

    def _fresh(
        self, s: Session, table: Any, rows: list[RemoteRecord], report: ApplyReport
    ) -> list[RemoteRecord]:
        """The records not older than what this counter has. One of the same version may still differ
        (the server merged a change of this counter with another's, or kept the other side of a
        conflict): ``_changed_only`` compares those field by field."""
        have = self._local_versions(s, table, (r.entity_id for r in rows))
        out = []
        for r in rows:
            older = r.entity_id in have and have[r.entity_id] > r.version
            if r.data is None or (older and r.entity_id not in self._take):
                report.unchanged += 1
            else:
                out.append(r)
        return out

    @staticmethod
    def _changed_only(
        s: Session, table: Any, pairs: list[tuple[dict[str, Any], Any]], report: ApplyReport
    ) -> list[tuple[dict[str, Any], Any]]:
        """Drop the rows that are already here exactly as they come (a record seen again changes
        nothing), comparing the stored values of the columns written."""
        if not pairs:
            return pairs
        cols = [c for c in pairs[0][0] if c not in ("created_at",)]
        ids = [row["id"] for row, _ in pairs]
        stored: dict[str, tuple[Any, ...]] = {}
        conn = s.connection()
        for i in range(0, len(ids), 900):
            chunk = ids[i : i + 900]
            marks = ", ".join("?" for _ in chunk)
            for found in conn.exec_driver_sql(
                f"SELECT {', '.join(cols)} FROM {table.name} WHERE id IN ({marks})", tuple(chunk)
            ):
                stored[found[0]] = tuple(found)
        out = []
        for row, event in pairs:
            have = stored.get(row["id"])
            if have is not None and all(_same(a, row[c]) for a, c in zip(have, cols, strict=True)):
                report.unchanged += 1
            else:
                out.append((row, event))
        return out

    @staticmethod
    def _holders(s: Session, table: str, column: str, keys: list[str]) -> dict[str, str]:
        """Which local row holds each unique key (ID number, USCC)."""
        out: dict[str, str] = {}
        conn = s.connection()
        for i in range(0, len(keys), 900):
            chunk = keys[i : i + 900]
            marks = ", ".join("?" for _ in chunk)
            for key, row_id in conn.exec_driver_sql(
                f"SELECT {column}, id FROM {table} WHERE {column} IN ({marks})", tuple(chunk)
            ):
                out[key] = row_id
        return out

    @staticmethod
    def _event(r: RemoteRecord, before: Any, after: Mapping[str, Any]) -> tuple[str, str, str, Any, Any]:
        origin = {"server_seq": r.server_seq, "version": r.version, "actor": r.actor, "at": r.at}
        return ("sync.apply", r.entity, r.entity_id, before, {**after, "_origin": origin})

    @staticmethod
    def _upsert(s: Session, table: Any, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        cols = list(rows[0])
        updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c != "id")
        sql = (
            f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)}) "
            f"ON CONFLICT (id) DO UPDATE SET {updates}"
        )
        s.connection().exec_driver_sql(sql, [tuple(r[c] for c in cols) for r in rows])

    # --- per entity ----------------------------------------------------------------------------------

    def _apply_user(
        self, s: Session, rows: list[RemoteRecord], report: ApplyReport, events: list[AuditEntry]
    ) -> None:
        """County staff come from the server (with their password hashes), matched by user name."""
        for r in rows:
            d = r.data
            if d is None:
                continue
            u = s.scalars(select(m.User).where(m.User.username == d["username"])).first()
            before = None if u is None else {"username": u.username, "role": u.role, "active": u.active}
            if u is None:
                u = m.User(id=r.entity_id, username=d["username"], created_at=utc_now())
                s.add(u)
            new = (d["role"], d.get("password_hash"), bool(d.get("active", True)))
            if before is not None and (u.role, u.password_hash, u.active) == new:
                report.unchanged += 1
                continue
            u.role, u.password_hash, u.active = new
            s.flush()
            report.applied += 1
            events.append(
                self._event(r, before, {"username": u.username, "role": u.role, "active": u.active})
            )

    def _apply_employer(
        self, s: Session, rows: list[RemoteRecord], report: ApplyReport, events: list[AuditEntry]
    ) -> None:
        table = m.Employer.__table__
        pairs = []
        for r in self._fresh(s, table, rows, report):
            d = r.data or {}
            row = {
                "id": r.entity_id,
                "uscc": d["uscc"],
                "name_zh": d["name_zh"],
                "name_bo": d.get("name_bo"),
                "county_code": d["county_code"],
                "rate_class": d["rate_class"],
                "avg_monthly_wage": _money(d.get("avg_monthly_wage")),
                "contact_phone": d.get("contact_phone"),
                "uscc_override_reason": d.get("uscc_override_reason"),
                "created_at": d.get("created_at") or r.at or utc_now(),
                "updated_at": d.get("updated_at") or r.at or utc_now(),
                "version": r.version,
            }
            pairs.append((row, r))
        pairs = self._changed_only(s, table, pairs, report)
        holders = self._holders(s, "employers", "uscc", [row["uscc"] for row, _ in pairs])
        twins: list[tuple[str, RemoteRecord]] = []
        for row, r in pairs:
            twin = holders.get(row["uscc"])
            if twin is not None and twin != row["id"]:  # registered here too: the server's record survives
                s.connection().exec_driver_sql(
                    "UPDATE employers SET uscc = uscc || '#' WHERE id = ?", (twin,)
                )
                twins.append((twin, r))
            events.append(self._event(r, None, {k: (r.data or {}).get(k) for k in WIRE_FIELDS["employer"]}))
        self._upsert(s, table, [row for row, _ in pairs])
        report.applied += len(pairs)
        for twin, r in twins:
            self._merge(s, "employer", twin, r.entity_id, report, events, incoming=r)

    def _apply_person(
        self, s: Session, rows: list[RemoteRecord], report: ApplyReport, events: list[AuditEntry]
    ) -> None:
        merges = [r for r in rows if r.merged_into]
        table = m.Person.__table__
        pairs = []
        enrollments: list[RemoteRecord] = []
        for r in self._fresh(s, table, [r for r in rows if not r.merged_into], report):
            d = r.data or {}
            row = {
                "id": r.entity_id,
                "id_number": d["id_number"],
                "name_zh": d["name_zh"],
                "name_bo": d.get("name_bo"),
                "sex": d["sex"],
                "birth_date": str(_date(d["birth_date"])),
                "ethnicity": d["ethnicity"],
                "phone": d.get("phone"),
                "county_code": d["county_code"],
                "category": d["category"],
                "created_at": d.get("created_at") or r.at or utc_now(),
                "updated_at": d.get("updated_at") or r.at or utc_now(),
                "version": r.version,
                **person_keys(d["name_zh"], d.get("name_bo")),
            }
            pairs.append((row, r))
            en = d.get("enrollment")
            if isinstance(en, Mapping):
                version = int(en.get("version") or 1)
                enrollments.append(RemoteRecord("enrollment", str(en["id"]), version, en, r.server_seq))
        pairs = self._changed_only(s, table, pairs, report)
        holders = self._holders(s, "persons", "id_number", [row["id_number"] for row, _ in pairs])
        twins: list[tuple[str, RemoteRecord]] = []
        for row, r in pairs:
            twin = holders.get(row["id_number"])
            if twin is not None and twin != row["id"]:  # registered here too offline: the server's survives
                s.connection().exec_driver_sql(
                    "UPDATE persons SET id_number = id_number || '#' WHERE id = ?", (twin,)
                )
                twins.append((twin, r))
            events.append(self._event(r, None, {k: (r.data or {}).get(k) for k in WIRE_FIELDS["person"]}))
        # the inner search keys from the names still stored, before the rows are rewritten
        keep_inner_keys(
            s, [(row["id"], row["name_zh"], row["name_bo"], row["id_number"]) for row, _ in pairs]
        )
        self._upsert(s, table, [row for row, _ in pairs])
        report.applied += len(pairs)
        if enrollments:
            self._apply_enrollment(s, enrollments, report, events, counted=False)
        for twin, r in twins:
            self._merge(s, "person", twin, r.entity_id, report, events, incoming=r)
        for r in merges:
            # a survivor not here yet arrives later with the same ID number and is merged then
            if s.get(m.Person, str(r.merged_into)) is not None:
                self._merge(s, "person", r.entity_id, str(r.merged_into), report, events, incoming=r)
            else:
                report.unchanged += 1

    def _apply_enrollment(
        self,
        s: Session,
        rows: list[RemoteRecord],
        report: ApplyReport,
        events: list[AuditEntry],
        *,
        counted: bool = True,
    ) -> None:
        table = m.Enrollment.__table__
        tally = report if counted else ApplyReport()  # one made with its person counts as the person
        pairs = []
        for r in self._fresh(s, table, rows, tally):
            d = r.data or {}
            row = {
                "id": r.entity_id,
                "person_id": d["person_id"],
                "employer_id": d.get("employer_id"),
                "category": d["category"],
                "maternity_coverage": bool(d.get("maternity_coverage")),
                "contribution_base": _money(d.get("contribution_base")),
                "flexible_scheme": d.get("flexible_scheme"),
                "insured_since": d["insured_since"],
                "ended_on": d.get("ended_on"),
                "version": r.version,
            }
            pairs.append((row, r))
        pairs = self._changed_only(s, table, pairs, tally)
        if counted:
            for _row, r in pairs:
                events.append(
                    self._event(r, None, {k: (r.data or {}).get(k) for k in WIRE_FIELDS["enrollment"]})
                )
            report.applied += len(pairs)
        out = [{**row, "updated_at": (r.data or {}).get("updated_at") or r.at} for row, r in pairs]
        self._upsert(s, table, out)
        follow = [
            (row["category"], row["person_id"], row["category"]) for row in out if row["ended_on"] is None
        ]
        if follow:  # the person's category follows its open enrollment
            s.connection().exec_driver_sql(
                "UPDATE persons SET category = ? WHERE id = ? AND category != ?", follow
            )

    def _apply_application(
        self, s: Session, rows: list[RemoteRecord], report: ApplyReport, events: list[AuditEntry]
    ) -> None:
        table = m.Application.__table__
        conn = s.connection()
        pairs = []
        for r in self._fresh(s, table, rows, report):
            d = r.data or {}
            row = {
                "id": r.entity_id,
                "receipt_no": d["receipt_no"],
                "person_id": d["person_id"],
                "claim_type": d["claim_type"],
                "event": d["event"],
                "event_date": d["event_date"],
                "form_json": dump(d.get("form") or {}),
                "status": d["status"],
                "created_by": d["created_by"],
                "created_at": d["created_at"],
                "updated_at": d.get("updated_at") or d["created_at"],
                "version": r.version,
            }
            row.update(application_stats(d.get("form") or {}, row["claim_type"], row["created_at"]))
            pairs.append((row, r))
        for row, r in self._changed_only(s, table, pairs, report):
            d = r.data or {}
            self._upsert(s, table, [row])
            # the engine's decision (the page check computed it; a pulled one that differs was refused)
            decision = self._decisions.get(r.entity_id, d.get("decision"))
            if isinstance(decision, Mapping):
                latest = conn.exec_driver_sql(
                    "SELECT decision_json FROM decisions WHERE application_id = ? ORDER BY decided_at DESC LIMIT 1",
                    (r.entity_id,),
                ).scalar()
                text_ = dump(decision)
                if latest is None or json.loads(latest) != json.loads(text_):
                    conn.exec_driver_sql(
                        "INSERT INTO decisions (id, application_id, decided_at, rule_version, eligible, allowance, "
                        "decision_json, allowance_days, leave_days) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            new_id(),
                            r.entity_id,
                            r.at or utc_now(),
                            str(d.get("rule_version") or decision.get("rule") or ""),
                            bool(decision.get("eligible")),
                            _money(decision.get("allowance")) or "0",
                            text_,
                            *decision_days(decision).values(),
                        ),
                    )
            if d.get("status_history"):
                conn.exec_driver_sql("DELETE FROM status_changes WHERE application_id = ?", (r.entity_id,))
                conn.exec_driver_sql(
                    "INSERT INTO status_changes (id, application_id, from_status, to_status, at, by, note) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (new_id(), r.entity_id, h.get("from"), h["to"], h["at"], h["by"], h.get("note"))
                        for h in d["status_history"]
                    ],
                )
            if "documents" in d:
                conn.exec_driver_sql(
                    "DELETE FROM documents_received WHERE application_id = ?", (r.entity_id,)
                )
            if d.get("documents"):
                conn.exec_driver_sql(
                    "INSERT INTO documents_received (id, application_id, code, received_at, received_by) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [
                        (new_id(), r.entity_id, x["code"], x["received_at"], x["received_by"])
                        for x in d["documents"]
                    ],
                )
            events.append(self._event(r, None, {k: d.get(k) for k in WIRE_FIELDS["application"]}))
            report.applied += 1

    def _apply_print(
        self, s: Session, rows: list[RemoteRecord], report: ApplyReport, events: list[AuditEntry]
    ) -> None:
        have = set(
            s.scalars(select(m.PrintRecord.id).where(m.PrintRecord.id.in_([r.entity_id for r in rows])))
        )
        for r in rows:
            d = r.data
            if d is None or r.entity_id in have:
                report.unchanged += 1
                continue
            s.add(
                m.PrintRecord(
                    id=r.entity_id,
                    record_id=d["record_id"],
                    kind=d["kind"],
                    copy_no=int(d["copy_no"]),
                    printed_at=d["printed_at"],
                    printed_by=d["printed_by"],
                )
            )
            events.append(self._event(r, None, {k: d.get(k) for k in WIRE_FIELDS["print"]}))
            report.applied += 1
        s.flush()

    def _apply_conflict(
        self, s: Session, rows: list[RemoteRecord], report: ApplyReport, events: list[AuditEntry]
    ) -> None:
        now = utc_now()
        for r in rows:
            d = r.data
            if d is None:
                continue
            c = s.get(m.Conflict, r.entity_id)
            values = {
                "kind": d.get("kind") or "field",
                "entity": d["entity"],
                "entity_id": d["entity_id"],
                "field": d.get("field"),
                "local_value": _text(d.get("local_value")),
                "server_value": _text(d.get("server_value")),
                "local_actor": d.get("local_actor"),
                "local_at": d.get("local_at"),
                "server_actor": d.get("server_actor"),
                "server_at": d.get("server_at"),
                "status": d.get("status") or "open",
                "resolution": d.get("resolution"),
                "detail_json": None if d.get("detail") is None else dump(d.get("detail")),
                "updated_at": now,
            }
            if c is None:
                s.add(m.Conflict(id=r.entity_id, **values))
            else:
                for k, v in values.items():
                    setattr(c, k, v)
            report.applied += 1
            events.append(
                self._event(
                    r,
                    None,
                    {
                        "id": r.entity_id,
                        **{k: d.get(k) for k in ("kind", "entity", "entity_id", "field", "status")},
                    },
                )
            )
        s.flush()

    # --- merges --------------------------------------------------------------------------------------

    def _merge(
        self,
        s: Session,
        entity: str,
        from_id: str,
        into_id: str,
        report: ApplyReport,
        events: list[AuditEntry],
        *,
        incoming: RemoteRecord,
    ) -> None:
        """Repoint what refers to the duplicate ``from_id`` to the surviving ``into_id`` (both are here)
        and drop the duplicate; the merge is listed with what was repointed."""
        if from_id == into_id:
            return
        conn = s.connection()
        refs = {
            "person": (
                ("enrollments", "person_id"),
                ("applications", "person_id"),
                ("print_records", "record_id"),
            ),
            "employer": (("enrollments", "employer_id"),),
        }[entity]
        table = {"person": "persons", "employer": "employers"}[entity]
        if conn.exec_driver_sql(f"SELECT 1 FROM {table} WHERE id = ?", (from_id,)).first() is None:
            return
        repointed: dict[str, list[str]] = {}
        ref_entity = {"enrollments": "enrollment", "applications": "application", "print_records": "print"}
        for ref_table, col in refs:
            ids = [
                row[0]
                for row in conn.exec_driver_sql(f"SELECT id FROM {ref_table} WHERE {col} = ?", (from_id,))
            ]
            if ids:
                repointed[ref_table] = ids
                conn.exec_driver_sql(f"UPDATE {ref_table} SET {col} = ? WHERE {col} = ?", (into_id, from_id))
                # each repointed record's journal says so (what `doctor` compares the row with)
                events.extend(
                    (
                        "sync.repoint",
                        ref_entity[ref_table],
                        i,
                        {"id": i, col: from_id},
                        {"id": i, col: into_id},
                    )
                    for i in ids
                )
        if entity == "person":
            drop_inner_keys(s, [from_id])
        conn.exec_driver_sql(f"DELETE FROM {table} WHERE id = ?", (from_id,))
        # changes still to be sent that name the duplicate now name the survivor (the server repoints too)
        conn.exec_driver_sql(
            "UPDATE outbox SET entity_id = ? WHERE entity_id = ? AND synced_at IS NULL AND rejected_at IS NULL",
            (into_id, from_id),
        )
        merge = {"entity": entity, "from_id": from_id, "into_id": into_id, "repointed": repointed}
        s.add(
            m.Merge(
                id=new_id(),
                entity=entity,
                from_id=from_id,
                into_id=into_id,
                at=utc_now(),
                repointed_json=dump(repointed),
            )
        )
        s.flush()
        report.merged.append(merge)
        events.append(
            ("sync.merge", entity, from_id, None, {**merge, "_origin": {"server_seq": incoming.server_seq}})
        )

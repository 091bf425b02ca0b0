"""The journal of every write: the hash-chained audit event (who, when, what, before/after) and the
outbox change the sync engine sends, appended inside the caller's write transaction.

An outbox change's payload is the ``after`` of its audit event (same transaction): what is sent is
exactly what was audited. A change applied from elsewhere (``localdb.remote``) gets an audit event
and no outbox change, so nothing pulled is ever sent back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from localdb import audit
from localdb.clock import new_id, utc_now


def dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


_AUDIT_INSERT = (
    "INSERT INTO audit_events (seq, id, at, actor, action, entity, entity_id, before_json, after_json, "
    "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_OUTBOX_INSERT = (
    "INSERT INTO outbox (id, entity, entity_id, op, base_version, payload_json, audit_seq, created_at, "
    "synced_at, attempts, changed_json) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, NULL, 0, ?)"
)
_SETTING_UPSERT = (
    "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)


#: one audit event to append: ``(action, entity, entity_id, before, after)`` (before/after: JSON-ready
#: values, None for none)
AuditEntry = tuple[str, str, str, Any, Any]


def append_audit_many(s: Session, *, actor: str, events: list[AuditEntry]) -> int:
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
        before_json = None if before is None else dump(before)
        after_json = None if after is None else dump(after)
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


def append_outbox_many(
    s: Session, changes: Sequence[tuple[str, str, str, int | None, int, Sequence[str] | None]]
) -> None:
    """Queue changes ``(entity, entity_id, op, base_version, audit_seq, changed_fields)`` for the sync
    engine.

    The change's payload is not copied into the outbox: it is the ``after`` of audit event
    ``audit_seq``, appended in the same transaction (append-only and hash-chained, so what is sent
    is exactly what was audited). Rows queued before schema 0003 that had no such event keep their
    own copy in ``payload_json``; ``Reads.outbox_batch`` reads both the same way. ``changed_fields``
    names the fields an update changed (None for a create)."""
    now = utc_now()
    rows = [
        (
            new_id(),
            entity,
            entity_id,
            op,
            base,
            audit_seq,
            now,
            None if changed is None else dump(list(changed)),
        )
        for entity, entity_id, op, base, audit_seq, changed in changes
    ]
    if rows:
        s.connection().exec_driver_sql(_OUTBOX_INSERT, rows)


def append_outbox(
    s: Session,
    *,
    entity: str,
    entity_id: str,
    op: str,
    base_version: int | None,
    audit_seq: int,
    changed: Sequence[str] | None = None,
) -> None:
    append_outbox_many(s, [(entity, entity_id, op, base_version, audit_seq, changed)])

"""The audit log: append-only and tamper-evident.

Each event's hash is SHA-256 over the previous event's hash and a canonical JSON of the event
(sequence number, id, time, actor, action, entity, before and after). ``verify`` walks the chain in
sequence order and names the first event that was edited, deleted (a gap in the sequence), inserted
or re-ordered (a broken link), and a cut-off tail (the head recorded in ``settings`` no longer
matches). Triggers in the schema refuse UPDATE and DELETE on ``audit_events``.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

GENESIS = "0" * 64
HEAD_SEQ = "audit.head_seq"
HEAD_HASH = "audit.head_hash"


def canonical(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def event_hash(
    prev_hash: str,
    *,
    seq: int,
    id: str,
    at: str,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before_json: str | None,
    after_json: str | None,
) -> str:
    body = canonical(
        {
            "seq": seq,
            "id": id,
            "at": at,
            "actor": actor,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "before": before_json,
            "after": after_json,
        }
    )
    return hashlib.sha256((prev_hash + "\n" + body).encode("utf-8")).hexdigest()


@dataclass
class ChainProblem:
    seq: int
    code: str  # audit.edited | audit.missing | audit.link_broken | audit.truncated
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "code": self.code, "detail": self.detail}


@dataclass
class ChainReport:
    events: int = 0
    head_hash: str = GENESIS
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "head_hash": self.head_hash,
            "problems": [p.to_json() for p in self.problems],
        }


_COLUMNS = "seq, id, at, actor, action, entity, entity_id, before_json, after_json, prev_hash, hash"


def verify(conn: sqlite3.Connection) -> ChainReport:
    """Check the whole chain on a plain sqlite3 connection (read-only use)."""
    report = ChainReport()
    prev_hash = GENESIS
    expected_seq = 1
    for row in conn.execute(f"SELECT {_COLUMNS} FROM audit_events ORDER BY seq"):
        seq, id_, at, actor, action, entity, entity_id, before, after, stored_prev, stored_hash = row
        report.events += 1
        if seq != expected_seq:
            report.problems.append(
                ChainProblem(expected_seq, "audit.missing", f"events {expected_seq}..{seq - 1} are missing")
            )
        if stored_prev != prev_hash:
            report.problems.append(
                ChainProblem(seq, "audit.link_broken", "does not follow the event before it")
            )
        recomputed = event_hash(
            stored_prev,
            seq=seq,
            id=id_,
            at=at,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before_json=before,
            after_json=after,
        )
        if recomputed != stored_hash:
            report.problems.append(ChainProblem(seq, "audit.edited", "content does not match its hash"))
        prev_hash = stored_hash
        expected_seq = seq + 1
    report.head_hash = prev_hash
    head = dict(conn.execute("SELECT key, value FROM settings WHERE key IN (?, ?)", (HEAD_SEQ, HEAD_HASH)))
    if head:
        head_seq = int(head.get(HEAD_SEQ, "0"))
        if head_seq != expected_seq - 1 or head.get(HEAD_HASH) != prev_hash:
            report.problems.append(
                ChainProblem(
                    expected_seq,
                    "audit.truncated",
                    f"the recorded head is event {head_seq}; the log ends at {expected_seq - 1}",
                )
            )
    return report

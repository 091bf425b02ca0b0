"""The audit log: append-only and tamper-evident.

Each event's hash is SHA-256 over the previous event's hash and a canonical JSON of the event
(sequence number, id, time, actor, action, entity, before and after). ``verify`` walks the chain in
sequence order and names the first event that was edited, deleted (a gap in the sequence), inserted
or re-ordered (a broken link), and a cut-off tail (the head recorded in ``settings`` no longer
matches). Triggers in the schema refuse UPDATE and DELETE on ``audit_events``.

The hash chain alone is unkeyed: anyone can recompute it. So each write transaction also records the
chain's head in ``audit_heads`` (schema 0006, ``record_head``) signed with the counter's Ed25519 key
from the keyring; ``verify`` checks every head against its event and its signature, and that the last
head covers the whole log. A rewritten chain then fails without the private key.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from localdb import signing

GENESIS = "0" * 64
HEAD_SEQ = "audit.head_seq"
HEAD_HASH = "audit.head_hash"
#: the engine execution option holding the Store's signer loader (a zero-argument callable)
SIGNER_OPTION = "audit_signer"
_HEAD_INSERT = "INSERT INTO audit_heads (seq, hash, at, public_key_b64, signature) VALUES (?, ?, ?, ?, ?)"


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


def head_message(counter_id: str, seq: int, head_hash: str, at: str) -> bytes:
    """What a head's signature covers: the counter, the last event's seq and hash, the time."""
    body = canonical({"counter_id": counter_id, "seq": seq, "hash": head_hash, "at": at})
    return ("liangxian audit head\n" + body).encode("utf-8")


def record_head(conn: Any, seq: int, head_hash: str) -> None:
    """Record (and sign, when the Store holds a signer) the chain head after a transaction's events,
    in that transaction. ``conn`` is the SQLAlchemy connection of the write."""
    from localdb.clock import utc_now

    loader = conn.get_execution_options().get(SIGNER_OPTION)
    signer = loader() if loader is not None else None
    at = utc_now()
    public = signature = None
    if signer is not None:
        public = signer.public_key_b64
        signature = signer(head_message(signer.counter_id, seq, head_hash, at))
    conn.exec_driver_sql(_HEAD_INSERT, (seq, head_hash, at, public, signature))


@dataclass
class ChainProblem:
    seq: int
    # audit.edited | audit.missing | audit.link_broken | audit.truncated | audit.head_mismatch |
    # audit.head_forged | audit.head_unknown_key | audit.head_missing | audit.head_unsigned |
    # audit.key_mismatch
    code: str
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "code": self.code, "detail": self.detail}


@dataclass
class ChainReport:
    events: int = 0
    head_hash: str = GENESIS
    problems: list[ChainProblem] = field(default_factory=list)
    #: heads recorded / signed with a valid signature; None before schema 0006
    heads: int | None = None
    signed_heads: int = 0
    #: the last event a valid signature covers (0: none)
    signed_through: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "head_hash": self.head_hash,
            "problems": [p.to_json() for p in self.problems],
            "heads": self.heads,
            "signed_heads": self.signed_heads,
            "signed_through": self.signed_through,
            "signed": self.events > 0 and self.signed_through == self.events,
        }


_COLUMNS = "seq, id, at, actor, action, entity, entity_id, before_json, after_json, prev_hash, hash"


def verify(conn: sqlite3.Connection, *, trusted_public_key: str | None = None) -> ChainReport:
    """Check the whole chain and its signed heads on a plain sqlite3 connection (read-only use).
    ``trusted_public_key`` (the keyring's, when this machine has it) must be the counter's key."""
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
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_heads'").fetchone():
        _verify_heads(conn, report, expected_seq - 1, trusted_public_key)
    return report


def counter_keys(conn: sqlite3.Connection) -> tuple[str, str | None, set[str]]:
    """This counter's id, its current public key and every key it has held (set_key and rekey
    events)."""
    counter_id = (conn.execute("SELECT value FROM settings WHERE key = 'counter_id'").fetchone() or [""])[0]
    row = conn.execute("SELECT public_key_b64 FROM counters WHERE id = ?", (counter_id,)).fetchone()
    current = row[0] if row else None
    known = {current} if current else set()
    for before, after in conn.execute(
        "SELECT before_json, after_json FROM audit_events "
        "WHERE action IN ('counter.set_key', 'counter.rekey') AND entity_id = ?",
        (counter_id,),
    ):
        for text in (before, after):
            try:
                key = (json.loads(text) or {}).get("public_key_b64") if text else None
            except (ValueError, AttributeError):
                key = None
            if isinstance(key, str) and key:
                known.add(key)
    return counter_id, current, known


def _verify_heads(conn: sqlite3.Connection, report: ChainReport, end: int, trusted: str | None) -> None:
    counter_id, current, known = counter_keys(conn)
    if trusted is not None and current is not None and trusted != current:
        report.problems.append(
            ChainProblem(0, "audit.key_mismatch", "the counter's public key is not the keyring's key")
        )
    heads = conn.execute(
        "SELECT h.seq, h.hash, h.at, h.public_key_b64, h.signature, e.hash FROM audit_heads h "
        "LEFT JOIN audit_events e ON e.seq = h.seq ORDER BY h.seq"
    )
    report.heads = 0
    last_seq, last_signed = 0, False
    for seq, head_hash, at, public, signature, event_hash_ in heads:
        report.heads += 1
        last_seq, last_signed = seq, False
        if event_hash_ != head_hash:
            report.problems.append(
                ChainProblem(seq, "audit.head_mismatch", "the signed head is not this event")
            )
            continue
        if signature is None:
            continue
        if public not in known:
            report.problems.append(
                ChainProblem(seq, "audit.head_unknown_key", "signed by a key not the counter's")
            )
        elif not signing.verify(public, head_message(counter_id, seq, head_hash, at), signature):
            report.problems.append(
                ChainProblem(seq, "audit.head_forged", "the head's signature does not verify")
            )
        else:
            report.signed_heads += 1
            report.signed_through = seq
            last_signed = True
    if report.heads and last_seq != end:
        report.problems.append(
            ChainProblem(
                last_seq + 1, "audit.head_missing", f"events {last_seq + 1}..{end} have no recorded head"
            )
        )
    elif end and current is not None and not last_signed:
        # the counter has a key: a log whose end no signature covers was written without it (or
        # rewritten, its heads dropped)
        report.problems.append(ChainProblem(end, "audit.head_unsigned", "the last head is not signed"))

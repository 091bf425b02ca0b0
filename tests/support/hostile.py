"""What an attacker holding the database file (and sqlite3, but not the keyring) can do to it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from localdb import audit

_COLUMNS = ("seq", "id", "at", "actor", "action", "entity", "entity_id", "before_json", "after_json")


def _without_triggers(conn: sqlite3.Connection, table: str) -> list[str]:
    """Drop a table's triggers; returns their SQL to put them back (so the schema stays ours)."""
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
    )
    saved = []
    for name, sql in rows.fetchall():
        conn.execute(f"DROP TRIGGER {name}")
        saved.append(sql)
    return saved


def rewrite_chain(
    path: Path | str,
    edit_sql: str,
    action: str,
    after_patch: dict[str, Any],
    *,
    heads: str = "keep",
    signer: Any = None,
) -> None:
    """Edit a business row, make its last ``action`` event say the same, recompute the whole unkeyed
    hash chain and the recorded head, and put the append-only triggers back. ``heads``: ``keep``
    the signed heads as they were, make them ``unsigned``, or ``resigned`` with ``signer`` (not the
    counter's key)."""
    conn = sqlite3.connect(path)
    triggers = _without_triggers(conn, "audit_events") + _without_triggers(conn, "audit_heads")
    conn.execute(edit_sql)
    seq, after = conn.execute(
        "SELECT seq, after_json FROM audit_events WHERE action = ? ORDER BY seq DESC LIMIT 1", (action,)
    ).fetchone()
    conn.execute(
        "UPDATE audit_events SET after_json = ? WHERE seq = ?",
        (audit.canonical({**json.loads(after), **after_patch}), seq),
    )
    prev = audit.GENESIS
    hashes = {}
    for row in conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM audit_events ORDER BY seq").fetchall():
        fields = dict(zip(_COLUMNS, row, strict=True))
        digest = audit.event_hash(prev, **fields)
        conn.execute(
            "UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, fields["seq"])
        )
        hashes[fields["seq"]] = digest
        prev = digest
    conn.execute("UPDATE settings SET value = ? WHERE key = ?", (prev, audit.HEAD_HASH))
    if heads != "keep":
        old = conn.execute("SELECT seq, at FROM audit_heads ORDER BY seq").fetchall()
        conn.execute("DELETE FROM audit_heads")
        counter_id = conn.execute("SELECT value FROM settings WHERE key = 'counter_id'").fetchone()[0]
        for head_seq, at in old:
            public = signature = None
            if heads == "resigned":
                public = signer.public_key_b64
                signature = signer(audit.head_message(counter_id, head_seq, hashes[head_seq], at))
            conn.execute(
                "INSERT INTO audit_heads VALUES (?, ?, ?, ?, ?)",
                (head_seq, hashes[head_seq], at, public, signature),
            )
    for sql in triggers:
        conn.execute(sql)
    conn.commit()
    conn.close()

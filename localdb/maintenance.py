"""Backup, restore and the doctor's check-up of a counter database.

Backups are ``VACUUM INTO`` copies (consistent while the app runs, WAL included). A restore first
checks the backup (not from a newer version, ``integrity_check`` ok, audit chain intact), keeps a copy
of the database it replaces, and copies with SQLite's backup API so the live file's journal stays
coherent. The doctor only reads.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from localdb import audit, db
from localdb.errors import RestoreRefused


def backup(path: Path | str, dest: Path | str) -> dict[str, Any]:
    db.schema_state(path)  # NotAStore for anything that is not ours
    out = db.backup_to(path, dest)
    return {"backup": str(out), "bytes": out.stat().st_size}


def _check(conn: sqlite3.Connection) -> dict[str, Any]:
    integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    fk_problems = conn.execute("PRAGMA foreign_key_check").fetchall()
    chain = audit.verify(conn)
    pending = conn.execute("SELECT count(*) FROM outbox WHERE synced_at IS NULL").fetchone()[0]
    return {
        "integrity": "ok" if integrity == ["ok"] else integrity,
        "foreign_keys": "ok" if not fk_problems else [list(r) for r in fk_problems[:20]],
        "audit": chain.to_json(),
        "pending_outbox": pending,
    }


def doctor(path: Path | str) -> dict[str, Any]:
    """``PRAGMA integrity_check``, foreign keys, the audit chain, pending outbox size, schema."""
    path = Path(path)
    revision, user_version = db.schema_state(path)
    conn = db.raw_connect(path, readonly=True)
    try:
        report = _check(conn)
        report["journal_mode"] = conn.execute("PRAGMA journal_mode").fetchone()[0]
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in _COUNTED}
    finally:
        conn.close()
    newer = revision not in db.REVISIONS or user_version > db.SCHEMA_VERSION
    report.update(
        {
            "db": str(path),
            "bytes": path.stat().st_size,
            "schema": {"revision": revision, "user_version": user_version, "app_head": db.HEAD},
            "schema_status": "newer" if newer else ("current" if revision == db.HEAD else "will_migrate"),
            "counts": counts,
        }
    )
    report["ok"] = report["integrity"] == "ok" and report["foreign_keys"] == "ok" and report["audit"]["ok"]
    return report


_COUNTED = ("persons", "employers", "applications", "audit_events", "outbox")


def restore(source: Path | str, target: Path | str) -> dict[str, Any]:
    """Replace ``target`` with the backup ``source`` after checking the backup; the replaced database
    is kept beside it (``*.pre-restore-<time>.db``)."""
    source, target = Path(source), Path(target)
    revision, user_version = db.schema_state(source)
    db.check_not_newer(revision, user_version)
    conn = db.raw_connect(source, readonly=True)
    try:
        check = _check(conn)
    finally:
        conn.close()
    if check["integrity"] != "ok" or not check["audit"]["ok"]:
        raise RestoreRefused(path=str(source))
    kept = None
    if target.exists():
        # a directory, a file that is not ours or one from a newer app is refused and left untouched
        db.check_not_newer(*db.schema_state(target))
        kept = target.with_name(f"{target.stem}.pre-restore-{db.stamp_time()}{target.suffix or '.db'}")
        db.backup_to(target, kept)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
    # SQLite's backup API also for a new file: what the backup's WAL holds comes along (it was
    # checked with it), and a live target's journal stays coherent
    src = db.raw_connect(source, readonly=True)
    try:
        dst = db.raw_connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return {
        "restored": str(target),
        "from": str(source),
        "previous_kept_as": str(kept) if kept else None,
        **check,
    }

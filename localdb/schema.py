"""A database file is untrusted input: its schema must be exactly what our migrations make.

``check(path)`` reads ``sqlite_master`` (which evaluates nothing: no view is queried, no trigger
fires) and compares every table, index, trigger and view — name, table and the SQL that defines it,
so every column and constraint too — with a database our own migrations build at the file's
revision. Anything added, dropped or changed (a trigger that rewrites allowances, dropped audit
triggers, a recursive view) raises ForeignSchema naming the differences; the file is not touched.

What the migrations make is kept in ``schema_snapshot.json`` (written by ``python -m
localdb.schema``) with a fingerprint of the migration scripts, so that opening a database does not
run Alembic; when the scripts changed and the snapshot was not rewritten, the schema is built from
the migrations in memory instead (slower, never wrong), and a test fails until it is rewritten.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import sqlite3
import sys
from pathlib import Path

from localdb.errors import ForeignSchema, NotAStore

#: SQLite's own tables that may appear in a healthy file (``ANALYZE``'s statistics)
_IGNORED = {"sqlite_stat1", "sqlite_stat4", "sqlite_sequence"}

SchemaEntry = tuple[str, str, str, str | None]
SNAPSHOT = Path(__file__).resolve().parent / "schema_snapshot.json"


def _normal(sql: str | None) -> str | None:
    return None if sql is None else re.sub(r"\s+", " ", sql).strip()


def entries(conn: sqlite3.Connection) -> frozenset[SchemaEntry]:
    """``(type, name, table, normalised SQL)`` of every schema object of a connection's main file."""
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM main.sqlite_master").fetchall()
    return frozenset((t, n, tb, _normal(sql)) for t, n, tb, sql in rows if n not in _IGNORED)


def migrations_fingerprint() -> str:
    from localdb import db

    h = hashlib.sha256()
    for script in sorted((db.MIGRATIONS_DIR / "versions").glob("*.py")):
        h.update(script.name.encode() + b"\0" + script.read_bytes() + b"\0")
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def _snapshot() -> dict[str, frozenset[SchemaEntry]]:
    try:
        data = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if data.get("migrations_sha256") != migrations_fingerprint():
        return {}
    return {rev: frozenset(tuple(e) for e in items) for rev, items in data["revisions"].items()}


@functools.lru_cache(maxsize=8)
def expected(revision: str) -> frozenset[SchemaEntry]:
    """What our migrations make at ``revision``: from the snapshot when it is current, else built in
    an in-memory database (once per process)."""
    snapshot = _snapshot()
    if revision in snapshot:
        return snapshot[revision]
    return built(revision)


def built(revision: str) -> frozenset[SchemaEntry]:
    """What our migrations make at ``revision``, built now in an in-memory database."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    from localdb import db

    engine = create_engine("sqlite://", poolclass=StaticPool)
    try:
        db.upgrade(engine, revision)
        raw = engine.raw_connection()
        try:
            return entries(db.driver_connection(raw))
        finally:
            raw.close()
    finally:
        engine.dispose()


def differences(found: frozenset[SchemaEntry], wanted: frozenset[SchemaEntry]) -> list[str]:
    """Human-readable differences, e.g. ``extra trigger evil on decisions``, ``missing trigger …``,
    ``changed table persons``."""
    by_found = {(e[0], e[1]): e for e in found}
    by_wanted = {(e[0], e[1]): e for e in wanted}
    out = []
    for key in sorted(set(by_found) | set(by_wanted)):
        kind, name = key
        f, w = by_found.get(key), by_wanted.get(key)
        if w is None and f is not None:
            out.append(f"extra {kind} {name}" + (f" on {f[2]}" if f[2] != name else ""))
        elif f is None:
            out.append(f"missing {kind} {name}")
        elif f != w:
            out.append(f"changed {kind} {name}")
    return out


def check_connection(conn: sqlite3.Connection, revision: str, path: str = "") -> None:
    from localdb import db

    if revision not in db.REVISIONS:
        return  # a newer app's file: check_not_newer refuses it with its own code
    diff = differences(entries(conn), expected(revision))
    if diff:
        raise ForeignSchema(path=path, detail="; ".join(diff[:8]) + (" …" if len(diff) > 8 else ""))


def check(path: Path | str) -> str:
    """Refuse a file whose schema is not ours at its revision (ForeignSchema; NotAStore when it is
    not one of ours at all). Read-only; returns the revision."""
    from localdb import db

    revision, _ = db.schema_state(path)
    try:
        conn = db.raw_connect(path, readonly=True, untouched=True)
    except sqlite3.Error as exc:
        raise NotAStore(path=str(path)) from exc
    try:
        check_connection(conn, revision or "", str(path))
    except sqlite3.DatabaseError as exc:
        raise NotAStore(path=str(path)) from exc
    finally:
        conn.close()
    return revision or ""


def write_snapshot(path: Path = SNAPSHOT) -> None:
    from localdb import db

    data = {
        "migrations_sha256": migrations_fingerprint(),
        "revisions": {rev: sorted(list(e) for e in built(rev)) for rev in db.REVISIONS},
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":  # python -m localdb.schema: rewrite the snapshot after adding a migration
    write_snapshot(Path(sys.argv[1]) if len(sys.argv) > 1 else SNAPSHOT)

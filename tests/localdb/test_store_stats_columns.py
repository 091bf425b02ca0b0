"""The statistics columns of ``applications`` (migration 0009) say what their sources say: the form's
category and medical amount, the intake day, the closing and paid steps of the status history and
the latest decision's allowance and day counts — after intake, review steps, a correction that
makes a new decision, the sync's apply of a pulled application, plain SQL edits of the history, and
the migration's filling of rows written before it. The reference is what the loader read before
0009: the same values from the JSON and the joined history."""

from __future__ import annotations

import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import localdb
from localdb import db
from tests.support.store_data import TODAY, application_data, id_number, person_data, pulled

# the loader's SELECT before schema 0009 (joins and JSON), one row per application
FROM_SOURCES = """
SELECT a.id, json_extract(a.form_json, '$.category'), date(a.created_at, '+8 hours'),
       CASE WHEN a.claim_type = 'medical' THEN CAST(json_extract(a.form_json, '$.medical_amount') AS TEXT) END,
       c.to_status, date(c.at, '+8 hours'), c.by, c.note, date(pd.at, '+8 hours'),
       d.allowance, json_extract(d.decision_json, '$.allowance_days'), json_extract(d.decision_json, '$.leave_days')
FROM applications a
LEFT JOIN status_changes c
       ON c.application_id = a.id AND c.to_status IN ('approved', 'rejected', 'withdrawn')
LEFT JOIN status_changes pd ON pd.application_id = a.id AND pd.to_status = 'paid'
LEFT JOIN decisions d ON d.id = (SELECT d2.id FROM decisions d2 WHERE d2.application_id = a.id
                                 ORDER BY d2.decided_at DESC LIMIT 1)
ORDER BY a.id
"""
FROM_COLUMNS = """
SELECT id, stat_category, stat_received_on, stat_medical_amount, stat_closed_to, stat_closed_on,
       stat_closed_by, stat_closed_note, stat_paid_on, stat_allowance, stat_allowance_days, stat_leave_days
FROM applications ORDER BY id
"""


def _both(path: Path) -> tuple[list[tuple], list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(FROM_SOURCES).fetchall(), conn.execute(FROM_COLUMNS).fetchall()
    finally:
        conn.close()


def _busy_day(store: localdb.Store) -> dict[str, dict]:
    clerk, rev = store.service("clerk1", today=TODAY), store.service("rev1", today=TODAY)
    p1 = clerk.register_person(person_data(id_number=id_number(seq=2)))
    flexible = person_data(id_number=id_number(seq=4), category="flexible")
    flexible.pop("employer_uscc")
    p2 = clerk.register_person(flexible)
    apps = {
        "approved_paid": clerk.create_application(application_data(id_number=p1["id_number"])),
        "rejected": clerk.create_application(
            application_data(id_number=p2["id_number"], claim_type="medical", medical_amount="3600.00")
        ),
        "corrected": clerk.create_application(
            application_data(
                id_number=p1["id_number"],
                claim_type="medical",
                medical_amount="1200.00",
                event_date="2026-10-02",
            )
        ),
        "open": clerk.create_application(
            application_data(id_number=p2["id_number"], event_date="2026-10-25")
        ),
    }
    for key in ("approved_paid", "rejected"):
        rev.start_review(apps[key]["id"])
    rev.approve(apps["approved_paid"]["id"])
    rev.mark_paid(apps["approved_paid"]["id"])
    rev.reject(apps["rejected"]["id"], "材料不全")
    c = apps["corrected"]
    clerk.update_application(c["id"], c["version"], {"medical_amount": "1350.50", "reason": "发票金额录错"})
    return apps


def test_the_columns_follow_every_write(store: localdb.Store) -> None:
    apps = _busy_day(store)
    sources, columns = _both(store.path)
    assert columns == sources
    by_id = {r[0]: r for r in columns}
    assert by_id[apps["approved_paid"]["id"]][4] == "approved" and by_id[apps["approved_paid"]["id"]][8]
    assert by_id[apps["rejected"]["id"]][4:8][::3] == ("rejected", "材料不全")
    assert by_id[apps["corrected"]["id"]][3] == "1350.50"
    assert by_id[apps["open"]["id"]][4] is None

    # plain SQL moves the history and the intake time: the columns move with them
    conn = sqlite3.connect(store.path)
    with conn:
        conn.execute(
            "UPDATE status_changes SET at = '2026-11-06T17:00:00.000000Z' WHERE to_status = 'approved'"
        )
        conn.execute("UPDATE applications SET created_at = '2026-11-01T16:30:00.000000Z'")
        conn.execute("DELETE FROM status_changes WHERE to_status = 'paid'")
    conn.close()
    sources, columns = _both(store.path)
    assert columns == sources
    assert {r[2] for r in columns} == {"2026-11-02"}
    assert by_id[apps["approved_paid"]["id"]][0] in {
        r[0] for r in columns if r[5] == "2026-11-07" and r[8] is None
    }


def test_a_pulled_application_gets_its_columns(
    store: localdb.Store, tmp_path: Path, template_db: Path
) -> None:
    """Another counter of the county pulls the busy day's records (through the pulled-record checks,
    its decisions recomputed): its columns say what its sources say, and what the first counter's say."""
    _busy_day(store)
    shutil.copyfile(template_db, tmp_path / "other.db")
    other = localdb.open_store(tmp_path / "other.db")
    try:
        other.service("boss", today=TODAY).apply_remote(
            pulled(store, ("employer", "person", "enrollment", "application"))
        )
        sources, columns = _both(other.path)
        assert len(columns) == 4 and columns == sources

        # the same amounts (an ineligible claim's 0 is "0" where decided, "0.00" from the wire)
        def amounts(rows: list[tuple]) -> list[tuple]:
            return [(*r[:9], Decimal(r[9]) if r[9] is not None else None, *r[10:]) for r in rows]

        assert amounts(columns) == amounts(_both(store.path)[1])
    finally:
        other.close()


def test_the_migration_fills_the_rows_written_before_it(store: localdb.Store, tmp_path: Path) -> None:
    """A database with applications, taken back to 0008's columns (the 0009 columns emptied and
    its triggers dropped, as the rows were before), then migrated: the columns are filled."""
    _busy_day(store)
    path = store.path
    store.close()
    conn = sqlite3.connect(path)
    with conn:
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%stats%'"
        ).fetchall():
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("DROP INDEX ix_applications_stats")
        for column in ("stat_category", "stat_received_on", "stat_closed_to", "stat_closed_on", "stat_closed_by",
                       "stat_closed_note", "stat_paid_on", "stat_allowance", "stat_allowance_days",
                       "stat_leave_days", "stat_medical_amount", "stat_decided_at"):  # fmt: skip
            conn.execute(f"ALTER TABLE applications DROP COLUMN {column}")
        conn.execute("ALTER TABLE decisions DROP COLUMN allowance_days")
        conn.execute("ALTER TABLE decisions DROP COLUMN leave_days")
        conn.execute("UPDATE alembic_version SET version_num = '0008'")
        conn.execute("PRAGMA user_version = 8")
    conn.close()
    assert db.schema_state(path) == ("0008", 8)
    localdb.open_store(path).close()  # migrates (after a backup)
    assert db.schema_state(path) == (db.HEAD, db.SCHEMA_VERSION)
    sources, columns = _both(path)
    assert columns == sources and len(columns) == 4
    assert all(r[1] and r[2] for r in columns)

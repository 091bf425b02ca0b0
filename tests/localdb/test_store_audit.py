"""The audit log is append-only and tamper-evident: `audit verify` names any edited, deleted,
inserted or re-ordered event, and a cut-off tail."""

from __future__ import annotations

import sqlite3

import pytest

from liangxian.cli import main
from localdb import audit
from tests.support.store_data import application_data, person_data


@pytest.fixture
def filled(store, clerk, reviewer):
    clerk.register_person(person_data())
    app = clerk.create_application(application_data())
    reviewer.start_review(app["id"])
    reviewer.approve(app["id"])
    return store


def tamper(path, *sql: str) -> None:
    """What an attacker with the file could do: drop the append-only triggers, change rows and put
    the triggers back (a file without them is refused as a foreign schema)."""
    conn = sqlite3.connect(path)
    triggers = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'"
    ).fetchall()
    conn.execute("DROP TRIGGER audit_events_no_update")
    conn.execute("DROP TRIGGER audit_events_no_delete")
    for statement in sql:
        conn.execute(statement)
    for (trigger,) in triggers:
        conn.execute(trigger)
    conn.commit()
    conn.close()


def report(path) -> audit.ChainReport:
    conn = sqlite3.connect(path)
    try:
        return audit.verify(conn)
    finally:
        conn.close()


def test_an_intact_chain_verifies(filled) -> None:
    r = report(filled.path)
    assert r.ok and r.events >= 8


def test_the_database_refuses_to_edit_or_delete_events(filled) -> None:
    conn = sqlite3.connect(filled.path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit_events SET actor = 'x' WHERE seq = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit_events WHERE seq = 2")


def test_an_edited_event_is_named(filled) -> None:
    tamper(filled.path, "UPDATE audit_events SET actor = 'someone_else' WHERE seq = 5")
    r = report(filled.path)
    assert [(p.seq, p.code) for p in r.problems] == [(5, "audit.edited")]


def test_a_deleted_event_is_named(filled) -> None:
    tamper(filled.path, "DELETE FROM audit_events WHERE seq = 4")
    problems = {(p.seq, p.code) for p in report(filled.path).problems}
    assert (4, "audit.missing") in problems and (5, "audit.link_broken") in problems


def test_reordered_events_are_found(filled) -> None:
    # swap the contents of events 3 and 4 (keeping each one's own hash): the links break
    cols = "id, at, actor, action, entity, entity_id, before_json, after_json, prev_hash, hash"
    conn = sqlite3.connect(filled.path)
    r3 = conn.execute(f"SELECT {cols} FROM audit_events WHERE seq = 3").fetchone()
    r4 = conn.execute(f"SELECT {cols} FROM audit_events WHERE seq = 4").fetchone()
    conn.close()
    sets = ", ".join(f"{c} = ?" for c in cols.split(", "))
    conn = sqlite3.connect(filled.path)
    conn.execute("DROP TRIGGER audit_events_no_update")
    conn.execute("UPDATE audit_events SET id = 'tmp' WHERE seq = 4")
    conn.execute(f"UPDATE audit_events SET {sets} WHERE seq = 3", r4)
    conn.execute(f"UPDATE audit_events SET {sets} WHERE seq = 4", r3)
    conn.commit()
    conn.close()
    problems = report(filled.path).problems
    assert {p.seq for p in problems} >= {3, 4}
    assert all(p.code in ("audit.edited", "audit.link_broken", "audit.head_mismatch") for p in problems)


def test_a_cut_off_tail_is_found(filled) -> None:
    conn = sqlite3.connect(filled.path)
    last = conn.execute("SELECT max(seq) FROM audit_events").fetchone()[0]
    conn.close()
    tamper(filled.path, f"DELETE FROM audit_events WHERE seq = {last}")
    codes = [p.code for p in report(filled.path).problems]
    # the signed head of the cut-off event no longer has its event either (schema 0006)
    assert codes[0] == "audit.truncated" and set(codes[1:]) <= {"audit.head_mismatch", "audit.head_missing"}


def test_an_inserted_event_is_found(filled) -> None:
    tamper(
        filled.path,
        "INSERT INTO audit_events (seq, id, at, actor, action, entity, entity_id, prev_hash, hash) "
        "SELECT max(seq) + 1, 'forged', '2026-01-01T00:00:00Z', 'boss', 'person.register', 'person', 'x', "
        "'0', '0' FROM audit_events",
    )
    codes = {p.code for p in report(filled.path).problems}
    assert {"audit.link_broken", "audit.edited", "audit.truncated"} <= codes


def test_cli_audit_verify(filled, capsys) -> None:
    import json

    assert main(["audit", "verify", "--db", str(filled.path)]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    tamper(filled.path, "UPDATE audit_events SET after_json = '{}' WHERE seq = 6")
    assert main(["audit", "verify", "--db", str(filled.path)]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and out["problems"][0]["seq"] == 6

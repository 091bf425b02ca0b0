"""Backup, restore and doctor."""

from __future__ import annotations

import sqlite3

import pytest

import localdb
from localdb import maintenance
from tests.support.store_data import checkpoint, person_data


def test_backup_is_a_consistent_copy_while_the_store_is_open(store, clerk, tmp_path) -> None:
    clerk.register_person(person_data())
    out = maintenance.backup(store.path, tmp_path / "b.db")
    conn = sqlite3.connect(out["backup"])
    assert conn.execute("SELECT count(*) FROM persons").fetchone() == (1,)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_doctor_reports_health_and_pending_outbox(store, clerk) -> None:
    clerk.register_person(person_data())
    report = maintenance.doctor(store.path)
    assert report["ok"] and report["integrity"] == "ok" and report["foreign_keys"] == "ok"
    assert report["pending_outbox"] == store.pending_outbox_count()
    assert report["schema_status"] == "current" and report["journal_mode"] == "wal"
    assert report["counts"]["persons"] == 1


def _tamper(path) -> None:
    """Edit an audit event, the append-only trigger dropped and put back (so the schema is ours)."""
    conn = sqlite3.connect(path)
    (trigger,) = conn.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'audit_events_no_update'"
    ).fetchone()
    conn.execute("DROP TRIGGER audit_events_no_update")
    conn.execute("UPDATE audit_events SET actor = 'x' WHERE seq = 1")
    conn.execute(trigger)
    conn.commit()
    conn.close()


def test_doctor_finds_a_broken_chain(store) -> None:
    store.close()
    _tamper(store.path)
    report = maintenance.doctor(store.path)
    assert not report["ok"] and report["audit"]["problems"][0]["seq"] == 1


def test_restore_refuses_a_tampered_backup_and_changes_nothing(store, clerk, tmp_path) -> None:
    clerk.register_person(person_data())
    maintenance.backup(store.path, tmp_path / "b.db")
    _tamper(tmp_path / "b.db")
    with pytest.raises(localdb.errors.RestoreRefused):
        maintenance.restore(tmp_path / "b.db", store.path)
    assert store.find_person(person_data()["id_number"]) is not None
    assert not list(tmp_path.glob("*.pre-restore-*"))


def test_restore_refuses_a_backup_from_a_newer_app(store, tmp_path) -> None:
    maintenance.backup(store.path, tmp_path / "b.db")
    conn = sqlite3.connect(tmp_path / "b.db")
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    with pytest.raises(localdb.SchemaTooNew):
        maintenance.restore(tmp_path / "b.db", store.path)


def test_restore_into_a_new_place(store, clerk, tmp_path) -> None:
    clerk.register_person(person_data())
    store.close()
    checkpoint(store.path)
    target = tmp_path / "elsewhere" / "c.db"
    # a copy of the database, not a backup with its manifest: an admin's restore, with a reason
    out = maintenance.restore(
        store.path, target, admin="boss", admin_password="s3cret", reason="machine replaced"
    )
    assert out["previous_kept_as"] is None and out["overridden"] == ["store.backup_manifest_missing"]
    st = localdb.open_store(target)
    try:
        assert st.find_person(person_data()["id_number"])["name_zh"] == "张晓"
    finally:
        st.close()


def test_restore_into_a_new_place_takes_what_the_backups_wal_holds(store, clerk, tmp_path) -> None:
    """The backup is checked with its WAL; the copy must hold the same (a plain file copy left the
    WAL's committed records behind)."""
    clerk.register_person(person_data())  # in the WAL while the store is open
    target = tmp_path / "elsewhere" / "c.db"
    maintenance.restore(store.path, target, admin="boss", admin_password="s3cret", reason="machine replaced")
    conn = sqlite3.connect(target)
    try:
        assert conn.execute("SELECT count(*) FROM persons").fetchone() == (1,)
    finally:
        conn.close()


@pytest.mark.parametrize("what", ["directory", "not-a-database"])
def test_restore_over_something_that_is_not_a_store_is_refused_untouched(store, tmp_path, what) -> None:
    """A clean NotAStore (a JSON error at the CLI), not an sqlite3 traceback, and nothing written."""
    maintenance.backup(store.path, tmp_path / "b.db")
    target = tmp_path / "target"
    if what == "directory":
        target.mkdir()
    else:
        target.write_bytes(b"not a database at all")
    with pytest.raises(localdb.errors.NotAStore):
        maintenance.restore(tmp_path / "b.db", target)
    if what != "directory":
        assert target.read_bytes() == b"not a database at all"
    assert not list(tmp_path.glob("*.pre-restore-*"))

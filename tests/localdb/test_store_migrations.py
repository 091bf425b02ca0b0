"""Migrations: the models and the migration scripts describe the same schema; a database from the
first schema holding unsynced outbox changes is upgraded to the latest (after an automatic backup)
with nothing lost; a database from a newer app is refused and left untouched."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

import localdb
from localdb import audit, db
from localdb.models import Base
from tests.support.store_data import TODAY, id_number, person_data, uscc


def test_revision_table_matches_the_scripts() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(cfg)
    assert script.get_current_head() == db.HEAD
    chain = [r.revision for r in script.walk_revisions()][::-1]
    assert chain == list(db.REVISIONS)


def test_models_match_the_migrated_schema(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = db.make_engine(tmp_path / "m.db")
    db.upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def _first_schema_with_unsynced_data(path: Path) -> dict:
    """A counter database as version 0001 left it: persons, an employer, an application and
    unsynced outbox changes, written the way the 0001 app wrote them."""
    engine = db.make_engine(path)
    db.upgrade(engine, "0001")
    engine.dispose()
    conn = sqlite3.connect(path)
    now = "2026-01-05T02:00:00.000000Z"
    conn.execute("INSERT INTO counties VALUES ('540102', '城关区', 'ཁྲིན་ཀོན་ཆུས།', 'lhasa')")
    conn.execute("INSERT INTO counters VALUES ('c-1', '540102', 3, NULL, ?)", (now,))
    conn.executemany("INSERT INTO settings VALUES (?, ?)", [("region", "lhasa"), ("counter_id", "c-1")])
    conn.execute("INSERT INTO users VALUES ('u-1', 'boss', 'admin', NULL, 1, ?)", (now,))
    conn.execute(
        "INSERT INTO employers VALUES ('e-1', ?, '拉萨雪域建设有限公司', NULL, '540102', 'a', '9000.00', NULL, NULL, ?, ?, 1)",
        (uscc(), now, now),
    )
    persons = [
        ("p-1", id_number(), "张晓", None, "female", "1990-03-15", "01"),
        ("p-2", id_number(seq=4), "扎西卓玛", "བཀྲ་ཤིས་སྒྲོལ་མ", "female", "1990-03-15", "04"),
    ]
    for pid, number, zh, bo, sex, birth, eth in persons:
        conn.execute(
            "INSERT INTO persons VALUES (?, ?, ?, ?, ?, ?, ?, NULL, '540102', 'employee', ?, ?, 1)",
            (pid, number, zh, bo, sex, birth, eth, now, now),
        )
        conn.execute(
            "INSERT INTO enrollments VALUES (?, ?, 'e-1', 'employee', 1, '6000.00', NULL, '2015-01-01', NULL)",
            ("en-" + pid, pid),
        )
    conn.execute(
        "INSERT INTO applications VALUES ('a-1', '540102-03-20260105-0001', 'p-1', 'allowance', 'birth', "
        "'2025-12-01', '{}', 'received', 'boss', ?, ?, 1)",
        (now, now),
    )
    prev = audit.GENESIS
    events = [
        ("person.register", "person", "p-1"),
        ("person.register", "person", "p-2"),
        ("application.create", "application", "a-1"),
    ]
    for seq, (action, entity, entity_id) in enumerate(events, start=1):
        row = dict(
            seq=seq,
            id=f"ev-{seq}",
            at=now,
            actor="boss",
            action=action,
            entity=entity,
            entity_id=entity_id,
            before_json=None,
            after_json='{"x":1}',
        )
        digest = audit.event_hash(prev, **row)
        conn.execute("INSERT INTO audit_events VALUES (?,?,?,?,?,?,?,?,?,?,?)", (*row.values(), prev, digest))
        prev = digest
    conn.executemany("INSERT INTO settings VALUES (?, ?)", [(audit.HEAD_SEQ, "3"), (audit.HEAD_HASH, prev)])
    outbox = [
        ("o-1", "person", "p-1", "create", None, '{"name_zh":"张晓"}', now, "2026-01-05T03:00:00.000000Z"),
        ("o-2", "person", "p-2", "create", None, '{"name_zh":"扎西卓玛"}', now, None),
        ("o-3", "application", "a-1", "create", None, '{"receipt_no":"540102-03-20260105-0001"}', now, None),
    ]
    conn.executemany(
        "INSERT INTO outbox (id, entity, entity_id, op, base_version, payload_json, created_at, synced_at) "
        "VALUES (?,?,?,?,?,?,?,?)",
        outbox,
    )
    conn.commit()
    snapshot = {
        "outbox": conn.execute(
            "SELECT id, entity, entity_id, op, payload_json, created_at, synced_at FROM outbox ORDER BY seq"
        ).fetchall(),
        "persons": conn.execute("SELECT id, id_number, name_zh, name_bo FROM persons ORDER BY id").fetchall(),
        "audit": conn.execute("SELECT * FROM audit_events ORDER BY seq").fetchall(),
    }
    conn.close()
    return snapshot


def test_upgrade_from_the_first_schema_keeps_unsynced_changes(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    before = _first_schema_with_unsynced_data(path)
    assert db.schema_state(path) == ("0001", 1)

    store = localdb.open_store(path)
    try:
        assert db.schema_state(path) == (db.HEAD, db.SCHEMA_VERSION)
        conn = sqlite3.connect(path)
        assert (
            conn.execute(
                "SELECT id, entity, entity_id, op, payload_json, created_at, synced_at FROM outbox ORDER BY seq"
            ).fetchall()
            == before["outbox"]
        )
        assert (
            conn.execute("SELECT id, id_number, name_zh, name_bo FROM persons ORDER BY id").fetchall()
            == before["persons"]
        )
        assert conn.execute("SELECT * FROM audit_events ORDER BY seq").fetchall() == before["audit"]
        assert conn.execute("SELECT attempts FROM outbox").fetchall() == [(0,), (0,), (0,)]
        conn.close()
        assert store.pending_outbox_count() == 2
        # the search keys of 0002 were backfilled for the old persons
        assert [r["id"] for r in store.search_persons("zx")] == ["p-1", "p-2"]  # 张晓 exact, 扎西卓玛 prefix
        assert [r["id"] for r in store.search_persons("zxzm")] == ["p-2"]
        assert [r["id"] for r in store.search_persons("bkra shis")] == ["p-2"]
        # and the app goes on writing on top of the old data, the chain unbroken
        clerk = store.service("boss", today=TODAY)
        assert clerk.record_print("a-1", "receipt") == 0
        clerk.register_person(person_data(id_number=id_number(seq=6), name_zh="李娜"))
        assert store.pending_outbox_count() == 4
        conn = sqlite3.connect(path)
        assert audit.verify(conn).ok
        conn.close()
    finally:
        store.close()
    backups = list(tmp_path.glob("old.pre-0001-to-0002-*.db"))
    assert len(backups) == 1
    assert db.schema_state(backups[0]) == ("0001", 1)
    conn = sqlite3.connect(backups[0])
    assert conn.execute("SELECT count(*) FROM outbox WHERE synced_at IS NULL").fetchone() == (2,)
    conn.close()


def test_a_current_database_is_opened_without_a_backup(store, tmp_path: Path) -> None:
    store.close()
    localdb.open_store(store.path).close()
    assert not list(tmp_path.glob("*.pre-*"))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("how", ["user_version", "revision"])
def test_a_database_from_a_newer_app_is_refused_untouched(store, tmp_path: Path, how: str) -> None:
    from tests.support.store_data import checkpoint

    path = store.path
    store.close()
    conn = sqlite3.connect(path)
    if how == "user_version":
        conn.execute(f"PRAGMA user_version = {db.SCHEMA_VERSION + 1}")
    else:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    conn.commit()
    conn.close()
    checkpoint(path)
    digest = _digest(path)
    files = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(localdb.SchemaTooNew) as exc:
        localdb.open_store(path)
    assert _digest(path) == digest
    assert sorted(p.name for p in tmp_path.iterdir()) == files  # no backup, no migration
    err = exc.value
    assert err.code == "store.schema_too_new"
    assert "数据库" in err.message("zh") and "གཞི་གྲངས་མཛོད" in err.message("bo")
    assert err.message("zh") in err.bilingual() and err.message("bo") in err.bilingual()


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(localdb.NotAStore):
        localdb.open_store(junk)
    with pytest.raises(localdb.NotAStore):
        localdb.open_store(tmp_path / "missing.db")


def test_cli_reports_a_newer_database_as_a_json_error(store, capsys) -> None:
    from liangxian.cli import main

    store.close()
    conn = sqlite3.connect(store.path)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    assert main(["search", "--db", str(store.path), "--json", "zx"]) == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out)["errors"][0]["code"] == "store.schema_too_new"
    assert "数据库" in captured.err

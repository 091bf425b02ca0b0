"""Migrations: the models and the migration scripts describe the same schema; a database from the
first schema holding unsynced outbox changes is upgraded to the latest (after an automatic backup)
with nothing lost, every change reading back through ``outbox_batch`` exactly as before (0003 points
the changes at their audit events instead of keeping a copy); a database from a newer app is refused
and left untouched."""

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


def outbox_changes(conn: sqlite3.Connection) -> list[tuple]:
    """Every outbox change (synced or not) with its payload text, on any schema revision: from
    0003 on, the payload of most changes is the ``after`` of their audit event."""
    columns = {r[1] for r in conn.execute("PRAGMA table_info(outbox)")}
    payload = "coalesce(o.payload_json, a.after_json)" if "audit_seq" in columns else "o.payload_json"
    join = "LEFT JOIN audit_events a ON a.seq = o.audit_seq" if "audit_seq" in columns else ""
    return conn.execute(
        f"SELECT o.id, o.entity, o.entity_id, o.op, o.base_version, {payload}, o.created_at, o.synced_at "
        f"FROM outbox o {join} ORDER BY o.seq"
    ).fetchall()


def _first_schema_with_unsynced_data(path: Path) -> dict:
    """A counter database as version 0001 left it: persons, an employer, an application, its audit
    chain and outbox changes (one synced, three not), written the way the 0001 app wrote them: the
    same JSON text in the audit event's ``after`` and in the outbox payload. One change (o-3) has no
    audit event holding its payload verbatim, so 0003 must keep its own copy."""
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
    p1 = '{"id":"p-1","name_zh":"张晓","version":1}'
    p2 = '{"id":"p-2","name_bo":"བཀྲ་ཤིས་སྒྲོལ་མ","name_zh":"扎西卓玛","version":1}'
    a1_received = '{"id":"a-1","receipt_no":"540102-03-20260105-0001","status":"received","version":1}'
    a1_review = '{"id":"a-1","receipt_no":"540102-03-20260105-0001","status":"under_review","version":2}'
    prev = audit.GENESIS
    events = [
        ("person.register", "person", "p-1", None, p1),
        ("person.register", "person", "p-2", None, p2),
        ("application.create", "application", "a-1", None, a1_received),
        ("application.start_review", "application", "a-1", a1_received, a1_review),
    ]
    for seq, (action, entity, entity_id, before_json, after_json) in enumerate(events, start=1):
        row = dict(
            seq=seq,
            id=f"ev-{seq}",
            at=now,
            actor="boss",
            action=action,
            entity=entity,
            entity_id=entity_id,
            before_json=before_json,
            after_json=after_json,
        )
        digest = audit.event_hash(prev, **row)
        conn.execute("INSERT INTO audit_events VALUES (?,?,?,?,?,?,?,?,?,?,?)", (*row.values(), prev, digest))
        prev = digest
    conn.executemany("INSERT INTO settings VALUES (?, ?)", [(audit.HEAD_SEQ, "4"), (audit.HEAD_HASH, prev)])
    outbox = [
        ("o-1", "person", "p-1", "create", None, p1, now, "2026-01-05T03:00:00.000000Z"),
        ("o-2", "person", "p-2", "create", None, p2, now, None),
        ("o-3", "application", "a-1", "create", None, '{"receipt_no":"540102-03-20260105-0001"}', now, None),
        ("o-4", "application", "a-1", "update", 1, a1_review, now, None),
    ]
    conn.executemany(
        "INSERT INTO outbox (id, entity, entity_id, op, base_version, payload_json, created_at, synced_at) "
        "VALUES (?,?,?,?,?,?,?,?)",
        outbox,
    )
    conn.commit()
    changes = outbox_changes(conn)
    snapshot = {
        "outbox": changes,
        # what outbox_batch must return for the unsynced ones, built from the 0001 rows themselves
        "batch": [
            {
                "seq": seq,
                "id": id_,
                "entity": entity,
                "entity_id": entity_id,
                "op": op,
                "base_version": base,
                "payload": json.loads(payload),
                "created_at": created,
                "attempts": 0,
                "last_error": None,
            }
            for seq, (id_, entity, entity_id, op, base, payload, created, synced) in enumerate(changes, 1)
            if synced is None
        ],
        "persons": conn.execute("SELECT id, id_number, name_zh, name_bo FROM persons ORDER BY id").fetchall(),
        "audit": conn.execute("SELECT * FROM audit_events ORDER BY seq").fetchall(),
    }
    conn.close()
    return snapshot


def test_upgrade_from_the_first_schema_keeps_unsynced_changes(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    before = _first_schema_with_unsynced_data(path)
    assert db.schema_state(path) == ("0001", 1)
    assert len(before["batch"]) == 3

    store = localdb.open_store(path)
    try:
        assert db.schema_state(path) == (db.HEAD, db.SCHEMA_VERSION) == ("0009", 9)
        conn = sqlite3.connect(path)
        # every change, synced or not, is there with the same payload text
        assert outbox_changes(conn) == before["outbox"]
        # 0003: the payload held verbatim by an audit event is read from it, not kept twice; the
        # change no event holds keeps its copy
        assert conn.execute(
            "SELECT id, audit_seq, payload_json IS NULL FROM outbox ORDER BY seq"
        ).fetchall() == [
            ("o-1", 1, 1),
            ("o-2", 2, 1),
            ("o-3", None, 0),
            ("o-4", 4, 1),
        ]
        assert (
            conn.execute("SELECT id, id_number, name_zh, name_bo FROM persons ORDER BY id").fetchall()
            == before["persons"]
        )
        assert conn.execute("SELECT * FROM audit_events ORDER BY seq").fetchall() == before["audit"]
        assert conn.execute("SELECT attempts FROM outbox").fetchall() == [(0,)] * 4
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        conn.close()
        assert store.pending_outbox_count() == 3
        # the sync engine reads the unsynced changes exactly as the 0001 rows held them
        assert store.outbox_batch() == before["batch"]
        # the search keys of 0002 were backfilled for the old persons
        assert [r["id"] for r in store.search_persons("zx")] == ["p-1", "p-2"]  # 张晓 exact, 扎西卓玛 prefix
        assert [r["id"] for r in store.search_persons("zxzm")] == ["p-2"]
        assert [r["id"] for r in store.search_persons("bkra shis")] == ["p-2"]
        # and the inner keys of 0008: a given name alone, a syllable inside the Tibetan name
        assert [r["id"] for r in store.search_persons("卓玛")] == ["p-2"]
        assert [r["id"] for r in store.search_persons("sgrol ma")] == ["p-2"]
        # and the app goes on writing on top of the old data, the chain unbroken
        clerk = store.service("boss", today=TODAY)
        assert clerk.record_print("a-1", "receipt") == 0
        lina = clerk.register_person(person_data(id_number=id_number(seq=6), name_zh="李娜"))
        assert store.pending_outbox_count() == 5
        batch = store.outbox_batch()
        assert batch[:3] == before["batch"]
        assert [(b["entity"], b["op"]) for b in batch[3:]] == [("print", "create"), ("person", "create")]
        assert batch[4]["entity_id"] == lina["id"] and batch[4]["payload"] == lina
        conn = sqlite3.connect(path)
        assert audit.verify(conn).ok
        conn.close()
    finally:
        store.close()
    backups = list(tmp_path.glob(f"old.pre-0001-to-{db.HEAD}-*.db"))
    assert len(backups) == 1
    assert db.schema_state(backups[0]) == ("0001", 1)
    conn = sqlite3.connect(backups[0])
    assert conn.execute("SELECT count(*) FROM outbox WHERE synced_at IS NULL").fetchone() == (3,)
    assert outbox_changes(conn) == before["outbox"]
    conn.close()


def test_upgrade_from_0002_moves_real_payloads_onto_their_audit_events(tmp_path: Path) -> None:
    """A database the 0002 app wrote (its real service layer: a copy of every payload in the outbox)
    comes through 0003 with every change pointing at its audit event, none left with a copy, and
    ``outbox_batch`` returning exactly what it returned before."""
    from tests.support.store_data import application_data, employer_data

    path = tmp_path / "v2.db"
    store = localdb.init_store(
        path, region="lhasa", county_code="540102", counter_no=3, admin_username="boss", admin_password=None
    )
    try:
        boss = store.service("boss", today=TODAY)
        boss.register_employer(employer_data())
        boss.register_person(person_data())
        boss.bulk_register_persons(person_data(id_number=id_number(seq=s)) for s in range(10, 14))
        app = boss.create_application(application_data())
        boss.start_review(app["id"])
        boss.record_print(app["id"], "receipt")
        boss.record_print(app["id"], "receipt")
        expected = store.outbox_batch(1000)
    finally:
        store.close()
    # the same data as the 0002 app kept it: payload copies in the outbox, no audit_seq
    conn = sqlite3.connect(path)
    rows = outbox_changes(conn)
    conn.close()
    old = tmp_path / "old2.db"
    engine = db.make_engine(old)
    db.upgrade(engine, "0002")
    engine.dispose()
    conn = sqlite3.connect(old)
    conn.execute("ATTACH ? AS new", (str(path),))
    tables = (
        *("counties", "counters", "settings", "users", "employers", "persons", "enrollments"),
        *("applications", "status_changes", "decisions", "documents_received", "receipt_sequences"),
        *("print_records", "audit_events"),
    )
    for table in tables:  # the columns the 0002 schema has (later revisions add some)
        cols = ", ".join(r[1] for r in conn.execute(f"PRAGMA table_info({table})"))
        conn.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM new.{table}")
    conn.executemany(
        "INSERT INTO outbox (id, entity, entity_id, op, base_version, payload_json, created_at, synced_at) "
        "VALUES (?,?,?,?,?,?,?,?)",
        rows,
    )
    conn.commit()
    conn.execute("DETACH new")
    assert conn.execute("SELECT count(*) FROM outbox WHERE payload_json IS NULL").fetchone() == (0,)
    conn.close()

    store = localdb.open_store(old)
    try:
        assert store.outbox_batch(1000) == expected
    finally:
        store.close()
    conn = sqlite3.connect(old)
    try:
        assert outbox_changes(conn) == rows
        assert conn.execute("SELECT count(*) FROM outbox WHERE payload_json IS NOT NULL").fetchone() == (0,)
        linked = conn.execute(
            "SELECT o.entity, o.entity_id, a.entity, a.entity_id FROM outbox o JOIN audit_events a "
            "ON a.seq = o.audit_seq"
        ).fetchall()
        assert len(linked) == len(rows) and all(o[:2] == o[2:] for o in linked)
        assert audit.verify(conn).ok
    finally:
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

"""A database file is untrusted input (issue 16, finding 1): open, ``doctor`` and ``restore`` refuse a
file whose schema is not exactly what our migrations make (an added trigger, a dropped audit
trigger, a recursive view, …) untouched and in bounded time; ``restore`` takes only a backup this
counter made (its signed manifest), never onto itself; an admin may restore another with a recorded
reason, the schema check still applied. Files are created readable by their owner only (finding 11).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

import localdb
from forms.errors import ValidationFailed
from liangxian.cli import main
from liangxian.keys import provision_counter_key
from localdb import db, maintenance
from localdb.errors import (
    BackupFromOtherCounter,
    BackupKeyMismatch,
    BackupManifestInvalid,
    BackupManifestMissing,
    BackupSignatureInvalid,
    BackupUnsigned,
    ForeignSchema,
    PermissionDenied,
    RestoreOntoItself,
    StoreTimeout,
)
from tests.support.credentials import as_user
from tests.support.store_data import TODAY, checkpoint, id_number, person_data

ROOT = Path(__file__).resolve().parents[2]

#: what a hostile file may carry, each as the SQL that makes it from a sound database
FOREIGN = {
    "trigger_sets_allowance": (
        "CREATE TRIGGER decisions_fix AFTER INSERT ON decisions BEGIN "
        "UPDATE decisions SET allowance = '999999.00' WHERE id = new.id; END"
    ),
    "audit_trigger_dropped": "DROP TRIGGER audit_events_no_delete",
    "audit_trigger_emptied": (
        "DROP TRIGGER audit_events_no_update; CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON "
        "audit_events BEGIN SELECT 1; END"
    ),
    "outbox_recursive_view": (
        "DROP INDEX ix_outbox_synced_at; DROP TABLE outbox; CREATE VIEW outbox AS WITH RECURSIVE r(n) AS "
        "(SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n AS seq, n AS synced_at FROM r"
    ),
    "extra_view": "CREATE VIEW everyone AS SELECT id_number, name_zh FROM persons",
    "extra_table": "CREATE TABLE exfil (x TEXT)",
    "extra_column": "ALTER TABLE persons ADD COLUMN note TEXT",
    "extra_index": "CREATE INDEX ix_persons_phone ON persons (phone)",
    "index_dropped": "DROP INDEX ix_persons_name_zh",
}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _make_foreign(path: Path, kind: str) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(FOREIGN[kind])
    conn.commit()
    conn.close()
    checkpoint(path)


@pytest.fixture
def signed(store, memory_keyring):
    """The store with its counter key in the (in-memory) keyring: heads and backups are signed."""
    provision_counter_key(store, "boss")
    return store


def _backup(store, tmp_path: Path, name: str = "b.db") -> Path:
    out = maintenance.backup(store.path, tmp_path / name)
    assert out["signed"]
    return Path(out["backup"])


# --- the schema is ours, or the file is refused ---------------------------------------------------


@pytest.mark.parametrize("kind", sorted(FOREIGN))
def test_a_foreign_schema_is_refused_by_open_doctor_and_restore_untouched(store, tmp_path, kind) -> None:
    store.close()
    hostile = tmp_path / "hostile.db"
    shutil.copyfile(store.path, hostile)
    _make_foreign(hostile, kind)
    digest, files = _digest(hostile), sorted(p.name for p in tmp_path.iterdir())
    started = time.monotonic()
    with pytest.raises(ForeignSchema) as exc:
        localdb.open_store(hostile)
    assert exc.value.code == "store.schema_foreign"
    assert "数据库" in exc.value.message("zh") and "གཞི་གྲངས་མཛོད" in exc.value.message("bo")
    with pytest.raises(ForeignSchema):
        maintenance.doctor(hostile)
    with pytest.raises(ForeignSchema):
        maintenance.restore(
            hostile, store.path, admin="boss", admin_password="s3cret", reason="the schema check stays"
        )
    with pytest.raises(ForeignSchema):
        maintenance.backup(hostile, tmp_path / "copy.db")
    assert time.monotonic() - started < 10
    assert _digest(hostile) == digest and sorted(p.name for p in tmp_path.iterdir()) == files
    assert localdb.open_store(store.path).find_person(person_data()["id_number"]) is None  # target intact


def test_the_schema_check_knows_every_revision(tmp_path) -> None:
    """A sound file of any older revision passes (it is then migrated)."""
    from localdb import schema

    for revision in db.REVISIONS:
        path = tmp_path / f"r{revision}.db"
        engine = db.make_engine(path)
        db.upgrade(engine, revision)
        engine.dispose()
        assert schema.check(path) == revision


@pytest.mark.parametrize("command", ["doctor", "restore"])
def test_cli_on_a_recursive_outbox_view_returns_at_once_with_a_coded_error(store, tmp_path, command) -> None:
    """It used to never return: now a subprocess, with a watchdog, exits 2 with the coded error."""
    store.close()
    hostile = tmp_path / "hostile.db"
    shutil.copyfile(store.path, hostile)
    _make_foreign(hostile, "outbox_recursive_view")
    args = ["doctor", "--db", str(hostile)]
    if command == "restore":
        args = ["restore", "--db", str(store.path), "--from", str(hostile)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "liangxian", *args], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 2, proc.stderr
    assert json.loads(proc.stdout)["errors"][0]["code"] == "store.schema_foreign"
    assert time.monotonic() - started < 30


def test_whole_file_reads_stop_at_their_deadline(store, clerk, tmp_path) -> None:
    """The backstop behind the schema check: a statement running past the deadline is interrupted
    (StoreTimeout, coded) — here a recursive query and a doctor given no time at all."""
    conn = db.raw_connect(store.path, readonly=True)
    started = time.monotonic()
    with pytest.raises(StoreTimeout) as exc, db.bounded(conn, 0.3, "test"):
        conn.execute(
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r"
        ).fetchone()
    conn.close()
    assert time.monotonic() - started < 5 and exc.value.code == "store.timeout"
    clerk.bulk_register_persons(person_data(id_number=id_number(seq=s)) for s in range(2, 200, 2))
    with pytest.raises(StoreTimeout):
        maintenance.doctor(store.path, deadline_s=0.0)


def test_alembic_version_as_a_view_is_not_a_store(store, tmp_path) -> None:
    store.close()
    conn = sqlite3.connect(store.path)
    conn.executescript(
        "DROP TABLE alembic_version; CREATE VIEW alembic_version AS WITH RECURSIVE r(n) AS "
        "(SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n AS version_num FROM r"
    )
    conn.close()
    with pytest.raises(localdb.NotAStore):
        maintenance.doctor(store.path)


# --- restore takes only this counter's own backup --------------------------------------------------


def test_backup_writes_a_signed_manifest(signed, clerk, tmp_path) -> None:
    clerk.register_person(person_data())
    backup = _backup(signed, tmp_path)
    manifest = json.loads(maintenance.manifest_path(backup).read_text())
    counter = signed.counter
    assert manifest["region"] == "lhasa" and manifest["county_code"] == "540102"
    assert manifest["counter_id"] == counter.id and manifest["counter_no"] == 3
    assert manifest["sha256"] == _digest(backup)
    assert manifest["public_key_b64"] == counter.public_key_b64 and manifest["signature"]
    conn = sqlite3.connect(backup)
    assert manifest["audit_head"] == dict(
        zip(
            ("seq", "hash"),
            conn.execute("SELECT seq, hash FROM audit_events ORDER BY seq DESC").fetchone(),
            strict=True,
        )
    )
    conn.close()


def test_restore_of_this_counters_backup(signed, clerk, tmp_path) -> None:
    clerk.register_person(person_data())
    backup = _backup(signed, tmp_path)
    clerk.register_person(person_data(id_number=id_number(seq=4)))
    out = maintenance.restore(backup, signed.path)
    assert out["manifest_verified"] and out["overridden"] == [] and out["previous_kept_as"]
    assert signed.find_person(id_number(seq=4)) is None
    assert signed.find_person(person_data()["id_number"]) is not None
    kept = localdb.open_store(out["previous_kept_as"])
    assert kept.find_person(id_number(seq=4)) is not None
    kept.close()
    report = maintenance.doctor(signed.path)
    assert report["ok"] and report["audit"]["signed"], report


def test_restore_onto_itself_is_refused_at_once(signed, tmp_path) -> None:
    """``restore --db a.db --from a.db`` used to hang."""
    signed.close()
    link = tmp_path / "same.db"
    link.symlink_to(signed.path)
    for source in (signed.path, link, Path(str(signed.path).replace("/counter.db", "/./counter.db"))):
        started = time.monotonic()
        with pytest.raises(RestoreOntoItself):
            maintenance.restore(source, signed.path)
        assert time.monotonic() - started < 2
    assert main(["restore", "--db", str(signed.path), "--from", str(signed.path)]) == 2


def test_restore_refuses_a_backup_without_its_manifest(signed, tmp_path) -> None:
    backup = _backup(signed, tmp_path)
    maintenance.manifest_path(backup).unlink()
    with pytest.raises(BackupManifestMissing):
        maintenance.restore(backup, signed.path)
    assert not list(tmp_path.glob("*.pre-restore-*"))


def test_restore_refuses_a_backup_changed_after_it_was_made(signed, clerk, tmp_path) -> None:
    backup = _backup(signed, tmp_path)
    shutil.copyfile(backup, tmp_path / "b2.db")
    shutil.copyfile(maintenance.manifest_path(backup), maintenance.manifest_path(tmp_path / "b2.db"))
    conn = sqlite3.connect(backup)  # a change no other check sees: only the manifest's SHA-256
    conn.execute("INSERT INTO sync_state VALUES ('server_url', 'https://evil.example', 'x')")
    conn.commit()
    conn.close()
    with pytest.raises(BackupManifestInvalid) as exc:
        maintenance.restore(backup, signed.path)
    assert exc.value.code == "store.backup_manifest_invalid"
    conn = sqlite3.connect(tmp_path / "b2.db")  # a clerk made admin: the row no longer matches its audit
    conn.execute("UPDATE users SET role = 'admin' WHERE username = 'clerk1'")
    conn.commit()
    conn.close()
    with pytest.raises(localdb.errors.RestoreRefused):
        maintenance.restore(tmp_path / "b2.db", signed.path)


def test_restore_refuses_a_manifest_signed_with_another_key(signed, tmp_path) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from localdb.signing import Signer

    intruder = Signer.from_private(signed.counter.id, Ed25519PrivateKey.generate())
    out = maintenance.backup(signed.path, tmp_path / "b.db", signer=intruder)
    with pytest.raises(BackupSignatureInvalid):
        maintenance.restore(out["backup"], signed.path)


def test_restore_refuses_an_unsigned_backup(store, tmp_path) -> None:
    """No keyring, no key: the manifest is unsigned and only an admin can restore it."""
    out = maintenance.backup(store.path, tmp_path / "b.db", signer=None)
    assert not out["signed"]
    with pytest.raises(BackupUnsigned):
        maintenance.restore(out["backup"], store.path)
    done = maintenance.restore(
        out["backup"], store.path, admin="boss", admin_password="s3cret", reason="no keyring on this box"
    )
    assert done["overridden"] == ["store.backup_unsigned"]


def test_restore_refuses_another_counters_backup(signed, tmp_path, memory_keyring) -> None:
    """A Lianyungang backup over a Lhasa counter was restored (exit 0)."""
    other = localdb.init_store(
        tmp_path / "lyg.db",
        region="lianyungang",
        county_code="320706",
        counter_no=1,
        admin_username="boss",
        admin_password=None,
    )
    provision_counter_key(other, "boss")
    backup = _backup(other, tmp_path, "lyg-backup.db")
    other.close()
    with pytest.raises(BackupFromOtherCounter) as exc:
        maintenance.restore(backup, signed.path)
    assert "lianyungang" in exc.value.message("en") and exc.value.message("bo")
    code = main(["restore", "--db", str(signed.path), "--from", str(backup)])
    assert code == 2
    assert signed.region == "lhasa" and localdb.open_store(signed.path).region == "lhasa"


def test_an_admin_restores_onto_a_new_machine_with_a_recorded_reason(signed, clerk, tmp_path, capsys) -> None:
    clerk.register_person(person_data())
    backup = _backup(signed, tmp_path)
    target = tmp_path / "new-machine" / "counter.db"
    # the manifest cannot be checked where there is no counter yet: an admin's decision
    with pytest.raises(BackupUnsigned):
        maintenance.restore(backup, target)
    with pytest.raises(ValidationFailed):
        maintenance.restore(backup, target, admin="boss", admin_password="s3cret", reason="  ")
    with pytest.raises(PermissionDenied):
        maintenance.restore(backup, target, admin="clerk1", admin_password="pw-clerk", reason="old PC died")
    assert not target.exists()
    code = main(
        [
            *("restore", "--db", str(target), "--from", str(backup)),
            *as_user(tmp_path, "boss"),
            *("--reason", "old PC died"),
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["by"] == "boss" and out["overridden"] == ["store.backup_unsigned"]
    restored = localdb.open_store(target)
    try:
        assert restored.find_person(person_data()["id_number"]) is not None
    finally:
        restored.close()
    conn = sqlite3.connect(target)
    actor, after = conn.execute(
        "SELECT actor, after_json FROM audit_events WHERE action = 'store.restore'"
    ).fetchone()
    conn.close()
    assert actor == "boss" and json.loads(after)["reason"] == "old PC died"


def test_a_rewritten_backup_is_refused_even_with_its_manifest_regenerated(signed, clerk, tmp_path) -> None:
    """The whole chain rewritten (unkeyed SHA-256 recomputed) and a fresh manifest made for it without
    the key: the signed heads no longer match, and the manifest is not signed by the counter."""
    from tests.support.hostile import rewrite_chain

    clerk.register_person(person_data())
    backup = _backup(signed, tmp_path)
    rewrite_chain(backup, "UPDATE persons SET name_zh = '王五'", "person.register", {"name_zh": "王五"})
    with pytest.raises(localdb.errors.RestoreRefused):
        maintenance.restore(backup, signed.path)


# --- files holding personal data are the owner's only ------------------------------------------------


def _mode(path: Path | str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_database_backups_manifests_and_copies_are_created_0600(tmp_path, memory_keyring, umask) -> None:
    old = os.umask(umask)
    try:
        path = tmp_path / "c.db"
        st = localdb.init_store(
            path,
            region="lhasa",
            county_code="540102",
            counter_no=3,
            admin_username="boss",
            admin_password="s3cret",
        )
        provision_counter_key(st, "boss")
        st.service("boss", today=TODAY).add_user("clerk1", "clerk", None)
        sides = [Path(f"{path}-wal"), Path(f"{path}-shm")]
        assert {str(p): oct(_mode(p)) for p in sides} == {str(p): "0o600" for p in sides}
        made = [path]
        out = maintenance.backup(path, tmp_path / "b.db")
        made += [Path(out["backup"]), Path(out["manifest"])]
        done = maintenance.restore(out["backup"], path)
        made += [Path(done["previous_kept_as"])]
        elsewhere = tmp_path / "new" / "c.db"
        maintenance.restore(out["backup"], elsewhere, admin="boss", admin_password="s3cret", reason="test")
        made += [elsewhere]
        st.close()
        assert {str(p): oct(_mode(p)) for p in made} == {str(p): "0o600" for p in made}
    finally:
        os.umask(old)


def test_an_existing_world_readable_database_is_made_private_when_opened(store) -> None:
    store.close()
    os.chmod(store.path, 0o644)
    localdb.open_store(store.path).close()
    assert _mode(store.path) == 0o600


def test_migration_backup_is_private(tmp_path) -> None:
    from test_store_migrations import _first_schema_with_unsynced_data

    path = tmp_path / "old.db"
    _first_schema_with_unsynced_data(path)
    localdb.open_store(path).close()
    (backup,) = tmp_path.glob("old.pre-*.db")
    assert _mode(backup) == 0o600


def test_the_schema_snapshot_is_what_the_migrations_make() -> None:
    """After adding or changing a migration: ``python -m localdb.schema`` rewrites the snapshot (until
    then the schema is built from the migrations at every start, correct but slower)."""
    from localdb import schema

    assert schema._snapshot(), "localdb/schema_snapshot.json is stale: run python -m localdb.schema"
    for revision in db.REVISIONS:
        assert schema.expected(revision) == schema.built(revision), revision


def test_a_tampered_target_is_repaired_only_by_an_admin(signed, tmp_path) -> None:
    """A live database with a foreign trigger cannot vouch for the backup's key: an admin restores
    over it, and the result is ours again."""
    backup = _backup(signed, tmp_path)
    signed.close()
    _make_foreign(signed.path, "trigger_sets_allowance")
    with pytest.raises(BackupUnsigned):
        maintenance.restore(backup, signed.path)
    out = maintenance.restore(
        backup, signed.path, admin="boss", admin_password="s3cret", reason="foreign trigger found"
    )
    assert out["overridden"] == ["store.backup_unsigned"]
    assert maintenance.doctor(signed.path)["ok"]


def test_a_malformed_schema_is_a_coded_refusal_not_a_traceback(store, tmp_path, capsys) -> None:
    store.close()
    conn = sqlite3.connect(store.path)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = 'CREATE TABLE persons (' WHERE name = 'persons'")
    conn.commit()
    conn.close()
    for command in (["doctor"], ["audit", "verify"], ["search", "--json", "zx"]):
        assert main([*command, "--db", str(store.path)]) == 2, command
        assert json.loads(capsys.readouterr().out)["errors"][0]["code"] == "store.not_initialised"


# --- an admin's override never vouches for another key (issue 24, finding 5) --------------------------


@pytest.fixture
def real_signed(store, real_keyring):
    """The store with its counter key in the session's real gnome-keyring (the keyring is left as it
    was after the test: tests that replace the key stand for another machine's keyring)."""
    counter_id = store.counter.id
    kept = real_keyring.get_password("liangxian", f"counter-signing-key:{counter_id}")
    provision_counter_key(store, "boss")
    store.reload_signer()
    try:
        yield store
    finally:
        if kept is None:
            real_keyring.delete_password("liangxian", f"counter-signing-key:{counter_id}")
        else:
            real_keyring.set_password("liangxian", f"counter-signing-key:{counter_id}", kept)


def _forged_backup(store, clerk, tmp_path: Path) -> Path:
    """A backup of ``store`` rewritten by someone without the keyring: a person renamed, the counter's
    key replaced by the forger's, the whole hash chain recomputed, every head and the manifest signed
    with the forger's key — a database sound in itself."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from localdb.signing import Signer
    from tests.support.hostile import rewrite_chain

    clerk.register_person(person_data())
    raw = _backup(store, tmp_path, "raw.db")
    forger = Signer.from_private(store.counter.id, Ed25519PrivateKey.generate())
    rewrite_chain(raw, "UPDATE persons SET name_zh = '王五'", "person.register", {"name_zh": "王五"})
    rewrite_chain(
        raw,
        f"UPDATE counters SET public_key_b64 = '{forger.public_key_b64}'",
        "counter.set_key",
        {"public_key_b64": forger.public_key_b64},
        heads="resigned",
        signer=forger,
    )
    forged = maintenance.backup(raw, tmp_path / "forged.db", signer=forger)
    assert forged["signed"]
    report = maintenance.doctor(forged["backup"], trusted_public_key=None)  # sound in itself
    assert report["ok"] and report["audit"]["signed"], report
    return Path(forged["backup"])


def test_an_admin_override_refuses_a_fully_re_signed_forged_backup(real_signed, tmp_path, capsys) -> None:
    """`restore --as ADMIN --reason` skipped the comparison with the keyring's key: a forged backup
    re-signed with another key was restored, and the counter then signed slips for its data."""
    clerk = real_signed.service("clerk1", today=TODAY)
    forged = _forged_backup(real_signed, clerk, tmp_path)
    with pytest.raises(localdb.errors.RestoreRefused):  # its heads are not signed with our key
        maintenance.restore(forged, real_signed.path)
    with pytest.raises(BackupKeyMismatch) as exc:
        maintenance.restore(forged, real_signed.path, admin="boss", admin_password="s3cret", reason="x")
    assert exc.value.code == "store.backup_key_mismatch" and exc.value.message("bo")
    new_machine = tmp_path / "new-machine" / "counter.db"
    with pytest.raises(BackupKeyMismatch):  # nor onto a new machine whose keyring holds this key
        maintenance.restore(forged, new_machine, admin="boss", admin_password="s3cret", reason="x")
    assert not new_machine.exists() and not list(tmp_path.glob("*.pre-restore-*"))
    real_signed.close()
    code = main(
        [
            *("restore", "--db", str(real_signed.path), "--from", str(forged)),
            *as_user(tmp_path, "boss"),
            *("--reason", "old PC died"),
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 2 and [e["code"] for e in out["errors"]] == ["store.backup_key_mismatch"]
    assert all(out["errors"][0][f"message_{lang}"] for lang in ("zh", "bo", "en"))
    with localdb.open_store(real_signed.path) as store:
        assert store.find_person(person_data()["id_number"])["name_zh"] != "王五"
    assert maintenance.doctor(real_signed.path)["ok"]


def test_a_backup_of_a_replaced_key_is_restored_after_an_audited_rekey(
    real_signed, real_keyring, tmp_path, capsys
) -> None:
    """A new machine whose keyring holds a new key for this counter: the old machine's genuine backup
    is refused even by an admin until she re-keys a copy of it (`key rekey`, audited with a reason);
    then it restores, its old heads still verify and the restored counter prints and verifies."""
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from liangxian.keys import load_counter_key, public_key_b64

    clerk = real_signed.service("clerk1", today=TODAY)
    clerk.register_person(person_data())
    backup = _backup(real_signed, tmp_path)
    old_key = real_signed.counter.public_key_b64
    counter_id = real_signed.counter.id
    real_signed.close()
    # the new machine's keyring: another key for the same counter
    new_private = Ed25519PrivateKey.generate()
    raw = new_private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    real_keyring.set_password(
        "liangxian", f"counter-signing-key:{counter_id}", base64.b64encode(raw).decode()
    )
    new_key = public_key_b64(new_private.public_key())
    target = tmp_path / "new-machine" / "counter.db"
    with pytest.raises(BackupKeyMismatch):
        maintenance.restore(backup, target, admin="boss", admin_password="s3cret", reason="old PC died")

    copy = tmp_path / "rekeyed.db"
    shutil.copyfile(backup, copy)
    rekey = ["key", "rekey", "--db", str(copy), *as_user(tmp_path, "boss")]
    with pytest.raises(SystemExit):  # the reason is required
        main(rekey)
    capsys.readouterr()
    assert main([*rekey, "--reason", "  "]) == 2
    assert json.loads(capsys.readouterr().out)["errors"][0]["code"] == "reason.required"
    assert (
        main(["key", "rekey", "--db", str(copy), *as_user(tmp_path, "clerk1", "pw-clerk"), "--reason", "x"])
        == 2
    )
    assert json.loads(capsys.readouterr().out)["errors"][0]["code"] == "auth.forbidden"
    assert main([*rekey, "--reason", "old PC died, new keyring"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rekeyed"] and out["by"] == "boss" and out["reason"] == "old PC died, new keyring"
    assert out["previous_public_key_b64"] == old_key and out["public_key_b64"] == new_key
    assert out["counter"]["public_key_b64"] == new_key
    assert main([*rekey, "--reason", "again"]) == 0  # already the keyring's key: nothing written
    assert json.loads(capsys.readouterr().out)["rekeyed"] is False

    done = maintenance.restore(copy, target, admin="boss", admin_password="s3cret", reason="old PC died")
    assert done["overridden"] == ["store.backup_manifest_missing"]  # a copy has no manifest
    report = maintenance.doctor(target)  # against the new keyring key
    assert report["ok"] and report["audit"]["signed"] and not report["warnings"], report
    conn = sqlite3.connect(target)
    events = conn.execute(
        "SELECT actor, before_json, after_json FROM audit_events WHERE action = 'counter.rekey'"
    ).fetchall()
    conn.close()
    assert len(events) == 1 and events[0][0] == "boss"
    assert json.loads(events[0][1])["public_key_b64"] == old_key
    assert json.loads(events[0][2])["reason"] == "old PC died, new keyring"
    with localdb.open_store(target) as store:
        assert store.find_person(person_data()["id_number"]) is not None
        assert load_counter_key(counter_id).public_key() is not None


def test_key_create_does_not_replace_another_key_the_database_holds(
    real_signed, real_keyring, tmp_path, capsys
) -> None:
    """`key create` used to overwrite the database's key with the keyring's, unaudited and without a
    reason: replacing a key is `key rekey`."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from liangxian.keys import public_key_b64

    real_signed.service("boss").set_counter_public_key(
        public_key_b64(Ed25519PrivateKey.generate().public_key())
    )
    held = real_signed.counter.public_key_b64
    real_signed.close()
    assert main(["key", "create", "--db", str(real_signed.path), *as_user(tmp_path, "boss")]) == 2
    assert json.loads(capsys.readouterr().out)["errors"][0]["code"] == "keyring.key_mismatch"
    with localdb.open_store(real_signed.path) as store:
        assert store.counter.public_key_b64 == held

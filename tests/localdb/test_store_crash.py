"""Crash safety: a child process writes applications in a loop and is killed with SIGKILL at random
moments, 50 times. After each kill the database opens, passes integrity_check and the audit chain,
and every application the child had reported as committed is there with its audit event and outbox
change (synchronous=FULL in WAL mode: an acknowledged write survives). ``restore`` killed at random
points leaves the old database or the restored one, whole."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import signal
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import text

import localdb
from localdb import audit
from tests.support.store_data import TODAY, application_data, id_number, person_data

KILLS = 50
#: the child's applicants: one claim per event, so the writes spread over these persons and the days
#: before TODAY (person × event date stays unique across every child, see ``_child``)
APPLICANTS = [id_number(seq=s) for s in range(2, 42, 2)]


def _child(path: str, out_fd: int) -> None:
    """Runs in the forked child: open the store and write applications until killed."""
    try:
        store = localdb.open_store(path)
        svc = store.service("clerk1", today=TODAY)
        # carry on after the applications earlier children committed (acknowledged or not)
        with store._read() as s:
            n = s.execute(text("SELECT count(*) FROM applications")).scalar_one()
        os.write(out_fd, b"ready\n")
        while True:
            applicant, days = APPLICANTS[n % len(APPLICANTS)], 20 + n // len(APPLICANTS)
            n += 1
            event_date = (TODAY - dt.timedelta(days=days)).isoformat()
            app = svc.create_application(application_data(id_number=applicant, event_date=event_date))
            # reported only after the commit returned: this is the acknowledgement the test checks
            os.write(out_fd, f"{app['id']} {app['receipt_no']}\n".encode())
    except BaseException:  # pragma: no cover - only in the child
        os._exit(3)
    os._exit(0)  # pragma: no cover


def _wait_ready(read_fd: int, timeout: float = 300.0, mark: bytes = b"ready\n") -> bytes:
    """What the child wrote up to its ``ready`` line (it has opened the store): on a loaded machine
    opening alone can take longer than the kill window, and nothing would be written at all. With
    ``mark=b"\n"`` after the ready line: up to its first acknowledged write."""
    import select

    data = b""
    deadline = time.monotonic() + timeout
    while mark not in data and time.monotonic() < deadline:
        if select.select([read_fd], [], [], 0.1)[0]:
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            data += chunk
    return data


def _reported(read_fd: int, prefix: bytes = b"") -> list[tuple[str, str]]:
    chunks = [prefix]
    while True:
        data = os.read(read_fd, 65536)
        if not data:
            break
        chunks.append(data)
    lines = b"".join(chunks).decode().split("\n")
    return [tuple(line.split(" ")) for line in lines[:-1] if line and line != "ready"]  # last may be cut


@pytest.mark.heavy
def test_sigkill_never_loses_an_acknowledged_write(store, clerk) -> None:
    assert clerk.bulk_register_persons(person_data(id_number=number) for number in APPLICANTS) == len(
        APPLICANTS
    )
    path = str(store.path)
    store.close()
    rng = random.Random(20261128)
    acknowledged: dict[str, str] = {}
    mid_write = 0
    for kill in range(KILLS):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            os.close(read_fd)
            _child(path, write_fd)
        os.close(write_fd)
        # one kill in five while opening, the others mid-write once the store is open
        # (mid-write: once it has acknowledged a write, so that a loaded machine's slower writes
        # still leave the kill among them)
        head = b""
        if rng.random() >= 0.2:
            head = _wait_ready(read_fd)
            head += _wait_ready(read_fd, mark=b"\n") if head.endswith(b"ready\n") else b""
            mid_write += 1
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (
            f"child ended early ({status})"
        )
        reported = _reported(read_fd, head)
        os.close(read_fd)
        acknowledged.update(dict(reported))

        conn = sqlite3.connect(path)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)], f"kill {kill}"
            rows = dict(conn.execute("SELECT id, receipt_no FROM applications"))
            missing = {a for a in acknowledged if a not in rows}
            assert not missing, f"kill {kill}: acknowledged but lost: {missing}"
            assert all(rows[a] == r for a, r in acknowledged.items())
            audited = {
                r[0]
                for r in conn.execute(
                    "SELECT entity_id FROM audit_events WHERE action = 'application.create'"
                )
            }
            # the outbox change's payload is its audit event's ``after`` (schema 0003): the change
            # counts only if that event is there, is about the same application and carries it
            queued = {
                entity_id: json.loads(payload)["receipt_no"]
                for entity_id, payload in conn.execute(
                    "SELECT o.entity_id, coalesce(o.payload_json, a.after_json) FROM outbox o "
                    "LEFT JOIN audit_events a ON a.seq = o.audit_seq "
                    "WHERE o.entity = 'application' AND o.op = 'create' "
                    "AND (o.audit_seq IS NULL OR (a.entity = 'application' AND a.entity_id = o.entity_id))"
                )
                if payload is not None
            }
            # every committed application (acknowledged or not) has its audit event and outbox change
            assert set(rows) <= audited and set(rows) <= set(queued), f"kill {kill}"
            assert all(queued[a] == r for a, r in rows.items()), f"kill {kill}"
            assert conn.execute("PRAGMA foreign_key_check(outbox)").fetchall() == [], f"kill {kill}"
            assert len(set(rows.values())) == len(rows)  # receipt numbers stay unique
            assert audit.verify(conn).ok, f"kill {kill}"
        finally:
            conn.close()
    final = localdb.open_store(path)
    try:
        assert final.pending_outbox_count() >= len(acknowledged)
    finally:
        final.close()
    logging.getLogger(__name__).info("%d acknowledged writes survived %d kills", len(acknowledged), KILLS)
    assert len(acknowledged) >= mid_write > KILLS // 2  # the child really was writing when killed


@pytest.mark.heavy
def test_sigkill_during_the_migration_at_start_loses_nothing(tmp_path) -> None:
    """Killed while backing up or migrating a first-schema database: the next start migrates it
    again from scratch (DDL is transactional) and the unsynced outbox changes are all there."""
    from test_store_migrations import _first_schema_with_unsynced_data, outbox_changes

    from localdb import db

    rng = random.Random(7)
    for attempt in range(10):
        path = tmp_path / f"old{attempt}.db"
        before = _first_schema_with_unsynced_data(path)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            try:
                localdb.open_store(path).close()
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.0, 0.15))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        store = localdb.open_store(path)
        try:
            assert db.schema_state(path) == (db.HEAD, db.SCHEMA_VERSION)
            assert store.pending_outbox_count() == 3
            assert store.outbox_batch() == before["batch"]
        finally:
            store.close()
        conn = sqlite3.connect(path)
        try:
            assert outbox_changes(conn) == before["outbox"]
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        finally:
            conn.close()
        for backup in tmp_path.glob(f"old{attempt}.pre-*.db"):  # a finished backup is a whole database
            conn = sqlite3.connect(backup)
            try:
                assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
                assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (4,)
            finally:
                conn.close()


RESTORE_KILLS = 30


def _persons(path: str) -> frozenset[str]:
    conn = sqlite3.connect(path)
    try:
        return frozenset(r[0] for r in conn.execute("SELECT id_number FROM persons"))
    finally:
        conn.close()


@pytest.mark.heavy
def test_sigkill_during_restore_leaves_the_old_database_or_the_restored_one_whole(
    store, clerk, tmp_path, memory_keyring
) -> None:
    """Killed at random points of ``restore`` (checks, the pre-restore copy, the copy itself, the
    audit event after it): the database opens sound and holds exactly the old persons or exactly the
    backup's, never a mixture; the audit chain and its signed heads verify."""
    import shutil

    from liangxian.keys import provision_counter_key
    from localdb import maintenance
    from tests.support.store_data import checkpoint

    provision_counter_key(store, "boss")
    clerk.bulk_register_persons(person_data(id_number=number) for number in APPLICANTS[:8])
    backup = tmp_path / "b.db"
    maintenance.backup(store.path, backup)
    clerk.bulk_register_persons(person_data(id_number=number) for number in APPLICANTS[8:])
    store.close()
    checkpoint(store.path)
    old = tmp_path / "old.db"
    shutil.copyfile(store.path, old)
    old_persons, backup_persons = _persons(str(old)), _persons(str(backup))
    assert old_persons != backup_persons
    # how long one restore takes here, so that the kills spread over all of it
    target = str(tmp_path / "t.db")
    shutil.copyfile(old, target)
    started = time.monotonic()
    maintenance.restore(backup, target)
    took = time.monotonic() - started
    rng = random.Random(20261201)
    outcomes = {"old": 0, "restored": 0}
    kill = 0
    # at least RESTORE_KILLS kills, and on until some fell before and some after the copy (on a
    # loaded machine a restore takes longer than the one measured)
    while kill < RESTORE_KILLS or (not all(outcomes.values()) and kill < 3 * RESTORE_KILLS):
        kill += 1
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        for kept in tmp_path.glob("t.pre-*"):
            kept.unlink()
        shutil.copyfile(old, target)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            try:
                maintenance.restore(backup, target)
            finally:
                os._exit(0)
        # the window follows what the kills find: a child restores slower than the parent's measured
        # run on a loaded machine (widen until some finish), or faster (narrow until some do not)
        window = took * 1.3
        if not outcomes["restored"]:
            window *= 1 + kill / 10
        elif not outcomes["old"]:
            window /= 1 + kill / 10
        time.sleep(rng.uniform(0.0, window))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        conn = sqlite3.connect(target)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)], f"kill {kill}"
            report = audit.verify(conn)
            assert report.ok, (kill, report.to_json())
        finally:
            conn.close()
        persons = _persons(target)
        assert persons in (old_persons, backup_persons), f"kill {kill}: a mixture"
        outcomes["old" if persons == old_persons else "restored"] += 1
        maintenance.doctor(target)  # opens, schema ours, readable whole
    logging.getLogger(__name__).info("restore killed %d times: %s", kill, outcomes)
    assert outcomes["old"] and outcomes["restored"], outcomes  # kills fell before and after the copy


@pytest.mark.heavy
def test_sigkill_during_restore_into_a_new_place_leaves_nothing_or_the_whole_database(
    store, clerk, tmp_path
) -> None:
    """A new machine (an admin's restore): killed at random, the target is absent or whole, and a
    next attempt is never blocked by a half-made file."""
    from localdb import maintenance

    clerk.bulk_register_persons(person_data(id_number=number) for number in APPLICANTS)
    backup = tmp_path / "b.db"
    maintenance.backup(store.path, backup, signer=None)
    store.close()
    expected = _persons(str(backup))
    rng = random.Random(7)
    started = time.monotonic()
    maintenance.restore(
        backup, tmp_path / "probe" / "c.db", admin="boss", admin_password="s3cret", reason="timing"
    )
    took = time.monotonic() - started
    outcomes = {"absent": 0, "restored": 0}
    kill = 0
    while kill < 15 or (not all(outcomes.values()) and kill < 45):
        kill += 1
        target = tmp_path / f"new{kill}" / "c.db"
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            try:
                maintenance.restore(
                    backup, target, admin="boss", admin_password="s3cret", reason="old PC died"
                )
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.0, took * 1.6))  # the rename comes late in a restore
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        if not target.exists():
            outcomes["absent"] += 1
            maintenance.restore(
                backup, target, admin="boss", admin_password="s3cret", reason="second attempt"
            )
        else:
            outcomes["restored"] += 1
        assert _persons(str(target)) == expected, f"kill {kill}"
        assert maintenance.doctor(target, trusted_public_key=None)["ok"], f"kill {kill}"
    logging.getLogger(__name__).info("restore into a new place killed %d times: %s", kill, outcomes)
    assert outcomes["absent"] and outcomes["restored"], outcomes

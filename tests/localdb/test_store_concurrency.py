"""One writer at a time: two Store objects on the same file (as two processes would have), each
written from two threads, serialise on BEGIN IMMEDIATE. Receipt numbers stay unique and gap-free and
the audit chain does not fork."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading

import localdb
from localdb import audit
from tests.support.store_data import TODAY, application_data, person_data


def test_concurrent_writers_serialise(store, clerk) -> None:
    clerk.register_person(person_data())
    other = localdb.open_store(store.path)
    errors: list[BaseException] = []
    receipts: list[str] = []
    lock = threading.Lock()

    def work(st: localdb.Store, n: int) -> None:
        try:
            svc = st.service("clerk1", today=TODAY)
            for i in range(8):
                # one claim per event: each write is for another event date
                event_date = TODAY - dt.timedelta(days=30 + 8 * n + i)
                no = svc.create_application(application_data(event_date=event_date.isoformat()))["receipt_no"]
                with lock:
                    receipts.append(no)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=work, args=(st, n)) for n, st in enumerate((store, store, other, other))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    assert not errors, errors
    assert sorted(int(r[-4:]) for r in receipts) == list(range(1, 33))
    conn = sqlite3.connect(store.path)
    try:
        assert audit.verify(conn).ok
        assert conn.execute("SELECT count(*) FROM outbox WHERE entity = 'application'").fetchone() == (32,)
    finally:
        conn.close()

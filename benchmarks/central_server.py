"""Benchmark of the central server over loopback HTTP (``liangxian serve`` in a subprocess):

- push: N person registrations (each with its enrollment), signed, in batches of 500, every change
  re-validated by the server with forms/ — changes per second;
- pull: every record of the county from cursor 0 in pages of 5000 — records per second and bytes per
  record on the wire (gzip, as downloaded);
- ceiling: a raw executemany of the same person rows into the same table in the same run.

    python -m benchmarks central_server [--persons 10000] [--db URL]

Without ``--db`` it runs on a temporary SQLite file. This measures the server side only; the
counter's pull-apply is the client engine's benchmark.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import socket
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger("benchmarks.central_server")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(argv: list[str]) -> int:
    from central import models as m
    from central.service import CentralServer
    from sync.http import HttpSync
    from sync.protocol import PullRequest
    from tests.support.central_data import SimCounter
    from tests.support.store_data import id_number, uscc

    ap = argparse.ArgumentParser(prog="python -m benchmarks central_server")
    ap.add_argument("--persons", type=int, default=10_000)
    ap.add_argument("--db", default=None)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    tmp = Path(tempfile.mkdtemp(prefix="lx-bench-"))
    db = args.db or str(tmp / "central.db")
    server = CentralServer(db)
    server.init("lhasa")
    server.add_county("540102")
    server.add_user("540102", "clerk1", "clerk", "pw")
    counter = SimCounter("540102", 1)
    counter.token = server.enroll(
        counter.enroll_request(server.add_counter("540102", 1)["enrollment_code"])
    ).token

    from benchmarks.sync import secret_service
    from tests.support.live_server import LiveServer

    keyring = contextlib.ExitStack()
    keyring_env = keyring.enter_context(secret_service(tmp))  # the server key's keyring
    live = LiveServer(server.url, keyring_env=keyring_env).start()
    base = live.url
    try:
        proto = HttpSync(base, counter.token, server_key=live.server_key_b64, timeout=120)
        emp = counter.employer("clerk1", uscc=uscc("540102", "MA6TBNCH"))
        proto.push(_req(counter, [emp]))
        changes = []
        birth0 = dt.date(1985, 1, 1)
        for i in range(args.persons):
            birth = (birth0 + dt.timedelta(days=i // 400)).strftime("%Y%m%d")
            changes.append(
                counter.person(
                    "clerk1", emp.entity_id, id_number=id_number("540102", birth, (i % 400) * 2 + 2)
                )
            )
        t0 = time.perf_counter()
        for i in range(0, len(changes), 500):
            results = proto.push(_req(counter, changes[i : i + 500])).results
            bad = [r for r in results if r.status != "applied"]
            if bad:
                raise SystemExit(f"push refused: {bad[0]}")
        push_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        cursor, records, wire = 0, 0, 0
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {counter.token}"}, timeout=120
        ) as c:
            while True:
                resp = c.post("/v1/pull", json=PullRequest(cursor, 5000).to_json())
                resp.raise_for_status()
                wire += resp.num_bytes_downloaded
                page = resp.json()
                records += len(page["records"])
                cursor = page["cursor"]
                if not page["more"]:
                    break
        pull_s = time.perf_counter() - t0
        proto.close()
    finally:
        live.stop()
        keyring.close()

    # the ceiling: the same person rows, raw executemany into the same table
    from sqlalchemy import select, text

    persons = m.Person.__table__
    with server.engine.begin() as conn:
        rows = conn.execute(select(persons).where(persons.c.merged_into.is_(None))).mappings().all()
        clones = [{**r, "id": str(uuid.uuid4()), "county_code": "540103"} for r in rows]
        t0 = time.perf_counter()
        conn.execute(m.Person.__table__.insert(), clones)
        raw_s = time.perf_counter() - t0
        conn.execute(text("DELETE FROM persons WHERE county_code = '540103'"))
    server.close()
    figures = {
        "db": server.url.split("@")[-1],
        "persons": args.persons,
        "push_changes_per_s": round(args.persons / push_s),
        "pull_records": records,
        "pull_records_per_s": round(records / pull_s),
        "wire_bytes_per_record": round(wire / max(records, 1), 1),
        "raw_insert_rows_per_s": round(len(clones) / raw_s),
    }
    sys.stdout.write(json.dumps(figures, indent=2) + "\n")
    return 0


def _req(counter: object, changes: list) -> object:
    from sync.protocol import PushRequest

    return PushRequest(counter.device_id, tuple(changes))  # type: ignore[attr-defined]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

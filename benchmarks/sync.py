"""Sync throughput over loopback, on a SQLite and on a PostgreSQL central server.

    python -m benchmarks sync [--push 10000] [--pull 100000] [--backend sqlite|postgresql|both] [--json]

A counter pushes ``--push`` new persons (each a signed change, re-validated by the server with forms/,
ID-number registry and all), then ``--pull`` − ``--push`` more, so that the county holds ``--pull``
persons; a fresh counter of the same county then makes its first sync and pulls them all. The server is
`liangxian serve` (uvicorn) in a subprocess; the bytes on the wire are counted by a pass-through proxy
between client and server (compressed bodies and HTTP headers, as a link would carry them).

The cost of the counter's checks, in the same run: a third fresh counter makes the same first sync
with the server-key signature check and the page bounds switched off (``unchecked``, a benchmark-only
stand-in for the counter before issue 24); ``pull_per_s`` (checked) against ``unchecked_pull_per_s``.
The server key lives in a throw-away gnome-keyring (scripts/secret-service.sh), as in the tests.

The ceiling measured in the same run: a raw bulk insert (one executemany in one transaction) of the
same person rows into the same counter schema; and the same first sync at a third counter with the
pulled-record checks (localdb/pullcheck.py) switched off, so the checks' cost is read in one run (that
run comes second, with the server's caches warm: the cost shown is if anything too high). Goals on a 2-core machine (issue 10): pull-apply ≥ 30%
of the raw insert rate and ≥ 20,000 records/s; push with full re-validation ≥ 3,000 changes/s; ≤ 250
bytes per record on the wire; first sync of a county of 100,000 persons under 30 s.
Not part of the test suite.

``--json`` prints one object keyed by backend (issue 26): ``{"sqlite": {...}, "postgresql": {...}}``,
each with ``push_per_s``, ``pull_per_s``, ``raw_insert_per_s``, ``pull_vs_raw``, ``first_sync_s``,
``bytes_per_record_pull``, ``bytes_per_change_push`` (and the counts ``push_changes``,
``pulled_records`` and the machine's ``load_average_1min`` when the backend's run ended).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import localdb  # noqa: E402
from central.service import CentralServer  # noqa: E402
from localdb import models as m  # noqa: E402
from sync.engine import SyncEngine  # noqa: E402
from sync.http import HttpSync  # noqa: E402
from sync.http import HttpSync as _HttpSync  # noqa: E402
from sync.protocol import EnrollRequest  # noqa: E402
from tests.support.faultproxy import fault_proxy  # noqa: E402
from tests.support.live_server import LiveServer  # noqa: E402
from tests.support.secret_service import running_secret_service  # noqa: E402
from tests.support.store_data import TODAY, employer_data, uscc  # noqa: E402
from tests.sync.conftest import public_b64  # noqa: E402

log = logging.getLogger("benchmarks.sync")
COUNTY = "540102"


def person_rows(n: int, start: int = 0) -> Iterator[dict[str, Any]]:
    """Valid, distinct persons of the county (ID numbers with correct check characters)."""
    from stdnum.cn import ric

    for k in range(start, start + n):
        year = 1970 + (k // 36500) % 30
        day = (k // 100) % 365
        birth = TODAY.replace(year=year, month=1, day=1).toordinal() + day
        import datetime as dt

        body = f"{COUNTY}{dt.date.fromordinal(birth):%Y%m%d}{(k % 100) * 2 + 100:03d}"[:17]
        yield {
            "id_number": body + ric.calc_check_digit(body + "0"),
            "name_zh": "卓玛",
            "name_bo": "སྒྲོལ་མ",
            "ethnicity": "04",
            "phone": f"139{k:08d}"[:11],
            "category": "employee",
            "county_code": COUNTY,
            "employer_uscc": uscc(),
            "contribution_base": "6500.00",
            "insured_since": "2015-03-01",
        }


def new_counter(server: CentralServer, root: Path, name: str, number: int) -> tuple[localdb.Store, Any, str]:
    store = localdb.init_store(
        root / f"{name}.db",
        region="lhasa",
        county_code=COUNTY,
        counter_no=number,
        admin_username="boss",
        admin_password=None,
    )
    key = Ed25519PrivateKey.generate()
    store.service("boss").set_counter_public_key(public_b64(key))
    code = server.add_counter(COUNTY, number)["enrollment_code"]
    token = server.enroll(EnrollRequest(code, store.counter_info.id, COUNTY, number, public_b64(key))).token
    return store, key, token


class UncheckedEngine(SyncEngine):
    """The engine without its page and hello bounds (the counter before issue 24), for the comparison."""

    def _check_page(self, *_args: Any) -> None:
        pass

    @staticmethod
    def _check_hello(*_args: Any) -> None:
        pass


def unchecked(transport: HttpSync) -> HttpSync:
    """The HTTP client without the server-key signature check (benchmark only)."""
    transport._t._verify = lambda *_args: None  # type: ignore[method-assign]
    return transport


@contextlib.contextmanager
def central(backend: str, root: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield str(root / "central.db")
        return
    from tests.support.postgres import postgres_cluster

    with postgres_cluster() as cluster:
        yield cluster.new_database()


def raw_insert_rate(rows: list[dict[str, Any]], root: Path) -> float:
    """Rows per second of one executemany of the same person rows into the same schema."""
    store = localdb.init_store(
        root / "raw.db",
        region="lhasa",
        county_code=COUNTY,
        counter_no=9,
        admin_username="boss",
        admin_password=None,
    )
    try:
        table = m.Person.__table__
        cols = list(rows[0])
        sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
        values = [tuple(r[c] for c in cols) for r in rows]
        t0 = time.perf_counter()
        with store.write_engine.begin() as conn:
            conn.exec_driver_sql(sql, values)
        return len(rows) / (time.perf_counter() - t0)
    finally:
        store.close()


def run_backend(backend: str, push_n: int, pull_n: int) -> dict[str, float]:
    with (
        tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp,
        central(backend, Path(tmp)) as url,
        running_secret_service(Path(tmp) / "secret-service") as keyring_env,
    ):
        root = Path(tmp)
        server = CentralServer(url)
        server.init("lhasa")
        server.add_county(COUNTY)
        server.add_user(COUNTY, "boss", "admin", "pw-boss-benchmark")
        a, a_key, a_token = new_counter(server, root, "a", 1)
        b, b_key, b_token = new_counter(server, root, "b", 2)
        c, c_key, c_token = new_counter(server, root, "c", 3)
        a.service("boss").register_employer(employer_data())
        live_server = LiveServer(url, log_path=root / "serve.log", keyring_env=keyring_env)
        with live_server as live, fault_proxy(live.port) as proxy:
            sk = live.server_key_b64

            def HttpSync(url: str, token: str, **kw: Any) -> Any:
                return _HttpSync(url, token, server_key=sk, **kw)

            with HttpSync(proxy.url, a_token) as t:
                SyncEngine(a, t, username="boss", key=a_key).run()  # the employer
            a.service("boss").bulk_register_persons(person_rows(push_n))
            up0 = proxy.bytes_up
            t0 = time.perf_counter()
            with HttpSync(proxy.url, a_token, timeout=120) as t:
                pushed = SyncEngine(a, t, username="boss", key=a_key, batch=500).run().pushed
            push_s = time.perf_counter() - t0
            push_bytes = (proxy.bytes_up - up0) / max(pushed, 1)
            if pull_n > push_n:
                a.service("boss").bulk_register_persons(person_rows(pull_n - push_n, start=push_n))
                with HttpSync(proxy.url, a_token, timeout=120) as t:
                    SyncEngine(a, t, username="boss", key=a_key, batch=500).run()
            # the same first sync without the checks, then with them (one run, the same server)
            t0 = time.perf_counter()
            with unchecked(HttpSync(proxy.url, c_token, timeout=120)) as t:
                plain = UncheckedEngine(c, t, username="boss", key=c_key, page=5000).run()
            unchecked_s = time.perf_counter() - t0
            down0 = proxy.bytes_down
            t0 = time.perf_counter()
            with HttpSync(proxy.url, b_token, timeout=120) as t:
                report = SyncEngine(b, t, username="boss", key=b_key, page=5000).run()
            first_sync_s = time.perf_counter() - t0
            pull_bytes = (proxy.bytes_down - down0) / max(report.pulled, 1)
            # the same first sync at a third counter with the pulled-record checks (localdb/pullcheck.py)
            # switched off, for comparison only: what the checks cost
            d, d_key, d_token = new_counter(server, root, "d", 4)
            from localdb import pullcheck

            checked_run = pullcheck.PageCheck.run
            pullcheck.PageCheck.run = lambda self, by_entity: None  # type: ignore[method-assign]
            try:
                t0 = time.perf_counter()
                with HttpSync(proxy.url, d_token, timeout=120) as t:
                    lax = SyncEngine(d, t, username="boss", key=d_key, page=5000).run()
                lax_s = time.perf_counter() - t0
            finally:
                pullcheck.PageCheck.run = checked_run  # type: ignore[method-assign]
            d.close()
        with b._read() as s:
            rows = [dict(r) for r in s.execute(m.Person.__table__.select()).mappings()]
        for r in rows:
            r["birth_date"] = r["birth_date"].isoformat()
            r["id"] = r["id"][:-4] + "ffff"
        raw = raw_insert_rate(rows, root)
        a.close()
        b.close()
        c.close()
        server.close()
    pulled_rate = report.pulled / first_sync_s
    return {
        "push_changes": pushed,
        "push_per_s": pushed / push_s,
        "push_bytes_per_change": push_bytes,
        "pulled_records": report.pulled,
        "first_sync_s": first_sync_s,
        "pull_per_s": pulled_rate,
        "unchecked_pull_per_s": plain.pulled / unchecked_s,
        "pull_bytes_per_record": pull_bytes,
        "raw_insert_per_s": raw,
        "pull_vs_raw": pulled_rate / raw,
        "pull_unchecked_per_s": lax.pulled / lax_s,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks sync", description=__doc__.split("\n\n")[0])
    parser.add_argument("--push", type=int, default=10_000)
    parser.add_argument("--pull", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--json", action="store_true", help="one JSON object keyed by backend")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    out: dict[str, dict[str, float]] = {}
    for backend in backends:
        r = run_backend(backend, args.push, max(args.pull, args.push))
        out[backend] = as_json(r)
        if args.json:
            continue
        print(f"--- central server on {backend}")
        print(
            f"push  {r['push_changes']:>7} changes  {r['push_per_s']:>9,.0f} changes/s (goal ≥ 3,000)   "
            f"{r['push_bytes_per_change']:>6.0f} B/change on the wire"
        )
        print(
            f"pull  {r['pulled_records']:>7} records  {r['pull_per_s']:>9,.0f} records/s (goal ≥ 20,000)  "
            f"{r['pull_bytes_per_record']:>6.0f} B/record on the wire (goal ≤ 250)"
        )
        print(
            f"pull without the server-key signature check and page bounds: {r['unchecked_pull_per_s']:>9,.0f} "
            f"records/s; with them: {r['pull_per_s']:,.0f} records/s "
            f"({100 * (r['pull_per_s'] / r['unchecked_pull_per_s'] - 1):+.1f}%)"
        )
        print(f"first sync of the county: {r['first_sync_s']:.1f} s (goal < 30 s)")
        print(
            f"the same pull without the pulled-record checks: {r['pull_unchecked_per_s']:,.0f} records/s "
            f"(the checks cost {1 - r['pull_per_s'] / r['pull_unchecked_per_s']:.0%})"
        )
        print(
            f"raw bulk insert of the same rows: {r['raw_insert_per_s']:,.0f} rows/s; pull-apply / raw = "
            f"{r['pull_vs_raw']:.2f} (goal ≥ 0.30)"
        )
    if args.json:
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
    return 0


def as_json(r: dict[str, float]) -> dict[str, float]:
    """One backend's figures under the names of the ``--json`` contract."""
    return {
        "push_per_s": r["push_per_s"],
        "pull_per_s": r["pull_per_s"],
        "raw_insert_per_s": r["raw_insert_per_s"],
        "pull_vs_raw": r["pull_vs_raw"],
        "first_sync_s": r["first_sync_s"],
        "bytes_per_record_pull": r["pull_bytes_per_record"],
        "bytes_per_change_push": r["push_bytes_per_change"],
        "push_changes": r["push_changes"],
        "pulled_records": r["pulled_records"],
        "load_average_1min": os.getloadavg()[0],
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Store benchmark: search latency per query kind, application write latency and database size.

    python -m benchmarks store_search --persons 1000000 [--db PATH] [--json]

Builds (or reuses) a Lhasa counter database seeded through the service layer (Chinese and Tibetan
names, employers, enrollments, applications), then measures in the same run:

- p50 / p95 of ``Store.search_persons`` for each query kind (ID number full and prefix, Chinese name,
  pinyin full and initials, Tibetan name, Wylie; and from issue 13 the last four of the ID number, a
  given name alone, a Wylie syllable inside the name, a receipt number), through the whole stack
  (session, SQL, dicts);
- the floor: a raw indexed SQLite lookup (``SELECT … WHERE id_number = ?`` on a plain sqlite3
  connection), and each kind's ratio to it;
- p50 / p95 of one application write (validate + decide + write + audit + outbox, one transaction
  with synchronous=FULL);
- database size per 100,000 persons (audit log and outbox included).

Goals from issue 3: search p95 < 30 ms and write p95 < 20 ms on the 2-core counter machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger("benchmarks.store_search")

KINDS = (
    "id_full",
    "id_prefix",
    "name_zh",
    "pinyin_full",
    "pinyin_initials",
    "name_bo",
    "wylie",
    # issue 13: inside the name and the ID number (``person_search_keys``), and a receipt number
    "id_last4",
    "given_name_zh",
    "wylie_syllable",
    "receipt_no",
)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def timed(fn: Callable[[Any], Any], args: list[Any]) -> list[float]:
    out = []
    for a in args:
        t0 = time.perf_counter()
        fn(a)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def build(path: Path, persons: int) -> float:
    import localdb
    from localdb.seed import seed

    t0 = time.perf_counter()
    store = localdb.init_store(
        path, region="lhasa", county_code="540102", counter_no=1, admin_username="bench", admin_password=None
    )
    try:
        store.service("bench").add_user("clerk", "clerk", None)
        seed(store, "bench", persons, applications=min(100, persons // 10))
    finally:
        store.close()
    return time.perf_counter() - t0


def sample_queries(path: Path, n: int, rng: random.Random) -> dict[str, list[str]]:
    from i18n.tibetan import unicode_to_wylie

    conn = sqlite3.connect(path)
    try:
        top = conn.execute("SELECT max(rowid) FROM persons").fetchone()[0]
        rows: list[tuple] = []
        tibetan: list[tuple] = []
        while len(rows) < n or len(tibetan) < n:
            rowid = rng.randrange(1, top + 1)
            r = conn.execute(
                "SELECT id_number, name_zh, name_bo, pinyin_full, pinyin_initials FROM persons WHERE rowid = ?",
                (rowid,),
            ).fetchone()
            if r is None:
                continue
            if len(rows) < n:
                rows.append(r)
            if r[2] and len(tibetan) < n:
                tibetan.append(r)
        receipts = [
            r[0] for r in conn.execute("SELECT receipt_no FROM applications ORDER BY random() LIMIT ?", (n,))
        ]
    finally:
        conn.close()
    return {
        "id_last4": [r[0][-4:] for r in rows],
        "given_name_zh": [r[1][-2:] for r in rows],  # 卓玛 of 扎西卓玛, 晓明 of 张晓明
        "wylie_syllable": [unicode_to_wylie(r[2].split("\u0f0b")[-1]) for r in tibetan],  # the last syllable
        "receipt_no": (receipts * n)[:n] if receipts else [r[0] for r in rows],
        "id_full": [r[0] for r in rows],
        "id_prefix": [r[0][:10] for r in rows],
        "name_zh": [r[1] for r in rows],
        "pinyin_full": [r[3] for r in rows],
        "pinyin_initials": [r[4] for r in rows],
        "name_bo": [r[2] for r in tibetan],
        "wylie": [unicode_to_wylie(r[2].split("\u0f0b")[0]) + " " for r in tibetan],  # first name, as typed
    }


def application_candidates(path: Path, n: int) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [
            r[0]
            for r in conn.execute(
                "SELECT id_number FROM persons WHERE sex = 'female' AND category = 'employee' LIMIT ?", (n,)
            )
        ]
    finally:
        conn.close()


def run(persons: int, db: Path | None, queries: int, writes: int, seed: int = 7) -> dict[str, Any]:
    import localdb

    rng = random.Random(seed)
    tmp = None
    if db is None:
        tmp = tempfile.TemporaryDirectory(prefix="liangxian-bench-")
        db = Path(tmp.name) / "bench.db"
    build_s = None
    if not db.exists():
        log.warning("seeding %d persons into %s (this takes a while for 1,000,000)", persons, db)
        build_s = build(db, persons)
    store = localdb.open_store(db)
    try:
        with sqlite3.connect(db) as conn:
            actual = conn.execute("SELECT count(*) FROM persons").fetchone()[0]
        qs = sample_queries(db, queries, rng)
        for q in qs["name_zh"][:20]:  # warm the page cache the way a running counter would have it
            store.search_persons(q)

        raw = sqlite3.connect(db)
        raw_sql = "SELECT id, name_zh, name_bo, id_number, category FROM persons WHERE id_number = ?"
        floor = timed(lambda q: raw.execute(raw_sql, (q,)).fetchall(), qs["id_full"])
        raw.close()

        results: dict[str, Any] = {}
        for kind in KINDS:
            samples = timed(lambda q: store.search_persons(q, 50), qs[kind])
            results[kind] = {"p50_ms": percentile(samples, 50), "p95_ms": percentile(samples, 95)}
        floor_p50, floor_p95 = percentile(floor, 50), percentile(floor, 95)
        for r in results.values():
            r["ratio_p50"] = r["p50_ms"] / floor_p50
            r["ratio_p95"] = r["p95_ms"] / floor_p95

        svc = store.service("clerk", today=dt.date.today())
        ids = application_candidates(db, writes)
        event = (dt.date.today() - dt.timedelta(days=30)).isoformat()
        write_ms = timed(
            lambda n: svc.create_application(
                {"id_number": n, "event": "birth", "event_date": event, "contribution_months": 24}
            ),
            ids,
        )
    finally:
        store.close()
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = db.stat().st_size
    report = {
        "persons": actual,
        "build_seconds": build_s,
        "queries_per_kind": queries,
        "floor_raw_id_lookup": {"p50_ms": floor_p50, "p95_ms": floor_p95},
        "search": results,
        "write_application": {
            "n": len(write_ms),
            "p50_ms": percentile(write_ms, 50) if write_ms else None,
            "p95_ms": percentile(write_ms, 95) if write_ms else None,
        },
        "db_bytes": size,
        "bytes_per_100k_persons": round(size * 100_000 / max(actual, 1)),
    }
    if tmp is not None:
        tmp.cleanup()
    return report


def render(report: dict[str, Any]) -> str:
    floor = report["floor_raw_id_lookup"]
    lines = [
        f"persons: {report['persons']:,}"
        + (f"  (seeded in {report['build_seconds']:.0f} s)" if report["build_seconds"] else ""),
        f"{'query kind':<18}{'p50 ms':>9}{'p95 ms':>9}{'×floor p50':>12}{'×floor p95':>12}",
        f"{'raw id lookup':<18}{floor['p50_ms']:>9.3f}{floor['p95_ms']:>9.3f}{1:>12.1f}{1:>12.1f}",
    ]
    for kind, r in report["search"].items():
        lines.append(
            f"{kind:<18}{r['p50_ms']:>9.3f}{r['p95_ms']:>9.3f}{r['ratio_p50']:>12.1f}{r['ratio_p95']:>12.1f}"
        )
    w = report["write_application"]
    if w["n"]:
        lines.append(
            f"write one application (n={w['n']}): p50 {w['p50_ms']:.2f} ms, p95 {w['p95_ms']:.2f} ms"
        )
    lines.append(
        f"database size: {report['db_bytes'] / 1e6:.1f} MB, {report['bytes_per_100k_persons'] / 1e6:.1f} MB per 100,000 persons"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks store_search",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--persons", type=int, default=1_000_000)
    p.add_argument("--db", type=Path, help="reuse (or create and keep) this database")
    p.add_argument("--queries", type=int, default=300, help="queries per kind")
    p.add_argument("--writes", type=int, default=200, help="applications written")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    report = run(args.persons, args.db, args.queries, args.writes)
    sys.stdout.write((json.dumps(report, indent=2) if args.json else render(report)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

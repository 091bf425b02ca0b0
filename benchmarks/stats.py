"""Statistics benchmark: every indicator for a year over 1,000,000 persons and 200,000 applications.

    python -m benchmarks stats [--persons 1000000] [--applications 200000] [--db PATH] [--json]

Builds (or reuses) a Lianyungang counter database: the schema by ``localdb.init_store``, then persons,
applications, status changes and decisions bulk-inserted with plain SQL in the shape the service
layer writes them, the statistics columns of schema 0009 too (the service writes one application in
~5 ms: 200,000 would take a quarter of an hour, and this benchmark measures reading). Then, in the same run:

- ``localdb.stats.indicators`` for the year 2026 (one SELECT of the application columns, one GROUP BY
  of the registrations, every indicator computed in ``forms.indicators``), best and median of 5;
- the floor: a raw SQL GROUP BY of the same counts and sums (applications by month, status and
  benefit with the allowance sum; persons by month and category) on a plain sqlite3 connection;
- the ratio of the two.

Goal from issue 12: under 1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("benchmarks.stats")

YEAR = 2026
CATEGORIES = (("employee", 0.7), ("flexible", 0.15), ("retiree", 0.15))
COUNTIES = ("320703", "320706", "320707", "320722", "320723", "320724")
# the JSON the service stores, in its real shape and size (about 650 and 390 bytes)
DECISION = {
    "calendar_exact": True,
    "citations": [
        "连政办发〔2019〕91号 二（一）统一参保登记",
        "《女职工劳动保护特别规定》（国务院令第619号，2012）第七条",
        "《江苏省人口与计划生育条例》（2022年修正）第二十六条",
        "《女职工劳动保护特别规定》（国务院令第619号，2012）第八条",
    ],
    "daily_rate": "273.33",
    "eligible": True,
    "leave_breakdown": [
        {
            "code": "national.base",
            "days": 98,
            "source": "《女职工劳动保护特别规定》（国务院令第619号，2012）第七条 [2012-04-28]",
        },
        {
            "code": "regional.extension",
            "days": 60,
            "source": "《江苏省人口与计划生育条例》（2022年修正）第二十六条 [2022-02-10]",
        },
    ],
    "leave_end": "2026-10-15",
    "leave_start": "2026-05-11",
    "medical_paid_by": "maternity",
    "reason_params": {},
    "reasons": [],
    "rule": "lianyungang/2022-02-10",
}
FORM = {
    "babies": 1,
    "caesarean": False,
    "contribution_months": 39,
    "documents": ["id_card", "birth_certificate", "discharge_summary"],
    "dystocia": False,
    "employer_avg_monthly_wage": "8200.00",
    "event_date": "2026-05-11",
    "filed_on": "2026-06-01",
    "gestation_weeks": None,
    "hospital": "连云港市第一人民医院",
    "id_number": "320706199001010028",
    "insured_since": "2015-03-04",
    "leave_start": None,
}
RAW_SQL = (
    """SELECT substr(date(a.created_at, '+8 hours'), 1, 7), a.status, a.claim_type, count(*),
              sum(CAST(d.allowance AS REAL))
       FROM applications a JOIN decisions d ON d.application_id = a.id
       WHERE a.created_at >= ? AND a.created_at < ? GROUP BY 1, 2, 3""",
    """SELECT substr(date(created_at, '+8 hours'), 1, 7), category, count(*) FROM persons
       WHERE created_at >= ? AND created_at < ? GROUP BY 1, 2""",
)


def _ts(day: dt.date, seconds: int) -> str:
    moment = dt.datetime.combine(day, dt.time()) - dt.timedelta(hours=8) + dt.timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _pick(rng: random.Random) -> str:
    x, acc = rng.random(), 0.0
    for name, share in CATEGORIES:
        acc += share
        if x < acc:
            return name
    return CATEGORIES[-1][0]


def build(path: Path, persons: int, applications: int, seed: int = 12) -> float:
    import localdb

    t0 = time.perf_counter()
    store = localdb.init_store(
        path,
        region="lianyungang",
        county_code="320706",
        counter_no=1,
        admin_username="bench",
        admin_password=None,
    )
    store.close()
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    start = dt.date(YEAR - 1, 1, 1)
    span = (dt.date(YEAR, 12, 31) - start).days
    person_ids: list[str] = []
    with conn:
        batch = []
        for i in range(persons):
            pid = f"p{i:08d}"
            person_ids.append(pid)
            day = start + dt.timedelta(days=rng.randrange(span))
            at = _ts(day, rng.randrange(8 * 3600, 18 * 3600))
            batch.append(
                (pid, f"3207061990{i:08d}"[:18], f"人{i}", "female", "1990-01-01", "01",
                 rng.choice(COUNTIES), _pick(rng), at, at)
            )  # fmt: skip
            if len(batch) == 50_000:
                conn.executemany(
                    "INSERT INTO persons (id, id_number, name_zh, sex, birth_date, ethnicity, county_code,"
                    " category, created_at, updated_at, version) VALUES (?,?,?,?,?,?,?,?,?,?,1)",
                    batch,
                )
                batch.clear()
        if batch:
            conn.executemany(
                "INSERT INTO persons (id, id_number, name_zh, sex, birth_date, ethnicity, county_code,"
                " category, created_at, updated_at, version) VALUES (?,?,?,?,?,?,?,?,?,?,1)",
                batch,
            )
    year_start = dt.date(YEAR, 1, 1)
    apps, changes, decisions = [], [], []
    for i in range(applications):
        aid = f"a{i:08d}"
        received = year_start + dt.timedelta(days=rng.randrange(365))
        county = COUNTIES[i % len(COUNTIES)]
        receipt = f"{county}-{1 + i % 3:02d}-{received:%Y%m%d}-{i:06d}"
        claim = "allowance" if rng.random() < 0.75 else "medical"
        event = "birth" if rng.random() < 0.9 else "miscarriage"
        category = _pick(rng)
        at = _ts(received, rng.randrange(9 * 3600, 17 * 3600))
        amount = f"{rng.randrange(1000, 8000)}.00"
        form = json.dumps(
            {**FORM, "category": category, "claim_type": claim, "event": event,
             "medical_amount": amount if claim == "medical" else None},
            ensure_ascii=False,
        )  # fmt: skip
        x = rng.random()
        status = (
            "approved"
            if x < 0.55
            else "paid"
            if x < 0.7
            else "rejected"
            if x < 0.8
            else "withdrawn"
            if x < 0.83
            else "under_review"
        )
        apps.append((aid, receipt, rng.choice(person_ids), claim, event, received.isoformat(), form, status,
                     f"clerk{i % 7}", at, at, category, received.isoformat(),
                     amount if claim == "medical" else None))  # fmt: skip
        changes.append((f"s{i:08d}r", aid, None, "received", at, f"clerk{i % 7}", None))
        if status != "under_review":
            closed = received + dt.timedelta(days=rng.randrange(1, 25))
            to = "approved" if status == "paid" else status
            note = (
                rng.choice(("材料不全", "不符合条件", "重复申请"))
                if to in ("rejected", "withdrawn")
                else None
            )
            cat = _ts(closed, 10 * 3600)
            changes.append((f"s{i:08d}c", aid, "under_review", to, cat, f"rev{i % 3}", note))
            if status == "paid":
                changes.append(
                    (
                        f"s{i:08d}p",
                        aid,
                        "approved",
                        "paid",
                        _ts(closed + dt.timedelta(days=5), 3600),
                        "rev0",
                        None,
                    )
                )
        days = 158 if event == "birth" else 42
        allowance = (
            f"{rng.randrange(8000, 40000)}.{rng.randrange(100):02d}" if claim == "allowance" else "0.00"
        )
        decision = {**DECISION, "allowance": allowance, "allowance_days": days, "leave_days": days}
        decisions.append((f"d{i:08d}", aid, at, "lianyungang/2022-02-10", 1, allowance,
                          json.dumps(decision, ensure_ascii=False), days, days))  # fmt: skip
    with conn:
        conn.executemany(
            "INSERT INTO applications (id, receipt_no, person_id, claim_type, event, event_date, form_json,"
            " status, created_by, created_at, updated_at, version, stat_category, stat_received_on,"
            " stat_medical_amount) VALUES (?,?,?,?,?,?,?,?,?,?,?,1,?,?,?)",
            apps,
        )
        conn.executemany(
            "INSERT INTO status_changes (id, application_id, from_status, to_status, at, by, note)"
            " VALUES (?,?,?,?,?,?,?)",
            changes,
        )
        conn.executemany(
            "INSERT INTO decisions (id, application_id, decided_at, rule_version, eligible, allowance,"
            " decision_json, allowance_days, leave_days) VALUES (?,?,?,?,?,?,?,?,?)",
            decisions,
        )
    conn.execute("ANALYZE")
    conn.close()
    return time.perf_counter() - t0


def _raw(path: Path, since: str, until: str) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return sum(len(conn.execute(sql, (since, until)).fetchall()) for sql in RAW_SQL)
    finally:
        conn.close()


def run(persons: int, applications: int, db: Path | None, repeat: int = 5) -> dict[str, Any]:
    from forms.indicators import Period
    from localdb import stats

    tmp = None
    if db is None:
        tmp = tempfile.TemporaryDirectory(prefix="lx-stats-bench-")
        db = Path(tmp.name) / "bench.db"
    build_s = 0.0
    if not db.exists():
        log.warning("building %d persons and %d applications in %s", persons, applications, db)
        build_s = build(db, persons, applications)
    period = Period(dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31))
    since, until = stats.utc_bound(period.start), stats.utc_bound(period.end + dt.timedelta(days=1))
    today = dt.date(YEAR + 1, 1, 15)
    stats.indicators(db, period, today=today)  # warm the page cache and the holiday index
    _raw(db, since, until)
    ours, raw, ours_cpu, raw_cpu = [], [], [], []
    result = None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = stats.indicators(db, period, today=today)
        ours.append(time.perf_counter() - t0)
        ours_cpu.append(time.process_time() - c0)
        t0, c0 = time.perf_counter(), time.process_time()
        _raw(db, since, until)
        raw.append(time.perf_counter() - t0)
        raw_cpu.append(time.process_time() - c0)
    assert result is not None
    ind = result.indicators
    counts = sqlite3.connect(db).execute(
        "SELECT (SELECT count(*) FROM persons), (SELECT count(*) FROM applications)"
    )
    n_persons, n_apps = counts.fetchone()
    report = {
        "persons": n_persons,
        "applications": n_apps,
        "rows_loaded": len(result.rows),
        "received": ind.received,
        "registrations": sum(ind.registrations.values()),
        "indicators_best_s": min(ours),
        "indicators_median_s": statistics.median(ours),
        "raw_group_by_best_s": min(raw),
        "raw_group_by_median_s": statistics.median(raw),
        "ratio_median": statistics.median(ours) / statistics.median(raw),
        # CPU time of this process: what the work costs on one core, whatever else the machine runs
        "indicators_cpu_best_s": min(ours_cpu),
        "raw_group_by_cpu_best_s": min(raw_cpu),
        "ratio_cpu_best": min(ours_cpu) / min(raw_cpu),
        "load_average_1min": os.getloadavg()[0],
        "goal_s": 1.0,
        "build_seconds": build_s,
    }
    if tmp is not None:
        tmp.cleanup()
    return report


def render(r: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"statistics for {YEAR}: {r['persons']:,} persons, {r['applications']:,} applications"
            + (f" (built in {r['build_seconds']:.0f} s)" if r["build_seconds"] else ""),
            f"  rows loaded {r['rows_loaded']:,}, received {r['received']:,}, registrations {r['registrations']:,}",
            f"  all indicators   best {r['indicators_best_s'] * 1000:7.0f} ms  median {r['indicators_median_s'] * 1000:7.0f} ms"
            f"  (goal < {r['goal_s'] * 1000:.0f} ms)",
            f"  raw SQL GROUP BY best {r['raw_group_by_best_s'] * 1000:7.0f} ms  median {r['raw_group_by_median_s'] * 1000:7.0f} ms",
            f"  ratio (median) {r['ratio_median']:.1f}x",
            f"  CPU time (best): indicators {r['indicators_cpu_best_s'] * 1000:.0f} ms, raw"
            f" {r['raw_group_by_cpu_best_s'] * 1000:.0f} ms, ratio {r['ratio_cpu_best']:.1f}x"
            f"  (load average {r['load_average_1min']:.1f})",
        ]
    )


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks stats", description=__doc__.split("\n\n")[0])
    p.add_argument("--persons", type=int, default=1_000_000)
    p.add_argument("--applications", type=int, default=200_000)
    p.add_argument("--db", type=Path, help="reuse (or build once) this database")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    report = run(args.persons, args.applications, args.db, args.repeat)
    sys.stdout.write((json.dumps(report, indent=2) if args.json else render(report)) + "\n")
    return 0 if report["indicators_median_s"] < report["goal_s"] else 1

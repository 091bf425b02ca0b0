"""The counter's loader for the statistics indicators (``forms.indicators``): one SELECT of the
application columns the indicators need, one GROUP BY of new registrations, and the lists behind a
figure (drill-down) and the end-of-day intake list (日结).

Timestamps are stored in UTC; business dates are Asia/Shanghai dates, which have been UTC+8 without
daylight saving since 1991, so SQLite's ``date(ts, '+8 hours')`` gives them in the query.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from forms.clock import business_today, china_now
from forms.indicators import ApplicationRow, Indicators, Period, RegistrationCount, compute, drill
from forms.stats_report import LedgerLine, StatsReport, build
from localdb import db

SHANGHAI_OFFSET = dt.timedelta(hours=8)


# One row per application, from the statistics columns of ``applications`` (migration 0009: the
# form's category and medical amount, the closing step, the paid day and the latest decision's
# allowance and day counts, kept by triggers) and only from their covering index
# ``ix_applications_stats``: no join, no JSON. The day counts are read where an indicator reads them
# (approved allowance claims), the amount only of medical-cost claims, as the indicators define them.
APPLICATIONS_SQL = """
SELECT id, receipt_no, person_id, substr(receipt_no, 1, 6), substr(receipt_no, 1, 9), created_by,
       coalesce(stat_category, ''), claim_type, event, stat_received_on, status,
       stat_closed_to, stat_closed_on, stat_closed_by, stat_closed_note, stat_paid_on, stat_allowance,
       CASE WHEN claim_type = 'allowance' AND stat_closed_to = 'approved' THEN stat_allowance_days END,
       CASE WHEN claim_type = 'allowance' AND stat_closed_to = 'approved' THEN stat_leave_days END,
       stat_medical_amount
FROM applications INDEXED BY ix_applications_stats
WHERE created_at < :until
  AND (stat_closed_on IS NULL OR stat_closed_on >= :since_day OR stat_paid_on >= :since_day)
"""

# counted from the index (category, county_code, created_at) in its order: no sort (schema 0004)
REGISTRATIONS_SQL = """
SELECT NULL, county_code, 'person', category, count(*) FROM persons
WHERE created_at >= :since AND created_at < :until GROUP BY category, county_code
UNION ALL
SELECT NULL, county_code, 'employer', NULL, count(*) FROM employers
WHERE created_at >= :since AND created_at < :until GROUP BY county_code
"""


def utc_bound(day: dt.date) -> str:
    """The UTC timestamp text at which business day ``day`` (Asia/Shanghai) begins."""
    start = dt.datetime.combine(day, dt.time()) - SHANGHAI_OFFSET
    return start.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _bounds(period: Period) -> dict[str, str]:
    return {"since": utc_bound(period.start), "until": utc_bound(period.end + dt.timedelta(days=1))}


def _date(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _connect(path: Path | str) -> sqlite3.Connection:
    return db.raw_connect(path, readonly=True)


class _Dates(dict[str, dt.date]):
    """ISO date text → date, each distinct day parsed once (a year of rows has a few hundred)."""

    def __missing__(self, text: str) -> dt.date:
        day = self[text] = dt.date.fromisoformat(text)
        return day


class _Money(dict[Any, Decimal]):
    """Amount text → Decimal, each distinct amount made once (Decimal is immutable)."""

    def __missing__(self, text: Any) -> Decimal:
        value = self[text] = Decimal(str(text))
        return value


def load_applications(conn: sqlite3.Connection, period: Period) -> list[ApplicationRow]:
    """Every application that matters to ``period`` (see ``forms.indicators``), one SELECT."""
    dates = _Dates()
    day = dates.__getitem__
    make = tuple.__new__  # a named tuple made from a plain tuple in C, without its Python __new__
    cls = ApplicationRow
    money = _Money()
    amount = money.__getitem__
    params = {**_bounds(period), "since_day": period.start.isoformat()}
    out: list[ApplicationRow] = []
    add = out.append
    for (app_id, receipt, person, county, counter, clerk, category, claim, event, received, status,
         closed_to, closed_on, closed_by, note, paid_on, allowance, a_days, l_days, medical
         ) in conn.execute(APPLICATIONS_SQL, params):  # fmt: skip
        add(make(cls, (
            app_id, receipt, person, county, counter, clerk, category, claim, event, day(received),
            status, closed_to, None if closed_on is None else day(closed_on), closed_by, note,
            None if paid_on is None else day(paid_on), None if allowance is None else amount(allowance),
            a_days, l_days, None if medical is None else amount(medical),
        )))  # fmt: skip
    return out


def load_registrations(conn: sqlite3.Connection, period: Period) -> list[RegistrationCount]:
    return [RegistrationCount(*r) for r in conn.execute(REGISTRATIONS_SQL, _bounds(period))]


def region_of(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT value FROM settings WHERE key = 'region'").fetchone()
    return row[0] if row else "national"


def office_of(conn: sqlite3.Connection) -> dict[str, str]:
    """This database's county (code and names) and counter number, for report headers."""
    out = {"county_code": "", "county_zh": "", "county_bo": "", "counter_no": ""}
    row = conn.execute(
        "SELECT c.code, c.name_zh, coalesce(c.name_bo, ''), k.counter_no FROM settings s "
        "JOIN counters k ON k.id = s.value JOIN counties c ON c.code = k.county_code "
        "WHERE s.key = 'counter_id'"
    ).fetchone()
    if row:
        out = {"county_code": row[0], "county_zh": row[1], "county_bo": row[2], "counter_no": str(row[3])}
    return out


@dataclass(frozen=True)
class Loaded:
    """What one statistics run read: the rows, and the indicators computed from them."""

    period: Period
    rows: list[ApplicationRow]
    registrations: list[RegistrationCount]
    indicators: Indicators
    region: str
    county: str | None
    today: dt.date

    def drill(self, figure_path: str) -> list[ApplicationRow]:
        """The application rows behind one figure (``forms.indicators.drill``)."""
        return drill(
            figure_path, self.period, self.rows, region=self.region, county=self.county, today=self.today
        )


def indicators(
    path: Path | str, period: Period, county: str | None = None, *, today: dt.date | None = None
) -> Loaded:
    """Load the period's rows from the counter database at ``path`` and compute every indicator
    (the backlog as of ``today``, the business day, for a period that runs on)."""
    today = today or business_today()
    conn = _connect(path)
    try:
        region = region_of(conn)
        rows = load_applications(conn, period)
        regs = load_registrations(conn, period)
    finally:
        conn.close()
    ind = compute(period, rows, regs, region=region, county=county, today=today)
    return Loaded(period, rows, regs, ind, region, county, today)


@dataclass(frozen=True)
class EmployerLine:
    """An employer behind the new-employers figure."""

    uscc: str
    name_zh: str
    name_bo: str | None
    county_code: str
    registered_on: dt.date


def employers_behind(path: Path | str, period: Period, county: str | None = None) -> list[EmployerLine]:
    """The employers registered during ``period``, oldest first."""
    sql = (
        "SELECT uscc, name_zh, name_bo, county_code, date(created_at, '+8 hours') FROM employers "
        "WHERE created_at >= :since AND created_at < :until"
    )
    params: dict[str, Any] = _bounds(period)
    if county is not None:
        sql += " AND county_code = :county"
        params["county"] = county
    conn = _connect(path)
    try:
        return [
            EmployerLine(r[0], r[1], r[2], r[3], dt.date.fromisoformat(r[4]))
            for r in conn.execute(sql + " ORDER BY created_at LIMIT 10000", params)
        ]
    finally:
        conn.close()


@dataclass(frozen=True)
class PersonLine:
    """A registration behind a registration figure."""

    id_number: str
    name_zh: str
    name_bo: str | None
    category: str
    county_code: str
    registered_on: dt.date


def registrations_behind(
    path: Path | str, period: Period, category: str | None, county: str | None = None
) -> list[PersonLine]:
    """The persons registered during ``period`` (of ``category``; all when None), oldest first."""
    sql = (
        "SELECT id_number, name_zh, name_bo, category, county_code, date(created_at, '+8 hours') "
        "FROM persons WHERE created_at >= :since AND created_at < :until"
    )
    params: dict[str, Any] = _bounds(period)
    if category is not None:
        sql += " AND category = :category"
        params["category"] = category
    if county is not None:
        sql += " AND county_code = :county"
        params["county"] = county
    conn = _connect(path)
    try:
        return [
            PersonLine(r[0], r[1], r[2], r[3], r[4], dt.date.fromisoformat(r[5]))
            for r in conn.execute(sql + " ORDER BY created_at LIMIT 10000", params)
        ]
    finally:
        conn.close()


LEDGER_SQL = """
SELECT a.receipt_no, p.id_number, p.name_zh, p.name_bo,
       coalesce(json_extract(a.form_json, '$.category'), p.category), a.claim_type, a.event, a.event_date,
       date(a.created_at, '+8 hours'), a.status, a.created_by,
       (SELECT date(c.at, '+8 hours') FROM status_changes c WHERE c.application_id = a.id
         AND c.to_status IN ('approved', 'rejected', 'withdrawn') LIMIT 1),
       json_extract(d.decision_json, '$.allowance_days'), d.allowance,
       json_extract(a.form_json, '$.medical_amount'),
       (SELECT count(*) FROM documents_received r WHERE r.application_id = a.id)
FROM applications a JOIN persons p ON p.id = a.person_id
LEFT JOIN decisions d ON d.id = (
       SELECT d2.id FROM decisions d2 WHERE d2.application_id = a.id
       ORDER BY d2.decided_at DESC LIMIT 1)
"""


def _ledger_line(r: tuple[Any, ...]) -> LedgerLine:
    return LedgerLine(
        r[0],
        r[1],
        r[2],
        r[3],
        r[4],
        r[5],
        r[6],
        dt.date.fromisoformat(r[7]),
        dt.date.fromisoformat(r[8]),
        r[9],
        r[10],
        _date(r[11]),
        _int(r[12]),
        _money(r[13]),
        _money(r[14]),
        int(r[15]),
    )


def ledger(path: Path | str, receipt_nos: list[str]) -> list[LedgerLine]:
    """The ledger lines of these applications (by receipt number), in receipt-number order."""
    conn = _connect(path)
    try:
        conn.execute("CREATE TEMP TABLE wanted (receipt_no TEXT PRIMARY KEY)")
        conn.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", [(n,) for n in receipt_nos])
        return [
            _ledger_line(r)
            for r in conn.execute(
                LEDGER_SQL + " WHERE a.receipt_no IN (SELECT receipt_no FROM wanted) ORDER BY a.receipt_no"
            )
        ]
    finally:
        conn.close()


def day_end(path: Path | str, day: dt.date, counter_prefix: str | None = None) -> list[LedgerLine]:
    """End of day (日结): the applications taken in on business day ``day`` at this counter (receipt
    numbers ``540102-03-…``; this database's own counter when ``counter_prefix`` is None)."""
    conn = _connect(path)
    try:
        if counter_prefix is None:
            office = office_of(conn)
            counter_prefix = f"{office['county_code']}-{int(office['counter_no'] or 0):02d}"
        return [
            _ledger_line(r)
            for r in conn.execute(
                LEDGER_SQL + " WHERE a.created_at >= :since AND a.created_at < :until"
                " AND a.receipt_no LIKE :prefix ORDER BY a.receipt_no",
                {**_bounds(Period(day, day)), "prefix": counter_prefix + "-%"},
            )
        ]
    finally:
        conn.close()


def office_text(path: Path | str, languages: tuple[str, ...]) -> str:
    """The office line of a report header: county name(s) and code, counter number."""
    conn = _connect(path)
    try:
        o = office_of(conn)
    finally:
        conn.close()
    names = [o["county_bo"] if lang == "bo" else o["county_zh"] for lang in languages]
    names = [n for n in names if n]
    return " ".join(names) + f" ({o['county_code']}) · {o['counter_no']}"


def report(
    path: Path | str, period: Period, county: str | None = None, *, today: dt.date | None = None
) -> StatsReport:
    """The statistics report of ``period``: this period, year to date, the same period last year and
    the case ledger of the applications taken in during the period."""
    from forms.stats_report import languages_of

    today = today or business_today()
    this = indicators(path, period, county, today=today)
    ytd = indicators(path, period.year_to_date(), county, today=today)
    last = indicators(path, period.same_period_last_year(), county, today=today)
    wanted = [r.receipt_no for r in this.rows if period.start <= r.received_on <= period.end]
    if county is not None:
        wanted = [n for n in wanted if n.startswith(county)]
    langs = languages_of(this.region)
    now = china_now().strftime("%Y-%m-%d %H:%M")
    return build(
        this.indicators,
        ytd.indicators,
        last.indicators,
        ledger(path, wanted),
        office=office_text(path, langs),
        generated=now,
        languages=langs,
    )

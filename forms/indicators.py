"""Statistics indicators (统计指标, 生育保险监测指标) of a county office, for a chosen period: one
definition for the counter (``localdb.stats`` loads its rows) and the central server (its own loader,
same rows). No Qt, no SQL: the indicators are computed from typed rows.

Rows a loader supplies (the central server's loader must supply the same):

- :class:`ApplicationRow`, one per application that matters to the period: every application taken
  in on or before the period's last day that was still open at the period's start, or was closed
  (approved / rejected / withdrawn) or paid on or after the period's first day. Dates are business
  dates in Asia/Shanghai. ``county_code`` and ``counter`` are the county and counter that took the
  application in (the first two parts of the receipt number ``540102-03-20261128-0007``);
  ``category`` is the applicant's category on the application form; ``closed_*`` is the one status
  change that closed it (approved, rejected or withdrawn: the status machine allows only one),
  ``paid_on`` the day it was marked paid; ``allowance``, ``allowance_days`` and ``leave_days`` come
  from the latest entitlement decision, ``medical_amount`` from the form.
- :class:`RegistrationCount`, counts of new persons (by category) and new employers per month and
  county, for the period only (the loader groups them: a county has a million persons).

Definitions (period = first..last day, both included; "as of" = the period's last day):

- ``received``: applications taken in during the period (by ``claim_type`` and ``event`` too).
- ``approved`` / ``rejected`` / ``withdrawn``: applications closed that way during the period
  (an approved one later paid still counts as approved). ``decided`` = approved + rejected.
- ``rejection_rate`` = rejected / decided; ``top_rejection_reasons``: the reviewer's reasons,
  most frequent first (ties by text), at most five.
- ``pending``: taken in on or before the as-of day and not closed on or before it (the backlog);
  ``backlog_by_age`` by working days from intake to the as-of day: 0-5, 6-10, 11-20, over_20.
- working days (工作日) are counted as the receipts count the promise (``forms.workdays``: China's
  holiday and make-up-workday calendar; Monday–Friday outside the published years): the days after
  the intake day up to and including the decision day that are working days.
- ``within_limit``: decided during the period in at most the promised working days (the pack's
  ``processing_working_days`` on the intake day); ``over_limit`` the others; ``within_limit_share``
  = within_limit / decided; ``average_working_days`` over the decided ones (0.1 day);
  ``days_to_decision``: working days → count.
- allowance (生育津贴): over allowance claims approved during the period: ``allowance_persons``
  (distinct persons), ``allowance_days``, ``allowance_total`` (yuan), ``allowance_average`` (per
  person), ``leave_days_distribution`` (leave days → count); ``allowance_paid_count`` /
  ``allowance_paid_total``: allowance claims marked paid during the period.
- medical costs (生育医疗费用): over medical claims approved during the period: ``medical_cases``,
  ``medical_amount``, ``medical_average`` (per case).
- ``registrations`` (new persons by category), ``new_employers``.
- ``by_clerk`` / ``by_counter``: ``intake`` (taken in during the period) and ``decisions`` (approved
  or rejected during the period by that reviewer / at that counter).
- ``by_month``, ``by_county``, ``by_category``: the main counts again per month, county, category.

Every figure can be opened into the rows behind it: :func:`drill` takes the same figure path as the
JSON (``"received"``, ``"backlog_by_age.6-10"``, ``"by_clerk.wang.intake"``) and returns the rows.
Money is ``Decimal``; rates and averages are decimal strings in the JSON.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any, NamedTuple

from forms.values import money_str

ONE_DAY = dt.timedelta(days=1)
ZERO = Decimal("0")

APPROVED = "approved"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
PAID = "paid"
ALLOWANCE = "allowance"
MEDICAL = "medical"

#: age bands of the backlog, in working days since intake: (name, lowest, highest or None)
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0-5", 0, 5),
    ("6-10", 6, 10),
    ("11-20", 11, 20),
    ("over_20", 21, None),
)
TOP_REASONS = 5


class ApplicationRow(NamedTuple):
    """One application as the indicators need it (see the module docstring for each field). A named
    tuple: a county's year is a few hundred thousand of them, and a tuple is made fast."""

    id: str
    receipt_no: str
    person_id: str
    county_code: str
    counter: str
    clerk: str
    category: str
    claim_type: str  # allowance | medical
    event: str  # birth | miscarriage
    received_on: dt.date
    status: str  # the current status
    closed_to: str | None = None  # approved | rejected | withdrawn
    closed_on: dt.date | None = None
    closed_by: str | None = None
    reason: str | None = None  # the note of the closing step (the reviewer's rejection reason)
    paid_on: dt.date | None = None
    allowance: Decimal | None = None
    allowance_days: int | None = None
    leave_days: int | None = None
    medical_amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class RegistrationCount:
    """New registrations in one county (and month, where the loader splits them): ``kind`` person
    (with ``category``) or employer. (A dataclass, not a NamedTuple: ``count`` would shadow
    ``tuple.count``.)"""

    month: str | None  # YYYY-MM, or None for the whole period
    county_code: str
    kind: str  # person | employer
    category: str | None
    count: int


@dataclass(frozen=True)
class Period:
    """A statistics period, first and last day included."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("period ends before it starts")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    def same_period_last_year(self) -> Period:
        return Period(_year_back(self.start), _year_back(self.end))

    def year_to_date(self) -> Period:
        return Period(dt.date(self.end.year, 1, 1), self.end)

    def as_of(self, today: dt.date | None = None) -> dt.date:
        """The day the backlog is counted on: the last day, or ``today`` if the period runs on."""
        return self.end if today is None else max(self.start, min(self.end, today))

    def months(self) -> list[str]:
        out = []
        y, m = self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def month_end(self, month: str) -> dt.date:
        """The last day of ``month`` within the period."""
        y, m = int(month[:4]), int(month[5:7])
        nxt = dt.date(y + 1, 1, 1) if m == 12 else dt.date(y, m + 1, 1)
        return min(nxt - ONE_DAY, self.end)

    def to_json(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def _year_back(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


# --- working days ---------------------------------------------------------------------------------


@cache
def _is_working(day: dt.date) -> bool:
    from forms.workdays import CalendarGap, is_working_day

    try:
        return is_working_day(day)
    except CalendarGap:
        return day.weekday() < 5


class WorkdayIndex(dict[dt.date, int]):
    """Working days between two dates in O(1): ``self[d]`` is the running count of working days
    from a fixed epoch up to and including ``d`` (negative before it), filled in on first use.
    ``between(a, b)`` = the working days after ``a`` up to and including ``b`` (0 when b <= a)."""

    EPOCH = dt.date(2000, 1, 1)

    def __missing__(self, day: dt.date) -> int:
        epoch = self.EPOCH
        if day >= epoch:
            # fill forward from the last known day (or the epoch)
            known = max((d for d in self if d <= day), default=epoch)
            n = self.get(known, 1 if _is_working(epoch) else 0)
            self[known] = n
            d = known
            while d < day:
                d += ONE_DAY
                n += _is_working(d)
                self[d] = n
        else:
            n, d = 0, epoch
            while d > day:  # count(day, epoch] working days, so that self[epoch] - self[day] is it
                n += _is_working(d)
                d -= ONE_DAY
            base = self[epoch]
            self[day] = base - n
        return self[day]

    @property
    def cumulative(self) -> Callable[[dt.date], int]:
        return self.__getitem__

    def between(self, a: dt.date, b: dt.date) -> int:
        return 0 if b <= a else self[b] - self[a]


_WORKDAYS = WorkdayIndex()


def working_days(a: dt.date, b: dt.date) -> int:
    return _WORKDAYS.between(a, b)


def age_band(days: int) -> str:
    for name, lo, hi in AGE_BANDS:
        if days >= lo and (hi is None or days <= hi):
            return name
    raise ValueError(days)  # pragma: no cover - the bands cover every non-negative number


def promised_days_for(region: str) -> Callable[[dt.date], int]:
    """The pack's promised processing time (working days) in force on an intake day."""
    from forms.policy import load_pack

    pack = load_pack(region)

    @cache
    def days(on: dt.date) -> int:
        return int(pack.value("processing_working_days", on))

    return days


# --- membership: the one place that says which rows a figure counts ---------------------------------


def is_received(r: ApplicationRow, p: Period) -> bool:
    return p.start <= r.received_on <= p.end


def is_closed_in(r: ApplicationRow, p: Period, to: str | None = None) -> bool:
    return r.closed_on is not None and p.start <= r.closed_on <= p.end and (to is None or r.closed_to == to)


def is_decided_in(r: ApplicationRow, p: Period) -> bool:
    return is_closed_in(r, p) and r.closed_to in (APPROVED, REJECTED)


def is_pending_on(r: ApplicationRow, day: dt.date) -> bool:
    return r.received_on <= day and (r.closed_on is None or r.closed_on > day)


def is_paid_in(r: ApplicationRow, p: Period) -> bool:
    return r.paid_on is not None and p.start <= r.paid_on <= p.end


# --- the result -----------------------------------------------------------------------------------


def _ratio(num: int, den: int, places: str = "0.0001") -> str | None:
    if den == 0:
        return None
    return str((Decimal(num) / Decimal(den)).quantize(Decimal(places), rounding=ROUND_HALF_UP))


def _avg_money(total: Decimal, n: int) -> Decimal:
    return ZERO if n == 0 else total / n


@dataclass
class Indicators:
    """Every indicator of one period (see the module docstring); :meth:`to_json` is the ``liangxian
    stats --json`` contract."""

    period: Period
    region: str
    county: str | None
    as_of: dt.date | None = None
    received: int = 0
    received_by_claim: dict[str, int] = field(default_factory=dict)
    received_by_event: dict[str, int] = field(default_factory=dict)
    approved: int = 0
    rejected: int = 0
    withdrawn: int = 0
    top_rejection_reasons: list[tuple[str, int]] = field(default_factory=list)
    pending: int = 0
    backlog_by_age: dict[str, int] = field(default_factory=dict)
    within_limit: int = 0
    over_limit: int = 0
    working_days_total: int = 0
    days_to_decision: dict[int, int] = field(default_factory=dict)
    allowance_persons: int = 0
    allowance_cases: int = 0
    allowance_days: int = 0
    allowance_total: Decimal = ZERO
    allowance_paid_count: int = 0
    allowance_paid_total: Decimal = ZERO
    leave_days_distribution: dict[int, int] = field(default_factory=dict)
    medical_cases: int = 0
    medical_amount: Decimal = ZERO
    registrations: dict[str, int] = field(default_factory=dict)
    new_employers: int = 0
    by_clerk: dict[str, dict[str, int]] = field(default_factory=dict)
    by_counter: dict[str, dict[str, int]] = field(default_factory=dict)
    by_month: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_county: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_category: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def decided(self) -> int:
        return self.approved + self.rejected

    @property
    def rejection_rate(self) -> str | None:
        return _ratio(self.rejected, self.decided)

    @property
    def within_limit_share(self) -> str | None:
        return _ratio(self.within_limit, self.decided)

    @property
    def average_working_days(self) -> str | None:
        return _ratio(self.working_days_total, self.decided, "0.1")

    @property
    def allowance_average(self) -> Decimal:
        return _avg_money(self.allowance_total, self.allowance_persons)

    @property
    def medical_average(self) -> Decimal:
        return _avg_money(self.medical_amount, self.medical_cases)

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period.to_json(),
            "as_of": (self.as_of or self.period.end).isoformat(),
            "region": self.region,
            "county": self.county,
            "received": self.received,
            "received_by_claim": self.received_by_claim,
            "received_by_event": self.received_by_event,
            "approved": self.approved,
            "rejected": self.rejected,
            "withdrawn": self.withdrawn,
            "decided": self.decided,
            "rejection_rate": self.rejection_rate,
            "top_rejection_reasons": [{"reason": r, "count": n} for r, n in self.top_rejection_reasons],
            "pending": self.pending,
            "backlog_by_age": self.backlog_by_age,
            "within_limit": self.within_limit,
            "within_limit_share": self.within_limit_share,
            "over_limit": self.over_limit,
            "average_working_days": self.average_working_days,
            "days_to_decision": {str(k): v for k, v in sorted(self.days_to_decision.items())},
            "allowance_persons": self.allowance_persons,
            "allowance_cases": self.allowance_cases,
            "allowance_days": self.allowance_days,
            "allowance_total": money_str(self.allowance_total),
            "allowance_average": money_str(self.allowance_average),
            "allowance_paid_count": self.allowance_paid_count,
            "allowance_paid_total": money_str(self.allowance_paid_total),
            "leave_days_distribution": {str(k): v for k, v in sorted(self.leave_days_distribution.items())},
            "medical_cases": self.medical_cases,
            "medical_amount": money_str(self.medical_amount),
            "medical_average": money_str(self.medical_average),
            "registrations": self.registrations,
            "new_employers": self.new_employers,
            "by_clerk": self.by_clerk,
            "by_counter": self.by_counter,
            "by_month": _money_strs(self.by_month),
            "by_county": _money_strs(self.by_county),
            "by_category": _money_strs(self.by_category),
        }


def _money_strs(table: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        k: {f: (money_str(v) if isinstance(v, Decimal) else v) for f, v in row.items()}
        for k, row in sorted(table.items())
    }


#: the figures of the summary table (row key → a function of the indicators giving the value)
SUMMARY_ROWS: tuple[str, ...] = (
    "received",
    "received_by_claim.allowance",
    "received_by_claim.medical",
    "received_by_event.birth",
    "received_by_event.miscarriage",
    "approved",
    "rejected",
    "rejection_rate",
    "withdrawn",
    "pending",
    "backlog_by_age.0-5",
    "backlog_by_age.6-10",
    "backlog_by_age.11-20",
    "backlog_by_age.over_20",
    "within_limit",
    "within_limit_share",
    "over_limit",
    "average_working_days",
    "allowance_persons",
    "allowance_days",
    "allowance_total",
    "allowance_average",
    "allowance_paid_count",
    "allowance_paid_total",
    "medical_cases",
    "medical_amount",
    "medical_average",
    "registrations.employee",
    "registrations.flexible",
    "registrations.retiree",
    "registrations.volunteer",
    "new_employers",
)

#: figures that are amounts of money (yuan), rates/averages (decimal strings) — for formatting
MONEY_FIGURES = frozenset(
    {
        "allowance_total",
        "allowance_average",
        "allowance_paid_total",
        "medical_amount",
        "medical_average",
    }
)
RATIO_FIGURES = frozenset({"rejection_rate", "within_limit_share", "average_working_days"})


def figure(ind: Indicators, path: str) -> Any:
    """The value of a figure by its path (``"backlog_by_age.6-10"``) in the JSON form; 0 for a
    breakdown key that has no rows."""
    value: Any = ind.to_json()
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part, 0)
    return value


def change(now: Any, before: Any) -> str | None:
    """This period minus the same period last year, as text (None when either is missing)."""
    if now is None or before is None:
        return None
    diff = Decimal(str(now)) - Decimal(str(before))
    return ("+" if diff > 0 else "") + format(diff, "f")


# --- computing ------------------------------------------------------------------------------------


def compute(
    period: Period,
    rows: Iterable[ApplicationRow],
    registrations: Iterable[RegistrationCount] = (),
    *,
    region: str,
    county: str | None = None,
    promised_days: Callable[[dt.date], int] | None = None,
    today: dt.date | None = None,
) -> Indicators:
    """All indicators of ``period`` from the loader's rows (one pass over the applications).
    ``today`` (the business day) caps the as-of day of the backlog for a period not over yet.

    Written for speed (a county's year is a few hundred thousand rows): counts go into lists by
    index and working days come from a running count per date; :func:`drill` states the same
    definitions one predicate at a time, and a test holds the two together."""
    limit_of = promised_days or promised_days_for(region)
    ind = Indicators(period=period, region=region, county=county)
    start, end = period.start, period.end
    as_of = period.as_of(today)
    ind.as_of = as_of
    months = period.months()
    first_month = start.year * 12 + start.month - 1
    # pending at each month end: +1 from the month an application is pending at its end, -1 from
    # the month it is no longer (a running sum over the months gives the count)
    month_end_days = [min(period.month_end(m), as_of) for m in months]
    pending_delta = [0] * (len(months) + 1)
    # per month: received, decided, approved, rejected, allowance, medical
    per_month: list[list[Any]] = [[0, 0, 0, 0, ZERO, ZERO] for _ in months]
    # per county / category: received, decided, approved, rejected, pending, allowance, medical
    per_county: dict[str, list[Any]] = {}
    per_category: dict[str, list[Any]] = {}
    by_claim: Counter[str] = Counter()
    by_event: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    backlog = dict.fromkeys((name for name, _, _ in AGE_BANDS), 0)
    to_decision: Counter[int] = Counter()
    leave_dist: Counter[int] = Counter()
    allowance_people: set[str] = set()
    intake: Counter[str] = Counter()
    decisions: Counter[str] = Counter()
    counter_intake: Counter[str] = Counter()
    counter_decisions: Counter[str] = Counter()
    cum = _WORKDAYS.cumulative
    limits: dict[dt.date, int] = {}
    received = approved = rejected = withdrawn = pending = within = over = wd_total = 0
    allowance_cases = allowance_days = paid_count = medical_cases = 0
    allowance_total = paid_total = medical_total = ZERO

    for r in rows:
        (_, _, person, county_code, counter, clerk, category, claim, event, received_on, _, closed_to,
         closed_on, closed_by, reason, paid_on, allowance, a_days, l_days, medical) = r  # fmt: skip
        if county is not None and county_code != county:
            continue
        gc = per_county.get(county_code)
        if gc is None:
            gc = per_county[county_code] = [0, 0, 0, 0, 0, ZERO, ZERO]
        gk = per_category.get(category)
        if gk is None:
            gk = per_category[category] = [0, 0, 0, 0, 0, ZERO, ZERO]
        if start <= received_on <= end:
            received += 1
            by_claim[claim] += 1
            by_event[event] += 1
            intake[clerk] += 1
            counter_intake[counter] += 1
            per_month[received_on.year * 12 + received_on.month - 1 - first_month][0] += 1
            gc[0] += 1
            gk[0] += 1
        if closed_on is not None and start <= closed_on <= end:
            if closed_to == WITHDRAWN:
                withdrawn += 1
            else:
                m = per_month[closed_on.year * 12 + closed_on.month - 1 - first_month]
                days = cum(closed_on) - cum(received_on)
                wd_total += days
                to_decision[days] += 1
                limit = limits.get(received_on)
                if limit is None:
                    limit = limits[received_on] = limit_of(received_on)
                if days <= limit:
                    within += 1
                else:
                    over += 1
                decisions[closed_by or ""] += 1
                counter_decisions[counter] += 1
                m[1] += 1
                gc[1] += 1
                gk[1] += 1
                if closed_to == APPROVED:
                    approved += 1
                    m[2] += 1
                    gc[2] += 1
                    gk[2] += 1
                    if claim == ALLOWANCE:
                        amount = allowance or ZERO
                        allowance_cases += 1
                        allowance_people.add(person)
                        allowance_days += a_days or 0
                        allowance_total += amount
                        leave_dist[l_days or 0] += 1
                        m[4] += amount
                        gc[5] += amount
                        gk[5] += amount
                    else:
                        amount = medical or ZERO
                        medical_cases += 1
                        medical_total += amount
                        m[5] += amount
                        gc[6] += amount
                        gk[6] += amount
                else:
                    rejected += 1
                    m[3] += 1
                    gc[3] += 1
                    gk[3] += 1
                    reasons[(reason or "").strip()] += 1
        if paid_on is not None and start <= paid_on <= end and claim == ALLOWANCE:
            paid_count += 1
            paid_total += allowance or ZERO
        if received_on <= as_of and (closed_on is None or closed_on > as_of):
            pending += 1
            backlog[age_band(cum(as_of) - cum(received_on))] += 1
            gc[4] += 1
            gk[4] += 1
        if closed_on is None or closed_on >= start:
            lo = bisect_left(month_end_days, received_on)
            hi = len(months) if closed_on is None else bisect_left(month_end_days, closed_on)
            if lo < hi:
                pending_delta[lo] += 1
                pending_delta[hi] -= 1

    ind.received, ind.approved, ind.rejected, ind.withdrawn, ind.pending = (
        received,
        approved,
        rejected,
        withdrawn,
        pending,
    )
    ind.within_limit, ind.over_limit, ind.working_days_total = within, over, wd_total
    ind.allowance_cases, ind.allowance_days, ind.allowance_total = (
        allowance_cases,
        allowance_days,
        allowance_total,
    )
    ind.allowance_paid_count, ind.allowance_paid_total = paid_count, paid_total
    ind.medical_cases, ind.medical_amount = medical_cases, medical_total

    county_rows = {k: _group(v) for k, v in per_county.items()}
    regs: Counter[str] = Counter()
    month_regs: Counter[str] = Counter()
    for c in registrations:
        if county is not None and c.county_code != county:
            continue
        if c.kind == "employer":
            ind.new_employers += c.count
        else:
            regs[c.category or ""] += c.count
            county_rows.setdefault(c.county_code, _group_row())["registrations"] += c.count
            if c.month is not None:
                month_regs[c.month] += c.count

    running = 0
    month_rows: dict[str, dict[str, Any]] = {}
    for i, month in enumerate(months):
        running += pending_delta[i]
        rec, dec, appr, rej, allow, med = per_month[i]
        month_rows[month] = {
            "received": rec,
            "decided": dec,
            "approved": appr,
            "rejected": rej,
            "pending": running,
            "allowance_total": allow,
            "medical_amount": med,
            "registrations": month_regs[month],
        }
    ind.received_by_claim = {k: by_claim[k] for k in (ALLOWANCE, MEDICAL)} | dict(by_claim)
    ind.received_by_event = {k: by_event[k] for k in ("birth", "miscarriage")} | dict(by_event)
    ind.top_rejection_reasons = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_REASONS]
    ind.backlog_by_age = backlog
    ind.days_to_decision = dict(to_decision)
    ind.allowance_persons = len(allowance_people)
    ind.leave_days_distribution = dict(leave_dist)
    ind.registrations = dict(sorted(regs.items()))
    ind.by_clerk = {
        k: {"intake": intake[k], "decisions": decisions[k]} for k in sorted(set(intake) | set(decisions))
    }
    ind.by_counter = {
        k: {"intake": counter_intake[k], "decisions": counter_decisions[k]}
        for k in sorted(set(counter_intake) | set(counter_decisions))
    }
    ind.by_month = month_rows
    ind.by_county = county_rows
    ind.by_category = {k: _group(v) for k, v in per_category.items()}
    return ind


def _group(v: list[Any]) -> dict[str, Any]:
    return {
        "received": v[0],
        "decided": v[1],
        "approved": v[2],
        "rejected": v[3],
        "pending": v[4],
        "allowance_total": v[5],
        "medical_amount": v[6],
        "registrations": 0,
    }


def _group_row() -> dict[str, Any]:
    return {
        "received": 0,
        "decided": 0,
        "approved": 0,
        "rejected": 0,
        "pending": 0,
        "allowance_total": ZERO,
        "medical_amount": ZERO,
        "registrations": 0,
    }


# --- drill-down -----------------------------------------------------------------------------------


class UnknownFigure(KeyError):
    """No application rows stand behind that figure path (or it is not a figure)."""


def drill(
    figure_path: str,
    period: Period,
    rows: Sequence[ApplicationRow],
    *,
    region: str,
    county: str | None = None,
    promised_days: Callable[[dt.date], int] | None = None,
    today: dt.date | None = None,
) -> list[ApplicationRow]:
    """The application rows behind one figure (``"approved"``, ``"backlog_by_age.6-10"``,
    ``"by_clerk.wang.decisions"``, ``"by_month.2026-03.received"``), by the same definitions as
    :func:`compute`. Registration figures are counts of persons: ``localdb.stats`` lists those."""
    limit_of = promised_days or promised_days_for(region)
    end = period.as_of(today)
    parts = figure_path.split(".")
    head = parts[0]
    pred: Callable[[ApplicationRow], bool]

    def decided(r: ApplicationRow) -> bool:
        return is_decided_in(r, period)

    def approved_of(claim: str) -> Callable[[ApplicationRow], bool]:
        return lambda r: (
            is_closed_in(r, period, APPROVED) and (r.claim_type == ALLOWANCE) == (claim == ALLOWANCE)
        )

    simple: dict[str, Callable[[ApplicationRow], bool]] = {
        "received": lambda r: is_received(r, period),
        "approved": lambda r: is_closed_in(r, period, APPROVED),
        "rejected": lambda r: is_closed_in(r, period, REJECTED),
        "rejection_rate": lambda r: is_closed_in(r, period, REJECTED),
        "top_rejection_reasons": lambda r: is_closed_in(r, period, REJECTED),
        "withdrawn": lambda r: is_closed_in(r, period, WITHDRAWN),
        "decided": decided,
        "pending": lambda r: is_pending_on(r, end),
        "within_limit": lambda r: (
            decided(r) and working_days(r.received_on, r.closed_on or end) <= limit_of(r.received_on)
        ),
        "within_limit_share": decided,
        "average_working_days": decided,
        "over_limit": lambda r: (
            decided(r) and working_days(r.received_on, r.closed_on or end) > limit_of(r.received_on)
        ),
        "allowance_persons": approved_of(ALLOWANCE),
        "allowance_cases": approved_of(ALLOWANCE),
        "allowance_days": approved_of(ALLOWANCE),
        "allowance_total": approved_of(ALLOWANCE),
        "allowance_average": approved_of(ALLOWANCE),
        "leave_days_distribution": approved_of(ALLOWANCE),
        "allowance_paid_count": lambda r: is_paid_in(r, period) and r.claim_type == ALLOWANCE,
        "allowance_paid_total": lambda r: is_paid_in(r, period) and r.claim_type == ALLOWANCE,
        "medical_cases": approved_of(MEDICAL),
        "medical_amount": approved_of(MEDICAL),
        "medical_average": approved_of(MEDICAL),
    }
    if head in simple and len(parts) == 1:
        pred = simple[head]
    elif head == "received_by_claim" and len(parts) == 2:
        pred = lambda r: is_received(r, period) and r.claim_type == parts[1]  # noqa: E731
    elif head == "received_by_event" and len(parts) == 2:
        pred = lambda r: is_received(r, period) and r.event == parts[1]  # noqa: E731
    elif head == "backlog_by_age" and len(parts) == 2:
        pred = lambda r: is_pending_on(r, end) and age_band(working_days(r.received_on, end)) == parts[1]  # noqa: E731
    elif head == "days_to_decision" and len(parts) == 2:
        pred = lambda r: decided(r) and working_days(r.received_on, r.closed_on or end) == int(parts[1])  # noqa: E731
    elif head == "leave_days_distribution" and len(parts) == 2:
        pred = lambda r: approved_of(ALLOWANCE)(r) and (r.leave_days or 0) == int(parts[1])  # noqa: E731
    elif head in ("by_clerk", "by_counter") and len(parts) >= 3:
        who, what = ".".join(parts[1:-1]), parts[-1]
        attr = "clerk" if head == "by_clerk" else "counter"
        if what == "intake":
            pred = lambda r: is_received(r, period) and getattr(r, attr) == who  # noqa: E731
        elif what == "decisions":
            key = "closed_by" if head == "by_clerk" else "counter"
            pred = lambda r: decided(r) and (getattr(r, key) or "") == who  # noqa: E731
        else:
            raise UnknownFigure(figure_path)
    elif head in ("by_month", "by_county", "by_category") and len(parts) == 3:
        pred = _group_pred(head, parts[1], parts[2], period, end)
    else:
        raise UnknownFigure(figure_path)
    return [r for r in rows if (county is None or r.county_code == county) and pred(r)]


def _group_pred(
    head: str, key: str, what: str, period: Period, as_of: dt.date
) -> Callable[[ApplicationRow], bool]:
    pending_on = as_of
    if head == "by_month":
        start = dt.date(int(key[:4]), int(key[5:7]), 1)
        sub = Period(max(start, period.start), period.month_end(key))
        pending_on = min(sub.end, as_of)

        def in_group(r: ApplicationRow) -> bool:
            return True

    else:
        sub = period
        attr = "county_code" if head == "by_county" else "category"

        def in_group(r: ApplicationRow) -> bool:
            return bool(getattr(r, attr) == key)

    tests: dict[str, Callable[[ApplicationRow], bool]] = {
        "received": lambda r: is_received(r, sub),
        "decided": lambda r: is_decided_in(r, sub),
        "approved": lambda r: is_closed_in(r, sub, APPROVED),
        "rejected": lambda r: is_closed_in(r, sub, REJECTED),
        "pending": lambda r: is_pending_on(r, pending_on),
        "allowance_total": lambda r: is_closed_in(r, sub, APPROVED) and r.claim_type == ALLOWANCE,
        "medical_amount": lambda r: is_closed_in(r, sub, APPROVED) and r.claim_type == MEDICAL,
    }
    if what not in tests:
        raise UnknownFigure(f"{head}.{key}.{what}")
    test = tests[what]
    return lambda r: in_group(r) and test(r)

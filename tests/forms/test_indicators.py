"""Statistics indicators (issue 12, forms/indicators.py) on a small data set worked out by hand.

Period: May 2026 (2026-05-01 … 2026-05-31), counted as of 2026-05-31; promised time 10 working days
(national pack ``processing_working_days``). China's 2026 calendar: 1–5 May are the Labour Day
holidays, Saturday 9 May is a make-up working day. Working days after a date, cumulatively:

    after 2026-04-28: 04-29 (1), 04-30 (2), 05-06 (3), 05-07 (4), 05-08 (5)
    after 2026-05-06: 07 (1), 08 (2), 09 (3, Saturday make-up), 11 (4) … 15 (8), 18 (9) … 22 (13)

| row | claim     | event       | county | received   | closed                       | wd | notes                        |
|-----|-----------|-------------|--------|------------|------------------------------|----|------------------------------|
| A1  | allowance | birth       | 320706 | 04-28      | approved 05-08 rev1          | 5  | 10000.00, 158 d, paid 05-20  |
| A2  | allowance | birth       | 320706 | 05-06      | approved 05-22 rev1          | 13 | 12000.50, 158 d — over limit |
| A3  | allowance | miscarriage | 320706 | 05-07      | rejected 05-11 rev2 材料不全  | 3  |                              |
| A4  | medical   | birth       | 320707 | 05-11      | approved 05-13 rev2          | 2  | 3600.00, counter 320707-02   |
| A5  | medical   | birth       | 320706 | 05-12      | rejected 05-14 rev1 材料不全  | 2  |                              |
| A6  | allowance | birth       | 320706 | 05-13      | rejected 05-15 rev1 不符合条件 | 2 |                              |
| A7  | allowance | birth       | 320706 | 05-14      | open (under review)          |    | age 11 → band 11-20          |
| A8  | medical   | birth       | 320706 | 05-27      | open (received)              |    | age 2 → band 0-5             |
| A9  | allowance | birth       | 320706 | 04-01      | open                         |    | age > 20 → over_20           |
| A10 | allowance | birth       | 320706 | 05-18      | withdrawn 05-19              |    |                              |
| A11 | allowance | birth       | 320706 | 05-20      | open                         |    | age 7 → band 6-10            |
| A12 | allowance | birth       | 320706 | 03-02      | approved 03-10               |    | outside the period entirely  |
| A13 | allowance | miscarriage | 320706 | 05-19      | approved 05-25 rev2          | 4  | 5000.00, 15 d, person P1     |
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from forms.indicators import (
    ApplicationRow,
    Period,
    RegistrationCount,
    UnknownFigure,
    compute,
    drill,
    figure,
    promised_days_for,
    working_days,
)

MAY = Period(dt.date(2026, 5, 1), dt.date(2026, 5, 31))
D = dt.date


def row(
    n: int,
    claim: str,
    event: str,
    received: dt.date,
    *,
    status: str,
    closed: tuple[str, dt.date, str] | None = None,
    reason: str | None = None,
    person: str | None = None,
    county: str = "320706",
    counter: str | None = None,
    clerk: str = "c1",
    paid: dt.date | None = None,
    allowance: str | None = None,
    days: int | None = None,
    medical: str | None = None,
    category: str = "employee",
) -> ApplicationRow:
    return ApplicationRow(
        id=f"A{n}",
        receipt_no=f"{county}-{'02' if county == '320707' else '01'}-2026050{n % 10}-{n:04d}",
        person_id=person or f"P{n}",
        county_code=county,
        counter=counter or f"{county}-{'02' if county == '320707' else '01'}",
        clerk=clerk,
        category=category,
        claim_type=claim,
        event=event,
        received_on=received,
        status=status,
        closed_to=closed[0] if closed else None,
        closed_on=closed[1] if closed else None,
        closed_by=closed[2] if closed else None,
        reason=reason,
        paid_on=paid,
        allowance=Decimal(allowance) if allowance else None,
        allowance_days=days,
        leave_days=days,
        medical_amount=Decimal(medical) if medical else None,
    )


ROWS = [
    row(1, "allowance", "birth", D(2026, 4, 28), status="paid", closed=("approved", D(2026, 5, 8), "rev1"),
        paid=D(2026, 5, 20), allowance="10000.00", days=158),
    row(2, "allowance", "birth", D(2026, 5, 6), status="approved", closed=("approved", D(2026, 5, 22), "rev1"),
        allowance="12000.50", days=158),
    row(3, "allowance", "miscarriage", D(2026, 5, 7), status="rejected", clerk="c2",
        closed=("rejected", D(2026, 5, 11), "rev2"), reason="材料不全"),
    row(4, "medical", "birth", D(2026, 5, 11), status="approved", county="320707", clerk="c2",
        closed=("approved", D(2026, 5, 13), "rev2"), medical="3600.00", category="flexible"),
    row(5, "medical", "birth", D(2026, 5, 12), status="rejected", closed=("rejected", D(2026, 5, 14), "rev1"),
        reason="材料不全 ", category="retiree"),
    row(6, "allowance", "birth", D(2026, 5, 13), status="rejected", closed=("rejected", D(2026, 5, 15), "rev1"),
        reason="不符合条件"),
    row(7, "allowance", "birth", D(2026, 5, 14), status="under_review", clerk="c2"),
    row(8, "medical", "birth", D(2026, 5, 27), status="received"),
    row(9, "allowance", "birth", D(2026, 4, 1), status="under_review"),
    row(10, "allowance", "birth", D(2026, 5, 18), status="withdrawn", clerk="c2",
        closed=("withdrawn", D(2026, 5, 19), "c2"), reason="申请人撤回"),
    row(11, "allowance", "birth", D(2026, 5, 20), status="received"),
    row(12, "allowance", "birth", D(2026, 3, 2), status="approved", closed=("approved", D(2026, 3, 10), "rev1"),
        allowance="9999.00", days=158),
    row(13, "allowance", "miscarriage", D(2026, 5, 19), status="approved", person="P1", clerk="c2",
        closed=("approved", D(2026, 5, 25), "rev2"), allowance="5000.00", days=15),
]  # fmt: skip

REGISTRATIONS = [
    RegistrationCount("2026-05", "320706", "person", "employee", 3),
    RegistrationCount("2026-05", "320706", "person", "flexible", 1),
    RegistrationCount("2026-05", "320707", "person", "employee", 2),
    RegistrationCount("2026-05", "320706", "employer", None, 1),
]


@pytest.fixture(scope="module")
def may():
    return compute(MAY, ROWS, REGISTRATIONS, region="lianyungang", today=D(2026, 11, 20))


def test_the_promised_time_is_ten_working_days_in_the_pack() -> None:
    assert promised_days_for("lianyungang")(D(2026, 5, 6)) == 10


def test_working_days_skip_the_labour_day_holidays_and_count_the_make_up_saturday() -> None:
    assert working_days(D(2026, 4, 28), D(2026, 5, 8)) == 5  # 04-29, 04-30, 05-06, 05-07, 05-08
    assert working_days(D(2026, 5, 6), D(2026, 5, 22)) == 13  # 9 May (Saturday) is a working day
    assert working_days(D(2026, 5, 14), D(2026, 5, 31)) == 11
    assert working_days(D(2026, 5, 8), D(2026, 5, 8)) == 0


def test_received_counts_intake_in_the_period_by_benefit_and_event(may) -> None:
    # A2 A3 A4 A5 A6 A7 A8 A10 A11 A13; A1 and A9 were taken in in April, A12 in March
    assert may.received == 10
    assert may.received_by_claim == {"allowance": 7, "medical": 3}  # medical: A4 A5 A8
    assert may.received_by_event == {"birth": 8, "miscarriage": 2}  # miscarriage: A3 A13


def test_approved_rejected_withdrawn_count_closings_in_the_period(may) -> None:
    assert may.approved == 4  # A1 (taken in in April) A2 A4 A13; A12 closed in March
    assert may.rejected == 3  # A3 A5 A6
    assert may.withdrawn == 1  # A10
    assert may.decided == 7
    assert may.rejection_rate == "0.4286"  # 3 / 7


def test_top_rejection_reasons_most_frequent_first(may) -> None:
    assert may.top_rejection_reasons == [("材料不全", 2), ("不符合条件", 1)]  # A5's trailing space trimmed


def test_backlog_by_age_in_working_days_at_the_period_end(may) -> None:
    assert may.pending == 4  # A7 A8 A9 A11
    assert may.backlog_by_age == {"0-5": 1, "6-10": 1, "11-20": 1, "over_20": 1}  # A8 2, A11 7, A7 11, A9


def test_decided_within_the_promised_working_days(may) -> None:
    # working days: A1 5, A2 13, A3 3, A4 2, A5 2, A6 2, A13 4 (19 May → 20 21 22 25)
    assert may.within_limit == 6
    assert may.over_limit == 1  # A2
    assert may.within_limit_share == "0.8571"  # 6 / 7
    assert may.average_working_days == "4.4"  # 31 / 7 = 4.43
    assert may.days_to_decision == {2: 3, 3: 1, 4: 1, 5: 1, 13: 1}


def test_allowance_persons_days_total_average_and_paid(may) -> None:
    # approved allowance claims in May: A1 10000.00 (P1), A2 12000.50 (P2), A13 5000.00 (P1 again)
    assert may.allowance_cases == 3
    assert may.allowance_persons == 2
    assert may.allowance_days == 331  # 158 + 158 + 15
    assert may.allowance_total == Decimal("27000.50")
    assert may.allowance_average == Decimal("13500.25")  # per person: 27000.50 / 2
    assert may.leave_days_distribution == {158: 2, 15: 1}
    assert (may.allowance_paid_count, may.allowance_paid_total) == (1, Decimal("10000.00"))  # A1


def test_medical_cost_claims_cases_amount_average(may) -> None:
    assert (may.medical_cases, may.medical_amount, may.medical_average) == (
        1,
        Decimal("3600.00"),
        Decimal("3600.00"),
    )


def test_registrations_by_category_and_new_employers(may) -> None:
    assert may.registrations == {"employee": 5, "flexible": 1}
    assert may.new_employers == 1


def test_per_clerk_intake_and_per_reviewer_decisions(may) -> None:
    assert may.by_clerk == {
        "c1": {"intake": 5, "decisions": 0},  # A2 A5 A6 A8 A11
        "c2": {"intake": 5, "decisions": 0},  # A3 A4 A7 A10 A13
        "rev1": {"intake": 0, "decisions": 4},  # A1 A2 A5 A6
        "rev2": {"intake": 0, "decisions": 3},  # A3 A4 A13
    }
    assert may.by_counter == {
        "320706-01": {"intake": 9, "decisions": 6},
        "320707-02": {"intake": 1, "decisions": 1},
    }


def test_by_county_and_by_month(may) -> None:
    j = may.to_json()
    assert j["by_county"]["320706"] == {
        "received": 9,
        "decided": 6,  # A1 A2 A3 A5 A6 A13
        "approved": 3,
        "rejected": 3,
        "pending": 4,
        "allowance_total": "27000.50",
        "medical_amount": "0.00",
        "registrations": 4,
    }
    assert j["by_county"]["320707"]["approved"] == 1
    assert j["by_county"]["320707"]["medical_amount"] == "3600.00"
    assert list(j["by_month"]) == ["2026-05"]
    m = j["by_month"]["2026-05"]
    assert (m["received"], m["decided"], m["approved"], m["rejected"], m["pending"]) == (10, 7, 4, 3, 4)


def test_one_county_only() -> None:
    one = compute(MAY, ROWS, REGISTRATIONS, region="lianyungang", county="320707", today=D(2026, 11, 20))
    assert (one.received, one.approved, one.medical_cases, one.pending) == (1, 1, 1, 0)
    assert one.registrations == {"employee": 2}
    assert one.new_employers == 0


def test_a_period_that_runs_on_counts_the_backlog_as_of_today() -> None:
    ind = compute(MAY, ROWS, region="lianyungang", today=D(2026, 5, 15))
    # as of 15 May still open: A2 (6 May, decided 22 May: 8 wd), A7 (14 May: 1 wd), A9 (April)
    assert ind.as_of == D(2026, 5, 15)
    assert ind.pending == 3  # A2 A7 A9
    assert ind.backlog_by_age == {"0-5": 1, "6-10": 1, "11-20": 0, "over_20": 1}  # A7, A2, A9


def test_json_contract_keys_and_money_as_decimal_strings(may) -> None:
    j = may.to_json()
    for key in ("received", "approved", "rejected", "pending", "allowance_persons"):
        assert isinstance(j[key], int)
    assert j["allowance_total"] == "27000.50"
    assert j["registrations"] == {"employee": 5, "flexible": 1}
    assert j["backlog_by_age"] == {"0-5": 1, "6-10": 1, "11-20": 1, "over_20": 1}
    assert j["days_to_decision"] == {"2": 3, "3": 1, "4": 1, "5": 1, "13": 1}


COUNTED = {
    "received": 10,
    "received_by_claim.medical": 3,
    "received_by_event.miscarriage": 2,
    "approved": 4,
    "rejected": 3,
    "withdrawn": 1,
    "pending": 4,
    "backlog_by_age.11-20": 1,
    "within_limit": 6,
    "over_limit": 1,
    "allowance_cases": 3,
    "allowance_paid_count": 1,
    "medical_cases": 1,
    "days_to_decision.2": 3,
    "by_clerk.c1.intake": 5,
    "by_clerk.rev2.decisions": 3,
    "by_counter.320706-01.decisions": 6,
    "by_month.2026-05.pending": 4,
    "by_county.320707.received": 1,
}


@pytest.mark.parametrize("path", sorted(COUNTED))
def test_every_figure_opens_the_records_behind_it(may, path: str) -> None:
    rows = drill(path, MAY, ROWS, region="lianyungang", today=D(2026, 11, 20))
    assert len(rows) == COUNTED[path]
    if "." not in path or path.startswith(("backlog", "received_by", "days_to")):
        assert len(rows) == figure(may, path)


def test_drill_returns_the_rows_themselves(may) -> None:
    rows = drill("over_limit", MAY, ROWS, region="lianyungang", today=D(2026, 11, 20))
    assert [r.id for r in rows] == ["A2"]
    money = drill("allowance_total", MAY, ROWS, region="lianyungang", today=D(2026, 11, 20))
    assert sum(r.allowance for r in money if r.allowance) == may.allowance_total


def test_an_unknown_figure_is_refused() -> None:
    with pytest.raises(UnknownFigure):
        drill("no_such_thing", MAY, ROWS, region="lianyungang")


def test_same_period_last_year_and_year_to_date() -> None:
    assert MAY.same_period_last_year() == Period(D(2025, 5, 1), D(2025, 5, 31))
    assert MAY.year_to_date() == Period(D(2026, 1, 1), D(2026, 5, 31))
    assert Period(D(2024, 2, 1), D(2024, 2, 29)).same_period_last_year().end == D(2023, 2, 28)

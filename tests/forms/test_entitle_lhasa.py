"""Entitlement cases for Lhasa (Tibet), written from ../shared/domain.md, each naming the rule it
exercises. Run through the real CLI contract (``liangxian entitle -``), in-process.

Rules (domain.md): one year (365 days) of maternity leave per birth, statutory leave included (Tibet
2017 notice); the fund pays the allowance for the national days only (98, +15 dystocia — caesarean
counted as dystocia — +15 per extra baby) and the employer pays wages for the rest; miscarriage gets
the national days (15 below 16 completed weeks, 42 from 16); allowance = wage ÷ 30 × days, half-up
only at the end; at least 12 consecutive contribution months; flexible workers, western-region
volunteers and retirees do not join maternity insurance: medical fund, no allowance (拉政办发〔2020〕10号
二（一）); merged from 2020-01-01 with unchanged benefit levels.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.forms.decisions import assert_eligible_decision

REGION = "lhasa"
BASE: dict[str, Any] = {
    "region": REGION,
    "category": "employee",
    "event": "birth",
    "event_date": "2023-06-15",
    "babies": 1,
    "dystocia": False,
    "employer_avg_monthly_wage": "6000.00",
    "contribution_months": 24,
    "insured_since": "2015-01-01",
}


def app(**changes: Any) -> dict[str, Any]:
    data = dict(BASE, **changes)
    return {k: v for k, v in data.items() if v is not None}


def miscarriage(weeks: Any, **changes: Any) -> dict[str, Any]:
    return app(event="miscarriage", gestation_weeks=weeks, babies=None, **changes)


# (application, leave_days, breakdown [(code, days)], allowance_days, daily_rate, allowance)
DECISIONS = [
    pytest.param(
        app(),
        365,
        [("national.base", 98), ("regional.extension", 267)],
        98,
        "200.00",
        "19600.00",
        id="tibet-365-days-leave-allowance-98-national-days",
    ),
    pytest.param(
        app(event_date="2024-02-20"),
        365,
        [("national.base", 98), ("regional.extension", 267)],
        98,
        "200.00",
        "19600.00",
        id="tibet-365-days-2024-birth",
    ),
    pytest.param(
        app(employer_avg_monthly_wage="6543.21"),
        365,
        [("national.base", 98), ("regional.extension", 267)],
        98,
        "218.11",
        # 6543.21 × 98 ÷ 30 = 21374.486 → 21374.49; rounding the daily rate first gives 21374.78
        "21374.49",
        id="allowance-rounded-only-at-the-end-6543.21",
    ),
    pytest.param(
        app(employer_avg_monthly_wage="7300.50"),
        365,
        [("national.base", 98), ("regional.extension", 267)],
        98,
        "243.35",
        "23848.30",
        id="allowance-wage-div-30-times-98-wage-7300.50",
    ),
    pytest.param(
        app(dystocia=True),
        365,
        [("national.base", 98), ("national.dystocia", 15), ("regional.extension", 252)],
        113,
        "200.00",
        "22600.00",
        id="dystocia-plus-15-allowance-days-inside-the-year",
    ),
    pytest.param(
        app(caesarean=True, employer_avg_monthly_wage="6543.21"),
        365,
        [("national.base", 98), ("national.dystocia", 15), ("regional.extension", 252)],
        113,
        "218.11",
        "24646.09",
        id="caesarean-counted-as-dystocia-6543.21",
    ),
    pytest.param(
        app(caesarean=True, dystocia=True),
        365,
        [("national.base", 98), ("national.dystocia", 15), ("regional.extension", 252)],
        113,
        "200.00",
        "22600.00",
        id="caesarean-and-dystocia-counted-once",
    ),
    pytest.param(
        app(babies=2),
        365,
        [("national.base", 98), ("national.extra_baby", 15), ("regional.extension", 252)],
        113,
        "200.00",
        "22600.00",
        id="twins-extra-baby-plus-15-allowance-days",
    ),
    pytest.param(
        app(babies=3),
        365,
        [("national.base", 98), ("national.extra_baby", 30), ("regional.extension", 237)],
        128,
        "200.00",
        "25600.00",
        id="triplets-each-extra-baby-plus-15",
    ),
    pytest.param(
        app(babies=2, caesarean=True, employer_avg_monthly_wage="6543.21"),
        365,
        [
            ("national.base", 98),
            ("national.dystocia", 15),
            ("national.extra_baby", 15),
            ("regional.extension", 237),
        ],
        128,
        "218.11",
        # 6543.21 × 128 ÷ 30 = 27917.696 → 27917.70 (premature rounding: 27918.08)
        "27917.70",
        id="twins-caesarean-128-allowance-days-6543.21",
    ),
    pytest.param(
        app(dystocia=True, employer_avg_monthly_wage="4321.09"),
        365,
        [("national.base", 98), ("national.dystocia", 15), ("regional.extension", 252)],
        113,
        "144.04",
        "16276.11",
        id="dystocia-allowance-rounded-only-at-the-end-4321.09",
    ),
    pytest.param(
        app(babies=3, dystocia=True, employer_avg_monthly_wage="8888.88"),
        365,
        [
            ("national.base", 98),
            ("national.dystocia", 15),
            ("national.extra_baby", 30),
            ("regional.extension", 222),
        ],
        143,
        "296.30",
        "42370.33",
        id="triplets-with-dystocia-143-allowance-days-8888.88",
    ),
    pytest.param(
        miscarriage(15),
        15,
        [("national.miscarriage_early", 15)],
        15,
        "200.00",
        "3000.00",
        id="miscarriage-15-weeks-15-days-no-365",
    ),
    pytest.param(
        miscarriage("15+6"),
        15,
        [("national.miscarriage_early", 15)],
        15,
        "200.00",
        "3000.00",
        id="miscarriage-15+6-is-15-completed-weeks",
    ),
    pytest.param(
        miscarriage(6, employer_avg_monthly_wage="6543.21"),
        15,
        [("national.miscarriage_early", 15)],
        15,
        "218.11",
        "3271.61",
        id="miscarriage-6-weeks-15-days-6543.21",
    ),
    pytest.param(
        miscarriage(16),
        42,
        [("national.miscarriage_late", 42)],
        42,
        "200.00",
        "8400.00",
        id="miscarriage-16-weeks-is-4-full-months-42-days",
    ),
    pytest.param(
        miscarriage("16+0"),
        42,
        [("national.miscarriage_late", 42)],
        42,
        "200.00",
        "8400.00",
        id="miscarriage-16+0-42-days",
    ),
    pytest.param(
        miscarriage(26, employer_avg_monthly_wage="6543.21"),
        42,
        [("national.miscarriage_late", 42)],
        42,
        "218.11",
        # 6543.21 × 42 ÷ 30 = 9160.494 → 9160.49 (premature rounding: 9160.62)
        "9160.49",
        id="miscarriage-26-weeks-42-days-6543.21",
    ),
    pytest.param(
        miscarriage(14, employer_avg_monthly_wage="6000.01"),
        15,
        [("national.miscarriage_early", 15)],
        15,
        "200.00",
        "3000.01",
        id="miscarriage-allowance-half-up-3000.005",
    ),
    pytest.param(
        app(event_date="2019-12-01", insured_since="2012-01-01"),
        365,
        [("national.base", 98), ("regional.extension", 267)],
        98,
        "200.00",
        "19600.00",
        id="before-merger-2020-01-01-same-benefit-levels",
    ),
    pytest.param(
        app(event_date="2019-06-01", dystocia=True, insured_since="2012-01-01"),
        365,
        [("national.base", 98), ("national.dystocia", 15), ("regional.extension", 252)],
        113,
        "200.00",
        "22600.00",
        id="before-merger-dystocia-same-benefit-levels",
    ),
    pytest.param(
        app(event_date="2020-01-01"),
        365,
        [("national.base", 98), ("regional.extension", 267)],
        98,
        "200.00",
        "19600.00",
        id="merger-day-2020-01-01",
    ),
    pytest.param(
        app(contribution_months=12),
        365,
        [("national.base", 98), ("regional.extension", 267)],
        98,
        "200.00",
        "19600.00",
        id="contribution-exactly-12-months-eligible",
    ),
]


@pytest.mark.parametrize(
    ("application", "leave_days", "breakdown", "allowance_days", "daily_rate", "allowance"), DECISIONS
)
def test_decision(entitle, application, leave_days, breakdown, allowance_days, daily_rate, allowance) -> None:
    code, out = entitle(application)
    assert code == 0, out
    assert_eligible_decision(out, "lhasa", leave_days, breakdown, allowance_days, daily_rate, allowance)


NOT_ELIGIBLE = [
    pytest.param(app(contribution_months=11), 365, id="contribution-11-months-below-minimum-12"),
    pytest.param(app(contribution_months=0, dystocia=True), 365, id="contribution-0-months-dystocia"),
    pytest.param(miscarriage(20, contribution_months=5), 42, id="miscarriage-contribution-below-12"),
]


@pytest.mark.parametrize(("application", "leave_days"), NOT_ELIGIBLE)
def test_contribution_months_below_minimum(entitle, application, leave_days) -> None:
    """domain.md: minimum consecutive contribution months (12 in Lhasa); when not met the decision
    is 'not eligible' with the reason code and the employer pays (leave itself stands)."""
    code, out = entitle(application)
    assert code == 0, out
    assert out["eligible"] is False
    assert out["reasons"] == ["allowance.contribution_months_short"]
    assert out["allowance"] == "0.00"
    assert out["allowance_days"] == 0
    assert out["leave_days"] == leave_days


@pytest.mark.parametrize(
    "category",
    [
        pytest.param("flexible", id="flexible-worker-does-not-join-maternity-insurance"),
        pytest.param("volunteer", id="western-region-volunteer-does-not-join-maternity-insurance"),
        pytest.param("retiree", id="retiree-medical-fund-no-allowance"),
    ],
)
def test_non_employee_categories(entitle, category: str) -> None:
    """拉政办发〔2020〕10号 二（一）: flexible workers and western-region volunteers do not join
    maternity insurance; their childbirth medical costs are reimbursed by medical insurance."""
    code, out = entitle(app(category=category, employer_avg_monthly_wage=None, contribution_months=None))
    assert code == 0, out
    assert out["eligible"] is False
    assert out["medical_paid_by"] == "medical"
    assert out["allowance"] == "0.00"
    assert out["daily_rate"] == "0.00"
    assert out["allowance_days"] == 0
    assert out["reasons"] == ["allowance.category_not_covered"]


def test_volunteer_with_wage_given_still_gets_no_allowance(entitle) -> None:
    code, out = entitle(app(category="volunteer"))
    assert code == 0, out
    assert (out["eligible"], out["allowance"], out["medical_paid_by"]) == (False, "0.00", "medical")


INVALID = [
    pytest.param(app(category="student"), "category.unknown", "category", id="unknown-category"),
    pytest.param(app(region="Lasa"), "region.unknown", "region", id="unknown-region"),
    pytest.param(app(event_date="2099-12-31"), "date.future", "event_date", id="future-event-date"),
    pytest.param(app(babies=0), "application.babies", "babies", id="birth-with-0-babies"),
    pytest.param(
        app(employer_avg_monthly_wage="-1.00"),
        "money.negative",
        "employer_avg_monthly_wage",
        id="negative-wage",
    ),
    pytest.param(
        app(employer_avg_monthly_wage="abc"),
        "money.format",
        "employer_avg_monthly_wage",
        id="non-numeric-wage",
    ),
    pytest.param(app(event_date="2023-02-30"), "date.invalid", "event_date", id="impossible-date-2023-02-30"),
    pytest.param(app(event_date="15/06/2023"), "date.format", "event_date", id="non-iso-date"),
    pytest.param(
        app(contribution_months=None),
        "application.months_required",
        "contribution_months",
        id="employee-without-contribution-months",
    ),
    pytest.param(
        miscarriage("about 15"),
        "application.gestation_format",
        "gestation_weeks",
        id="gestation-not-in-weeks",
    ),
]


@pytest.mark.parametrize(("application", "code", "field"), INVALID)
def test_invalid_input_exits_2_with_errors(entitle, application, code: str, field: str) -> None:
    exit_code, out = entitle(application)
    assert exit_code == 2, out
    assert set(out) == {"errors"}
    assert (code, field) in {(e["code"], e["field"]) for e in out["errors"]}, out
    for e in out["errors"]:
        assert e["message_zh"] and e["message_bo"] and e["message_en"]
        assert e["message_zh"] != f"error.{e['code']}"


def test_not_insured_on_the_event_date_is_not_eligible(entitle) -> None:
    """domain.md, eligibility for the allowance: covered by maternity insurance on the event date;
    when not met, the decision is "not eligible" with the reason code (not invalid input). The
    employer still owes the leave."""
    exit_code, out = entitle(app(insured_since="2024-01-01"))
    assert exit_code == 0, out
    assert out["eligible"] is False
    assert out["reasons"] == ["allowance.not_insured_on_event_date"]
    assert out["leave_days"] > 0
    assert (out["allowance_days"], out["daily_rate"], out["allowance"]) == (0, "0.00", "0.00")

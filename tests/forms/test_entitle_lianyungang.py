"""Entitlement cases for Lianyungang (Jiangsu), written from ../shared/domain.md, each naming the
rule it exercises. Run through the real CLI contract (``liangxian entitle -``), in-process.

Rules (domain.md): national leave 98 days, dystocia +15 (caesarean counted as dystocia), each extra
baby +15, miscarriage < 16 completed weeks 15 days, >= 16 weeks 42 days (女职工劳动保护特别规定 art. 7);
Jiangsu extension +30 before 2022-02-10 and +60 from then (also for leave still running on that
date), paid by the fund; allowance = employer's previous-year average monthly wage ÷ 30 × days,
rounded half-up only at the end; at least 10 consecutive contribution months; flexible workers and
retirees get medical costs from the medical fund and no allowance; no western-region volunteers here.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.forms.decisions import assert_eligible_decision

REGION = "lianyungang"
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
        158,
        [("national.base", 98), ("regional.extension", 60)],
        158,
        "200.00",
        "31600.00",
        id="jiangsu-158-days-after-2022-02-10",
    ),
    pytest.param(
        app(event_date="2024-03-20"),
        158,
        [("national.base", 98), ("regional.extension", 60)],
        158,
        "200.00",
        "31600.00",
        id="jiangsu-158-days-2024-birth",
    ),
    pytest.param(
        app(event_date="2022-03-15"),
        158,
        [("national.base", 98), ("regional.extension", 60)],
        158,
        "200.00",
        "31600.00",
        id="jiangsu-158-days-five-weeks-after-amendment",
    ),
    pytest.param(
        app(employer_avg_monthly_wage="7300.50"),
        158,
        [("national.base", 98), ("regional.extension", 60)],
        158,
        "243.35",
        "38449.30",
        id="allowance-wage-div-30-times-158-wage-7300.50",
    ),
    pytest.param(
        app(employer_avg_monthly_wage="6543.21"),
        158,
        [("national.base", 98), ("regional.extension", 60)],
        158,
        "218.11",
        # 6543.21 × 158 ÷ 30 = 34460.906 → 34460.91; rounding the daily rate first gives 34461.38
        "34460.91",
        id="allowance-rounded-only-at-the-end-6543.21",
    ),
    pytest.param(
        app(dystocia=True),
        173,
        [("national.base", 98), ("national.dystocia", 15), ("regional.extension", 60)],
        173,
        "200.00",
        "34600.00",
        id="dystocia-plus-15",
    ),
    pytest.param(
        app(caesarean=True),
        173,
        [("national.base", 98), ("national.dystocia", 15), ("regional.extension", 60)],
        173,
        "200.00",
        "34600.00",
        id="caesarean-counted-as-dystocia",
    ),
    pytest.param(
        app(caesarean=True, dystocia=True),
        173,
        [("national.base", 98), ("national.dystocia", 15), ("regional.extension", 60)],
        173,
        "200.00",
        "34600.00",
        id="caesarean-and-dystocia-counted-once",
    ),
    pytest.param(
        app(babies=2),
        173,
        [("national.base", 98), ("national.extra_baby", 15), ("regional.extension", 60)],
        173,
        "200.00",
        "34600.00",
        id="twins-extra-baby-plus-15",
    ),
    pytest.param(
        app(babies=3),
        188,
        [("national.base", 98), ("national.extra_baby", 30), ("regional.extension", 60)],
        188,
        "200.00",
        "37600.00",
        id="triplets-each-extra-baby-plus-15",
    ),
    pytest.param(
        app(babies=4),
        203,
        [("national.base", 98), ("national.extra_baby", 45), ("regional.extension", 60)],
        203,
        "200.00",
        "40600.00",
        id="quadruplets-each-extra-baby-plus-15",
    ),
    pytest.param(
        app(babies=2, dystocia=True, employer_avg_monthly_wage="4321.09"),
        188,
        [
            ("national.base", 98),
            ("national.dystocia", 15),
            ("national.extra_baby", 15),
            ("regional.extension", 60),
        ],
        188,
        "144.04",
        "27078.83",
        id="twins-with-dystocia-wage-4321.09",
    ),
    pytest.param(
        app(dystocia=True, employer_avg_monthly_wage="5555.55"),
        173,
        [("national.base", 98), ("national.dystocia", 15), ("regional.extension", 60)],
        173,
        "185.19",
        "32037.01",
        id="dystocia-allowance-rounded-only-at-the-end-5555.55",
    ),
    pytest.param(
        app(dystocia=True, employer_avg_monthly_wage="6000.15"),
        173,
        [("national.base", 98), ("national.dystocia", 15), ("regional.extension", 60)],
        173,
        "200.01",
        # 6000.15 × 173 ÷ 30 = 34600.865 exactly: half-up gives .87 (half-even would give .86)
        "34600.87",
        id="rounding-half-up-not-half-even",
    ),
    pytest.param(
        miscarriage(15),
        15,
        [("national.miscarriage_early", 15)],
        15,
        "200.00",
        "3000.00",
        id="miscarriage-15-weeks-15-days-no-jiangsu-extension",
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
        miscarriage(8),
        15,
        [("national.miscarriage_early", 15)],
        15,
        "200.00",
        "3000.00",
        id="miscarriage-8-weeks-15-days",
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
        miscarriage("22+3", employer_avg_monthly_wage="7777.77"),
        42,
        [("national.miscarriage_late", 42)],
        42,
        "259.26",
        "10888.88",
        id="miscarriage-22+3-weeks-42-days-wage-7777.77",
    ),
    pytest.param(
        miscarriage(12, employer_avg_monthly_wage="6000.01"),
        15,
        [("national.miscarriage_early", 15)],
        15,
        "200.00",
        # 6000.01 × 15 ÷ 30 = 3000.005 exactly → 3000.01 half-up
        "3000.01",
        id="miscarriage-allowance-half-up-3000.005",
    ),
    pytest.param(
        app(event_date="2021-06-01", insured_since="2015-01-01"),
        128,
        [("national.base", 98), ("regional.extension", 30)],
        128,
        "200.00",
        "25600.00",
        id="jiangsu-128-days-before-2022-02-10",
    ),
    pytest.param(
        app(event_date="2020-08-01", dystocia=True, employer_avg_monthly_wage="6543.21"),
        143,
        [("national.base", 98), ("national.dystocia", 15), ("regional.extension", 30)],
        143,
        "218.11",
        "31189.30",
        id="jiangsu-30-day-extension-with-dystocia-2020",
    ),
    pytest.param(
        app(event_date="2021-12-01"),
        158,
        [("national.base", 98), ("regional.extension", 60)],
        158,
        "200.00",
        "31600.00",
        id="jiangsu-60-days-for-leave-still-running-on-2022-02-10",
    ),
    pytest.param(
        app(event_date="2019-06-01", insured_since="2012-01-01"),
        128,
        [("national.base", 98), ("regional.extension", 30)],
        128,
        "200.00",
        "25600.00",
        id="before-merger-2019-12-31-same-benefit-levels",
    ),
    pytest.param(
        app(event_date="2019-12-30", babies=2, insured_since="2012-01-01"),
        143,
        [("national.base", 98), ("national.extra_baby", 15), ("regional.extension", 30)],
        143,
        "200.00",
        "28600.00",
        id="day-before-merger-old-maternity-insurance-same-levels",
    ),
    pytest.param(
        app(event_date="2019-12-31", insured_since="2012-01-01"),
        128,
        [("national.base", 98), ("regional.extension", 30)],
        128,
        "200.00",
        "25600.00",
        id="merger-day-2019-12-31",
    ),
    pytest.param(
        app(contribution_months=10),
        158,
        [("national.base", 98), ("regional.extension", 60)],
        158,
        "200.00",
        "31600.00",
        id="contribution-exactly-10-months-eligible",
    ),
]


@pytest.mark.parametrize(
    ("application", "leave_days", "breakdown", "allowance_days", "daily_rate", "allowance"), DECISIONS
)
def test_decision(entitle, application, leave_days, breakdown, allowance_days, daily_rate, allowance) -> None:
    code, out = entitle(application)
    assert code == 0, out
    assert_eligible_decision(out, "lianyungang", leave_days, breakdown, allowance_days, daily_rate, allowance)


# (application, reason, leave_days)
NOT_ELIGIBLE = [
    pytest.param(app(contribution_months=9), 158, id="contribution-9-months-below-minimum-10"),
    pytest.param(app(contribution_months=0), 158, id="contribution-0-months-below-minimum-10"),
    pytest.param(miscarriage(18, contribution_months=3), 42, id="miscarriage-contribution-below-minimum-10"),
]


@pytest.mark.parametrize(("application", "leave_days"), NOT_ELIGIBLE)
def test_contribution_months_below_minimum(entitle, application, leave_days) -> None:
    """domain.md: minimum consecutive contribution months (10 in Lianyungang); when not met the
    decision is 'not eligible' with the reason code, the employer pays (leave itself stands)."""
    code, out = entitle(application)
    assert code == 0, out
    assert out["eligible"] is False
    assert out["reasons"] == ["allowance.contribution_months_short"]
    assert out["allowance"] == "0.00"
    assert out["allowance_days"] == 0
    assert out["leave_days"] == leave_days
    assert out["medical_paid_by"] == "maternity"


def test_filed_after_the_one_year_limit_is_not_eligible(entitle) -> None:
    """domain.md: applications must be filed within a time limit (default 1 year)."""
    code, out = entitle(app(filed_on="2024-07-01"))
    assert code == 0, out
    assert out["eligible"] is False
    assert out["reasons"] == ["allowance.filing_deadline_passed"]
    assert out["allowance"] == "0.00"


@pytest.mark.parametrize(
    "category",
    [
        pytest.param("flexible", id="flexible-worker-medical-fund-no-allowance"),
        pytest.param("retiree", id="retiree-medical-fund-at-maternity-standard-no-allowance"),
    ],
)
def test_non_employee_categories(entitle, category: str) -> None:
    """连政办发〔2019〕91号 二（五）: flexible workers' and retirees' childbirth medical costs are paid by
    the employee medical fund; no maternity allowance."""
    code, out = entitle(app(category=category, employer_avg_monthly_wage=None, contribution_months=None))
    assert code == 0, out
    assert out["eligible"] is False
    assert out["medical_paid_by"] == "medical"
    assert out["allowance"] == "0.00"
    assert out["daily_rate"] == "0.00"
    assert out["allowance_days"] == 0
    assert out["reasons"] == ["allowance.category_not_covered"]


# (application, error code, field)
INVALID = [
    pytest.param(app(category="volunteer"), "category.unknown", "category", id="volunteer-unknown-here"),
    pytest.param(app(category="farmer"), "category.unknown", "category", id="unknown-category"),
    pytest.param(app(region="suzhou"), "region.unknown", "region", id="unknown-region"),
    pytest.param(app(event_date="2099-01-01"), "date.future", "event_date", id="future-event-date"),
    pytest.param(app(babies=0), "application.babies", "babies", id="birth-with-0-babies"),
    pytest.param(
        app(employer_avg_monthly_wage="-6000.00"),
        "money.negative",
        "employer_avg_monthly_wage",
        id="negative-wage",
    ),
    pytest.param(
        app(employer_avg_monthly_wage="六千"),
        "money.format",
        "employer_avg_monthly_wage",
        id="non-numeric-wage",
    ),
    pytest.param(
        app(employer_avg_monthly_wage="6000.125"),
        "money.precision",
        "employer_avg_monthly_wage",
        id="wage-with-three-decimals",
    ),
    pytest.param(app(event_date="2023-02-30"), "date.invalid", "event_date", id="impossible-date-2023-02-30"),
    pytest.param(
        miscarriage(None), "application.gestation_required", "gestation_weeks", id="miscarriage-no-weeks"
    ),
    pytest.param(
        app(employer_avg_monthly_wage=None),
        "application.wage_required",
        "employer_avg_monthly_wage",
        id="employee-without-wage",
    ),
    pytest.param(
        app(event_date="2011-05-01", insured_since="2005-01-01"),
        "application.before_merger_unknown",
        "event_date",
        id="event-older-than-every-rule",
    ),
    pytest.param(
        app(event_date="2011-05-01", leave_start="2011-04-25", insured_since="2005-01-01"),
        "application.before_merger_unknown",
        "event_date",
        id="event-older-than-every-rule-with-a-leave-start",
    ),
]


@pytest.mark.parametrize(("application", "code", "field"), INVALID)
def test_invalid_input_exits_2_with_errors(entitle, application, code: str, field: str) -> None:
    exit_code, out = entitle(application)
    assert exit_code == 2, out
    assert set(out) == {"errors"}
    found = {(e["code"], e["field"]) for e in out["errors"]}
    assert (code, field) in found, out
    for e in out["errors"]:
        assert e["message_zh"] and e["message_bo"] and e["message_en"]
        assert e["message_zh"] != f"error.{e['code']}"


def test_not_insured_on_the_event_date_is_not_eligible(entitle) -> None:
    """domain.md, eligibility for the allowance: covered by maternity insurance on the event date;
    when not met, the decision is "not eligible" with the reason code (not invalid input). The
    employer still owes the leave."""
    exit_code, out = entitle(app(insured_since="2023-07-01"))
    assert exit_code == 0, out
    assert out["eligible"] is False
    assert out["reasons"] == ["allowance.not_insured_on_event_date"]
    assert out["leave_days"] > 0
    assert (out["allowance_days"], out["daily_rate"], out["allowance"]) == (0, "0.00", "0.00")

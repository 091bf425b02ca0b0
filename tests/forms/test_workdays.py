"""China's holiday calendar: the promised processing time in working days (make-up workdays count,
holidays do not) and the Jiangsu extension days, which skip statutory holidays (domain.md: the slip's
leave end date skips them; the allowance days stay 158)."""

from __future__ import annotations

import datetime as dt

import pytest

from forms.entitlement import application_from_json, decide
from forms.workdays import add_days_skipping_holidays, add_working_days, is_statutory_holiday

D = dt.date


def statutory_days(year: int) -> list[dt.date]:
    day, out = D(year, 1, 1), []
    while day.year == year:
        if is_statutory_holiday(day):
            out.append(day)
        day += dt.timedelta(days=1)
    return out


@pytest.mark.parametrize(
    ("year", "count"), [(2019, 11), (2021, 11), (2022, 11), (2023, 11), (2024, 11), (2025, 13)]
)
def test_statutory_holidays_per_year(year: int, count: int) -> None:
    """全国年节及纪念日放假办法: 11 statutory days a year, 13 from 2025. Weekends inside a holiday
    block are ordinary rest days, not statutory holidays (fix: they used to be counted)."""
    assert len(statutory_days(year)) == count


def test_national_day_2024_is_three_days() -> None:
    october = [d for d in statutory_days(2024) if d.month == 10]
    assert october == [D(2024, 10, 1), D(2024, 10, 2), D(2024, 10, 3)]


def test_weekend_and_swapped_days_are_not_statutory() -> None:
    assert not is_statutory_holiday(D(2024, 10, 5))  # Saturday inside the block
    assert not is_statutory_holiday(D(2024, 10, 7))  # day off in lieu of 2024-10-12
    assert not is_statutory_holiday(D(2024, 10, 12))  # make-up working Saturday


def test_extension_days_skip_statutory_holidays_only() -> None:
    # 60 days after 2024-09-20 would end 2024-11-19; the 3 National Day days push it to 11-22
    assert add_days_skipping_holidays(D(2024, 9, 20), 60) == (D(2024, 11, 22), True)
    # no holiday in the span: plain calendar days
    assert add_days_skipping_holidays(D(2024, 3, 1), 30) == (D(2024, 3, 31), True)


def test_jiangsu_leave_end_date_for_a_2023_06_15_birth() -> None:
    """98 national days end 2023-09-20; the 60 extension days skip Mid-Autumn (09-29) and National
    Day (10-01…10-03, Sunday's day made up on 10-04): 2023-09-20 + 60 + 4 = 2023-11-23."""
    app, issues = application_from_json(
        {
            "region": "lianyungang",
            "category": "employee",
            "event": "birth",
            "event_date": "2023-06-15",
            "babies": 1,
            "employer_avg_monthly_wage": "6000",
            "contribution_months": 24,
            "insured_since": "2015-01-01",
        }
    )
    assert app is not None, issues
    decision = decide(app)
    assert (decision.leave_start, decision.leave_end) == (D(2023, 6, 15), D(2023, 11, 23))
    assert decision.leave_days == decision.allowance_days == 158


def test_lhasa_year_of_leave_ends_on_calendar_days() -> None:
    app, _ = application_from_json(
        {
            "region": "lhasa",
            "category": "employee",
            "event": "birth",
            "event_date": "2023-06-15",
            "babies": 1,
            "employer_avg_monthly_wage": "6000",
            "contribution_months": 24,
            "insured_since": "2015-01-01",
        }
    )
    assert app is not None
    assert decide(app).leave_end == D(2024, 6, 13)  # 365 calendar days from 2023-06-15 (leap year)


def test_processing_time_counts_make_up_workdays() -> None:
    """10 working days from 2023-09-28: the 09-29…10-06 holidays are skipped, the make-up Saturday
    and Sunday 10-07/10-08 count."""
    assert add_working_days(D(2023, 9, 28), 10) == (D(2023, 10, 18), True)


def test_unpublished_calendar_year_falls_back_and_says_so() -> None:
    end, exact = add_working_days(D(2099, 1, 1), 5)
    assert exact is False and end == D(2099, 1, 8)

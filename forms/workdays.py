"""China's public-holiday and make-up-workday calendar (chinese-calendar package), for the promised
completion date of an application and for leave extensions that skip statutory holidays.

chinese-calendar knows only the years the State Council has published. Outside them we fall back to
Monday–Friday working days and no holiday skipping, and say so (``CalendarGap``), rather than guess.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar

ONE_DAY = dt.timedelta(days=1)


class CalendarGap(LookupError):
    """The official calendar for that year is not published (or not known to this version)."""


def is_working_day(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:
        raise CalendarGap(str(exc)) from exc


def is_statutory_holiday(day: dt.date) -> bool:
    """A day off for a public holiday (法定节假日), not a weekend and not a day moved in lieu.

    chinese-calendar names every day of a holiday block, weekends and swapped days included. The
    statutory days are its named, not-in-lieu weekdays: a Saturday or Sunday inside the block is an
    ordinary rest day, and a statutory day that falls on a weekend is made up by a weekday (补假) that
    the calendar records as a holiday. That gives the legal count (11 days a year, 13 from 2025).
    """
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        return bool(on_holiday and name and day.weekday() < 5 and not chinese_calendar.is_in_lieu(day))
    except NotImplementedError as exc:
        raise CalendarGap(str(exc)) from exc


def add_working_days(start: dt.date, days: int) -> tuple[dt.date, bool]:
    """The date ``days`` working days after ``start`` (``start`` itself not counted).

    Returns ``(date, exact)``; ``exact`` is False when part of the span fell outside the official
    calendar and plain Monday–Friday was used there."""
    exact = True
    day = start
    left = days
    while left > 0:
        day += ONE_DAY
        try:
            working = is_working_day(day)
        except CalendarGap:
            exact = False
            working = day.weekday() < 5
        if working:
            left -= 1
    return day, exact


def add_days_skipping_holidays(last: dt.date, days: int) -> tuple[dt.date, bool]:
    """The date on which ``days`` more leave days end, counted after ``last``, skipping statutory
    holidays. Returns ``(end_date, exact)`` as in :func:`add_working_days`."""
    exact = True
    day = last
    left = days
    while left > 0:
        day += ONE_DAY
        try:
            skip = is_statutory_holiday(day)
        except CalendarGap:
            exact = False
            skip = False
        if not skip:
            left -= 1
    return day, exact

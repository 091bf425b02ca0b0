"""The one business clock: "today" is the date in China's time zone (Asia/Shanghai, which is also
Lhasa's official time), whatever the machine's own time zone. Receipt numbers, filing dates, printed
dates, deadlines and every "today" come from here; time stamps are stored in UTC
(``localdb.clock.utc_now``) and shown in China's time."""

from __future__ import annotations

import datetime as dt

try:  # the system's tz database (Debian: tzdata); China has kept UTC+8 without DST since 1991
    from zoneinfo import ZoneInfo

    CHINA_TZ: dt.tzinfo = ZoneInfo("Asia/Shanghai")
except Exception:  # pragma: no cover - a machine without a tz database
    CHINA_TZ = dt.timezone(dt.timedelta(hours=8), "CST")


def china_now() -> dt.datetime:
    """Now, as a time-zone-aware datetime in China's time."""
    return dt.datetime.now(CHINA_TZ)


def business_today() -> dt.date:
    """Today's business date in China."""
    return china_now().date()


def china_time(stamp: str | dt.datetime) -> dt.datetime:
    """A stored UTC time stamp (``2026-12-01T17:30:00.000000Z``, or an aware datetime) in China's time.
    A naive datetime is taken as UTC (that is how the store writes them)."""
    moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")) if isinstance(stamp, str) else stamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(CHINA_TZ)


def business_date(stamp: str | dt.datetime) -> dt.date:
    """The business date in China of a stored UTC time stamp."""
    return china_time(stamp).date()

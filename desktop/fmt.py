"""Dates, numbers and money in the UI language's locale (Babel; bo_CN for Tibetan).

Babel's bo_CN dates take the month from CLDR's month names, which are written with Tibetan digits
(``ཟླ་༧``), while the year and day come out in Western digits: ``2026 ལོའི་ཟླ་༧ཚེས་10``. A date
keeps one digit system, the Western one used on forms and in the ID numbers beside it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from desktop.lang import BABEL_LOCALES
from forms.clock import business_date, china_time

_WESTERN_DIGITS = str.maketrans("༠༡༢༣༤༥༦༧༨༩", "0123456789")


def _locale(lang: str) -> str:
    return BABEL_LOCALES.get(lang, lang)


def western_digits(text: str) -> str:
    """``text`` with Tibetan digits (༠–༩) written as Western ones (0–9)."""
    return text.translate(_WESTERN_DIGITS)


def date(value: dt.date | str | None, lang: str) -> str:
    from babel.dates import format_date

    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:  # a stored UTC time stamp is shown as its date in China; a plain date as it is
            value = business_date(value) if "T" in value else dt.date.fromisoformat(value)
        except ValueError:
            return value
    return western_digits(format_date(value, format="medium", locale=_locale(lang)))


def datetime(value: dt.datetime | str | None, lang: str) -> str:
    from babel.dates import format_datetime

    if value is None or value == "":
        return ""
    try:  # stored time stamps are UTC: shown in China's time, whatever the machine's zone
        value = china_time(value).replace(tzinfo=None)
    except ValueError:
        return str(value)
    return western_digits(format_datetime(value, format="short", locale=_locale(lang)))


def number(value: int | Decimal | float, lang: str) -> str:
    from babel.numbers import format_decimal

    return format_decimal(value, locale=_locale(lang))


def money(value: Decimal | str | None, lang: str) -> str:
    """Yuan with two decimals, grouped per locale (¥12,345.50)."""
    from babel.numbers import format_currency

    if value is None or value == "":
        return ""
    return format_currency(Decimal(str(value)), "CNY", locale=_locale(lang))

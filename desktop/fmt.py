"""Dates, numbers and money in the UI language's locale (Babel; bo_CN for Tibetan)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from desktop.lang import BABEL_LOCALES


def _locale(lang: str) -> str:
    return BABEL_LOCALES.get(lang, lang)


def date(value: dt.date | str | None, lang: str) -> str:
    from babel.dates import format_date

    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return format_date(value, format="medium", locale=_locale(lang))


def datetime(value: dt.datetime | str | None, lang: str) -> str:
    from babel.dates import format_datetime

    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    return format_datetime(value, format="short", locale=_locale(lang))


def number(value: int | Decimal | float, lang: str) -> str:
    from babel.numbers import format_decimal

    return format_decimal(value, locale=_locale(lang))


def money(value: Decimal | str | None, lang: str) -> str:
    """Yuan with two decimals, grouped per locale (¥12,345.50)."""
    from babel.numbers import format_currency

    if value is None or value == "":
        return ""
    return format_currency(Decimal(str(value)), "CNY", locale=_locale(lang))

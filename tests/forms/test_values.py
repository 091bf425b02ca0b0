"""Plain value parsers: money (Decimal, 2 places, never float), ISO dates, whole numbers, booleans,
mainland mobile numbers, gestation weeks as hospitals write them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from forms.values import (
    money_str,
    parse_bool,
    parse_date,
    parse_gestation_weeks,
    parse_int,
    parse_mobile,
    parse_money,
    quantize_money,
)


def codes(issues) -> list[str]:
    return [i.code for i in issues]


# --- money -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("6500", "6500.00"),
        ("6500.5", "6500.50"),
        ("7300.50", "7300.50"),
        ("6,500.00", "6500.00"),
        (" 6543.21 ", "6543.21"),
        ("0", "0.00"),
        (6500, "6500.00"),
        (Decimal("6543.21"), "6543.21"),
    ],
)
def test_money_parses_to_decimal_with_2_places(raw: object, expected: str) -> None:
    value, issues = parse_money(raw, "wage")
    assert issues == []
    assert isinstance(value, Decimal)
    assert value == Decimal(expected) and value.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        pytest.param(6500.5, "money.format", id="float-refused"),
        pytest.param(True, "money.format", id="bool-refused"),
        pytest.param("-100", "money.negative", id="negative"),
        pytest.param("-100.00", "money.negative", id="negative-with-cents"),
        pytest.param("abc", "money.format", id="non-numeric"),
        pytest.param("六千", "money.format", id="chinese-numerals"),
        pytest.param("1e3", "money.format", id="exponent"),
        pytest.param("6500.", "money.format", id="dangling-point"),
        pytest.param("6500.123", "money.precision", id="three-decimals"),
        pytest.param("100000000", "money.too_large", id="too-large"),
        pytest.param(None, "money.format", id="none"),
        pytest.param("--5", "money.format", id="double-minus"),
    ],
)
def test_money_errors(raw: object, code: str) -> None:
    value, issues = parse_money(raw, "wage")
    assert value is None
    assert codes(issues) == [code] and issues[0].field == "wage"


def test_money_rounding_is_half_up_at_two_places() -> None:
    assert quantize_money(Decimal("3000.005")) == Decimal("3000.01")
    assert quantize_money(Decimal("3000.015")) == Decimal("3000.02")
    assert quantize_money(Decimal("2.675")) == Decimal("2.68")
    assert money_str(Decimal("200")) == "200.00"


# --- dates -------------------------------------------------------------------------------------------


def test_iso_date() -> None:
    assert parse_date("2023-06-15", "d") == (dt.date(2023, 6, 15), [])
    assert parse_date("2024-02-29", "d") == (dt.date(2024, 2, 29), [])


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        pytest.param("2023-02-30", "date.invalid", id="feb-30"),
        pytest.param("2023-02-29", "date.invalid", id="feb-29-non-leap"),
        pytest.param("2023-13-01", "date.invalid", id="month-13"),
        pytest.param("2023-6-15", "date.format", id="not-zero-padded"),
        pytest.param("15/06/2023", "date.format", id="day-first"),
        pytest.param("20230615", "date.format", id="basic-format"),
        pytest.param(20230615, "date.format", id="number"),
        pytest.param("1899-12-31", "date.too_early", id="before-1900"),
    ],
)
def test_date_errors(raw: object, code: str) -> None:
    value, issues = parse_date(raw, "d")
    assert value is None and codes(issues) == [code]


def test_future_dates_refused_only_when_asked() -> None:
    today = dt.date(2024, 1, 1)
    assert codes(parse_date("2024-01-02", "d", today=today, allow_future=False)[1]) == ["date.future"]
    assert parse_date("2024-01-01", "d", today=today, allow_future=False)[0] == today
    assert parse_date("2024-01-02", "d", today=today)[0] == dt.date(2024, 1, 2)


# --- whole numbers, booleans -------------------------------------------------------------------------


def test_int() -> None:
    assert parse_int("12", "m", lo=0, hi=99) == (12, [])
    assert parse_int(12, "m", lo=0, hi=99) == (12, [])
    assert codes(parse_int("12.5", "m", lo=0, hi=99)[1]) == ["type.int"]
    assert codes(parse_int(True, "m", lo=0, hi=99)[1]) == ["type.int"]
    assert codes(parse_int(-1, "m", lo=0, hi=99)[1]) == ["int.range"]


@pytest.mark.parametrize(
    ("raw", "value"), [(True, True), ("是", True), ("否", False), ("false", False), (0, False)]
)
def test_bool(raw: object, value: bool) -> None:
    assert parse_bool(raw, "b") == (value, [])


def test_bool_refuses_other_values() -> None:
    assert codes(parse_bool("maybe", "b")[1]) == ["type.bool"]
    assert codes(parse_bool(2, "b")[1]) == ["type.bool"]


# --- mobile numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("13891234567", "13891234567"),
        ("189 0891 2345", "18908912345"),
        ("+86 139-0891-2345", "13908912345"),
        ("008615189012345", "15189012345"),
        ("19912345678", "19912345678"),
    ],
)
def test_mobile_valid(raw: str, digits: str) -> None:
    assert parse_mobile(raw, "phone") == (digits, [])


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("12891234567", id="second-digit-2"),
        pytest.param("1389123456", id="10-digits"),
        pytest.param("138912345678", id="12-digits"),
        pytest.param("0891-6321234", id="landline"),
        pytest.param("23891234567", id="not-starting-with-1"),
        pytest.param(13891234567, id="number-not-text"),
        pytest.param("1389123456a", id="letter"),
    ],
)
def test_mobile_invalid(raw: object) -> None:
    value, issues = parse_mobile(raw, "phone")
    assert value is None and codes(issues) == ["phone.format"]


# --- gestation weeks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "weeks"),
    [
        (15, 15),
        ("15", 15),
        ("15+6", 15),
        ("16+0", 16),
        ("16 周", 16),
        ("12w", 12),
        ("孕15+6周", 15),
        ("15周6天", 15),
        ("15周+6天", 15),
        ("15w6d", 15),
        ("15 weeks 6 days", 15),
        (" 15 + 6 ", 15),
    ],
)
def test_gestation_weeks_as_hospitals_write_them(raw: object, weeks: int) -> None:
    assert parse_gestation_weeks(raw, "g") == (weeks, [])


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("15+7", "application.gestation_format"),
        ("15周7天", "application.gestation_format"),
        ("156", "application.gestation_format"),  # never read as 15+6
        ("15周6", "application.gestation_format"),
        ("x", "application.gestation_format"),
        (46, "int.range"),
    ],
)
def test_gestation_weeks_errors(raw: object, code: str) -> None:
    assert codes(parse_gestation_weeks(raw, "g")[1]) == [code]


# --- what a Chinese input method types ------------------------------------------------------------


def test_full_width_digits_from_a_chinese_input_method_are_read() -> None:
    assert parse_money("６５００．５０", "wage") == (Decimal("6500.50"), [])
    assert parse_mobile("１３９ ００００ １２３４", "phone") == ("13900001234", [])
    assert parse_date("２０２３－０６－１５", "event_date") == (dt.date(2023, 6, 15), [])
    assert parse_int("１２", "months", lo=0, hi=99) == (12, [])


def test_full_width_and_spaced_id_numbers_are_compacted() -> None:
    from forms.ric import check_resident_id
    from forms.uscc import check_uscc

    parsed, issues = check_resident_id("１１０１０５ １９４９ １２３１ ００２ｘ")
    assert issues == [] and parsed is not None and parsed.number == "11010519491231002X"
    parsed, issues = check_resident_id("110105-19491231-002X")
    assert issues == [] and parsed is not None
    assert check_uscc("９１１１００００６０００３７３４１Ｌ") == ("91110000600037341L", [])

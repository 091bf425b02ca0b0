"""Parsers for plain values: ISO dates, money (``Decimal`` with 2 places, never float), whole numbers,
booleans and mainland mobile numbers. Each returns ``(value, issues)`` and never raises on bad input.

Every parser bounds its input before any work (issue 16, findings 6 and 7): a number is looked at by
its length and exponent before it is converted, so ``1e1000000``, an integer literal of 5,000 digits,
``NaN`` or ``Infinity`` is refused at once instead of costing a minute of CPU or raising."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from forms.clock import business_today
from forms.errors import Issue, error

CENT = Decimal("0.01")
MONEY_MAX = Decimal("100000000")  # 1e8 yuan: anything larger is a typing slip at a counter
MAX_NUMBER_CHARS = 40  # the longest number text worth reading ("100,000,000.00" with room to spare)
MAX_INT_DIGITS = 18  # every whole number on our forms fits in a signed 64-bit SQLite INTEGER
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONEY_RE = re.compile(r"^\d+(\.\d+)?$")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_typed(text: str) -> str:
    """What a clerk typed, as plain ASCII where it can be: a Chinese input method gives full-width
    digits, letters and punctuation (１３９, ．, －), which NFKC folds to their ASCII forms."""
    return unicodedata.normalize("NFKC", text).strip()


def parse_date(
    raw: object, field: str, *, today: dt.date | None = None, allow_future: bool = True
) -> tuple[dt.date | None, list[Issue]]:
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        value = raw
    elif isinstance(raw, str):
        m = _DATE_RE.match(normalize_typed(raw)) if len(raw) <= MAX_NUMBER_CHARS else None
        if not m:
            return None, [error("date.format", field)]
        try:
            value = dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None, [error("date.invalid", field)]
    else:
        return None, [error("date.format", field)]
    if value.year < 1900:
        return None, [error("date.too_early", field, min="1900-01-01")]
    if not allow_future and value > (today or business_today()):
        return None, [error("date.future", field)]
    return value, []


def parse_money(raw: object, field: str) -> tuple[Decimal | None, list[Issue]]:
    """Yuan as a string (``"6500"``, ``"6500.5"``, ``"6,500.00"``) or int. Floats are refused: they
    cannot carry an exact amount."""
    if isinstance(raw, bool) or isinstance(raw, float):
        return None, [error("money.format", field)]
    if isinstance(raw, int):
        if raw.bit_length() > 64:  # str() of a huge int is slow, and over 4,300 digits raises
            return None, [error("money.too_large", field)]
        text = str(raw)
    elif isinstance(raw, Decimal):
        if not raw.is_finite():
            return None, [error("money.format", field)]
        if raw.adjusted() >= 12:  # ≥ 1e12: far above MONEY_MAX, and format() of 1e1000000 is a megabyte
            return None, [error("money.too_large", field)]
        exponent = raw.as_tuple().exponent  # an int: raw is finite (only NaN/Infinity have a letter)
        if raw.adjusted() < -MAX_NUMBER_CHARS or (isinstance(exponent, int) and -exponent > MAX_NUMBER_CHARS):
            return None, [error("money.precision", field)]
        text = format(raw, "f")
    elif isinstance(raw, str):
        if len(raw) > MAX_NUMBER_CHARS:
            return None, [error("money.format", field)]
        text = normalize_typed(raw).replace(",", "")
    else:
        return None, [error("money.format", field)]
    if text.startswith("-"):
        body = text[1:]
        if _MONEY_RE.match(body):
            return None, [error("money.negative", field)]
        return None, [error("money.format", field)]
    if not _MONEY_RE.match(text):
        return None, [error("money.format", field)]
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, [error("money.format", field)]
    if value >= MONEY_MAX:  # before quantize: 1e26 and more do not fit its 28 digits (InvalidOperation)
        return None, [error("money.too_large", field)]
    if value != value.quantize(CENT):
        return None, [error("money.precision", field)]
    return value.quantize(CENT), []


def parse_int(raw: object, field: str, *, lo: int, hi: int) -> tuple[int | None, list[Issue]]:
    if isinstance(raw, bool):
        return None, [error("type.int", field)]
    if isinstance(raw, int):
        if raw.bit_length() > 64:
            return None, [error("int.range", field, min=lo, max=hi)]
        value = raw
    elif (
        isinstance(raw, str)
        and len(raw) <= MAX_NUMBER_CHARS
        and re.fullmatch(r"-?[0-9]+", text := normalize_typed(raw))
    ):
        if len(text.lstrip("-").lstrip("0")) > MAX_INT_DIGITS:
            return None, [error("int.range", field, min=lo, max=hi)]
        value = int(text)
    elif isinstance(raw, float) and math.isfinite(raw) and raw == int(raw):
        value = int(raw)
    elif isinstance(raw, Decimal) and raw.is_finite():
        # look at the exponent first: int(Decimal("1e1000000")) builds a million-digit number
        if raw.adjusted() > MAX_INT_DIGITS:
            return None, [error("int.range", field, min=lo, max=hi)]
        if raw != raw.to_integral_value():
            return None, [error("type.int", field)]
        value = int(raw)
    else:
        return None, [error("type.int", field)]
    if not lo <= value <= hi:
        return None, [error("int.range", field, min=lo, max=hi)]
    return value, []


def parse_bool(raw: object, field: str) -> tuple[bool | None, list[Issue]]:
    if isinstance(raw, bool):
        return raw, []
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw), []
    if isinstance(raw, str) and raw.strip().lower() in {"true", "false", "yes", "no", "1", "0", "是", "否"}:
        return raw.strip().lower() in {"true", "yes", "1", "是"}, []
    return None, [error("type.bool", field)]


def parse_mobile(raw: object, field: str) -> tuple[str | None, list[Issue]]:
    """Mainland mobile number: 11 digits, ``1[3-9]…``. Spaces, dashes and a +86 prefix are accepted."""
    if not isinstance(raw, str) or len(raw) > MAX_NUMBER_CHARS:
        return None, [error("phone.format", field)]
    digits = re.sub(r"[\s\-()]", "", normalize_typed(raw))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not _MOBILE_RE.match(digits):
        return None, [error("phone.format", field)]
    return digits, []


_WEEK = r"(?:周|w|wk|weeks?)"
_DAY = r"(?:天|日|d|days?)"
# weeks, then optionally the extra days (0–6) after "+" or after a week unit: 15, 15周, 15+6, 15+6周,
# 孕15+6周, 15周6天, 15周+6天, 15w6d, 15 weeks 6 days. A bare "156" is refused, never read as 15+6.
_GESTATION_RE = re.compile(
    rf"\s*孕?\s*(\d{{1,2}})\s*(?:\+\s*[0-6]\s*{_DAY}?\s*{_WEEK}?|{_WEEK}\s*(?:\+?\s*[0-6]\s*{_DAY})?)?\s*",
    re.IGNORECASE,
)


def parse_gestation_weeks(raw: object, field: str) -> tuple[int | None, list[Issue]]:
    """Completed weeks of gestation, as hospitals write them: ``15``, ``"15"``, ``"15+6"``, ``"孕15+6周"``
    or ``"15周6天"`` (15 weeks and 6 days counts as 15 completed weeks)."""
    if isinstance(raw, str):
        # bounded first: the pattern's optional parts backtrack quadratically on a long run of spaces
        m = _GESTATION_RE.fullmatch(raw) if len(raw) <= MAX_NUMBER_CHARS else None
        if not m:
            return None, [error("application.gestation_format", field)]
        raw = int(m[1])
    return parse_int(raw, field, lo=0, hi=45)


def quantize_money(value: Decimal) -> Decimal:
    """Round half-up to 0.01 yuan. Call only at the end of a computation."""
    from decimal import ROUND_HALF_UP

    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money_str(value: Decimal) -> str:
    return format(quantize_money(value), "f")

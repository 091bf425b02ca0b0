"""Resident identity number (公民身份号码, GB 11643-1999).

18 characters: 6-digit division code where the number was first issued, 8-digit birth date, 3-digit
sequence (odd = male, even = female) and a MOD 11-2 check character (0–9 or X). Check digit and date
parsing come from python-stdnum (``stdnum.cn.ric``); its birthplace check is deliberately not used,
because it rejects county codes created after the birth year, which are valid on real cards (numbers
were issued from 1985 on with the county of registration). We check the province instead and look the
county up for its name; an unknown county inside a known province is a warning, not an error.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

from stdnum.cn import ric as stdnum_ric
from stdnum.exceptions import ValidationError as StdnumError

from forms import divisions
from forms.clock import business_today
from forms.errors import Issue, error, errors_only, warning
from forms.values import normalize_typed


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: dt.date
    sex: str  # "male" | "female"
    division_code: str
    division_name: str | None
    warnings: tuple[Issue, ...] = field(default=())


def compact(raw: str) -> str:
    """Full-width characters folded (a Chinese input method types １１０…), spaces and dashes removed."""
    return stdnum_ric.compact(re.sub(r"[\s\-]", "", normalize_typed(raw)))


def check_resident_id(
    raw: object, field_name: str = "id_number", *, today: dt.date | None = None
) -> tuple[ResidentId | None, list[Issue]]:
    """Validate one ID number. Returns the parsed number (or None) and every issue found."""
    if not isinstance(raw, str) or not raw.strip():
        return None, [error("required", field_name)]
    parsed, issues = _check_cached(raw, field_name, today or business_today())
    return parsed, list(issues)


@lru_cache(maxsize=4096)
def _check_cached(raw: str, field_name: str, today: dt.date) -> tuple[ResidentId | None, tuple[Issue, ...]]:
    # A form checks the same number for the field itself, the derived birth date and sex, and the
    # cross-field rules; the result depends only on these arguments.
    parsed, issues = _check(raw, field_name, today)
    return parsed, tuple(issues)


def _check(raw: str, field_name: str, today: dt.date) -> tuple[ResidentId | None, list[Issue]]:
    number = compact(raw)
    if len(number) == 15 and number.isdigit():
        return None, [error("id.legacy_15", field_name)]
    if len(number) != 18:
        return None, [error("id.length", field_name)]
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return None, [error("id.format", field_name)]

    issues: list[Issue] = []
    if number[17] != stdnum_ric.calc_check_digit(number):
        issues.append(error("id.checksum", field_name))
    birth: dt.date | None
    try:
        birth = stdnum_ric.get_birth_date(number)
    except StdnumError:
        birth = None
        issues.append(error("id.birthdate", field_name))
    if birth is not None:
        if birth.year < 1900:
            issues.append(error("id.birthdate", field_name))
        elif birth > today:
            issues.append(error("id.birthdate_future", field_name))
    code = number[:6]
    province = divisions.province_name(code[:2])
    county = divisions.lookup(code)
    if province is None:
        issues.append(error("id.division", field_name, code=code[:2]))
    elif county is None:
        issues.append(warning("id.division_unknown", field_name, code=code))
    if errors_only(issues) or birth is None:
        return None, issues
    name = county.full_name_zh if county else province
    sex = "male" if int(number[16]) % 2 == 1 else "female"
    return ResidentId(number, birth, sex, code, name, tuple(issues)), issues


def mask(number: str) -> str:
    """First 6 and last 4 characters only, as printed on receipts: ``540102********1234``."""
    return number[:6] + "*" * (len(number) - 10) + number[-4:] if len(number) > 10 else number

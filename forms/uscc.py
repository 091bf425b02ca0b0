"""Unified social credit code (统一社会信用代码, GB 32100-2015) of employers.

18 characters from ``0-9A-Z`` without I, O, Z, S, V: registration authority (1), entity type (1),
division code (6 digits), organisation code (9) and a MOD 31 check character. The check character is
python-stdnum's (``stdnum.cn.uscc.calc_check_digit``); its format check demands digits in the first
two places, which real codes (``N2…``, ``Y1…``) do not have, so the format is checked here per the
standard. A failing check is an error at the counter; the store lets a supervisor override it with a
recorded reason for early pilot codes.
"""

from __future__ import annotations

from stdnum.cn import uscc as stdnum_uscc

from forms.errors import Issue, error
from forms.values import normalize_typed

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def compact(raw: str) -> str:
    return stdnum_uscc.compact(normalize_typed(raw))


def check_uscc(raw: object, field_name: str = "uscc") -> tuple[str | None, list[Issue]]:
    if not isinstance(raw, str) or not raw.strip():
        return None, [error("required", field_name)]
    code = compact(raw)
    if len(code) != 18:
        return None, [error("uscc.length", field_name)]
    if any(c not in ALPHABET for c in code) or not code[2:8].isdigit():
        return None, [error("uscc.format", field_name)]
    if code[-1] != stdnum_uscc.calc_check_digit(code):
        return None, [error("uscc.checksum", field_name)]
    return code, []

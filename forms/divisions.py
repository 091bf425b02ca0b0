"""Administrative divisions (行政区划代码, GB/T 2260) by name.

An ID number's first six digits name the county where it was first issued (from 1985 on), not the
birthplace; a code created after the birth year, or abolished since, is still valid on an old number.
So we check only that the province exists, and look the county up for its name: our own table first
(``data/divisions.toml``, with Tibetan names), then python-stdnum's GB/T 2260 table, ignoring the
years of validity that table records.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypedDict, cast

_DATA = Path(__file__).resolve().parent / "data" / "divisions.toml"


@dataclass(frozen=True)
class County:
    code: str
    name_zh: str
    name_bo: str
    full_name_zh: str
    current: bool
    region: str | None


class _CountyRow(TypedDict):
    """One ``[counties."CODE"]`` table of ``data/divisions.toml``."""

    zh: str
    bo: str
    current: bool
    region: str


class _DivisionTable(TypedDict):
    """``data/divisions.toml``: province names by 2-digit code, our counties by 6-digit code."""

    provinces: dict[str, str]
    counties: dict[str, _CountyRow]


@cache
def _table() -> _DivisionTable:
    with _DATA.open("rb") as fh:
        return cast(_DivisionTable, tomllib.load(fh))  # our own data file, shaped as above


def province_name(code2: str) -> str | None:
    return _table()["provinces"].get(code2)


def _stdnum_name(code6: str) -> str | None:
    """County name from python-stdnum's table, with its ``[1983-2014]`` validity markers removed.
    Several names may share a code over time; the latest is the one an office would recognise."""
    from stdnum import numdb

    results = numdb.get("cn/loc").info(code6)
    info = {k: v for _part, props in results for k, v in props.items()}
    county = info.get("county")
    if not county:
        return None
    names = [n.split("]", 1)[1] if n.startswith("[") else n for n in county.split(",")]
    return names[-1] or None


@cache
def lookup(code6: str) -> County | None:
    """The county (or prefecture / province level unit) with this 6-digit code, or None if unknown."""
    if len(code6) != 6 or not code6.isdigit():
        return None
    province = province_name(code6[:2])
    if province is None:
        return None
    own = _table()["counties"].get(code6)
    region: str | None
    if own:
        name_zh, name_bo, current, region = own["zh"], own["bo"], own["current"], own["region"]
    else:
        stdnum_zh = _stdnum_name(code6)
        if stdnum_zh is None:
            return None
        name_zh, name_bo, current, region = stdnum_zh, "", True, None
    parts = [province]
    if code6[2:] != "0000":
        prefecture_code = code6[:4] + "00"
        if prefecture_code != code6:
            pref_row = _table()["counties"].get(prefecture_code)
            pref = (pref_row["zh"] if pref_row else None) or _stdnum_name(prefecture_code)
            if pref and pref != province and pref not in ("市辖区", "县"):
                parts.append(pref)
        if name_zh != province:
            parts.append(name_zh)
    return County(code6, name_zh, name_bo, "".join(parts), current, region)


def region_counties(region: str, *, current_only: bool = True) -> list[County]:
    """The counties of one region (for the first-run county picker and synthetic data)."""
    out = []
    for code, row in _table()["counties"].items():
        if row["region"] == region and (row["current"] or not current_only) and not code.endswith("00"):
            county = lookup(code)
            if county:
                out.append(county)
    return out

"""Regional policy packs: policy facts as data (``forms/policies/*.toml``), read by one engine.

A pack holds parameters as timelines (``effective_from`` → value, with its source), the insured-person
categories of the region, document checklists and the region's names and languages. A pack may
``extends`` another (every regional pack extends ``national``), and a file with ``amends = "<id>"``
adds entries to an existing pack — adding a region or an amendment needs a data file, no code.
An event is judged by the entry in force on its date; an amendment never rewrites history.
Extra pack folders may be named in ``LIANGXIAN_POLICY_PATH`` (``os.pathsep``-separated).
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

BUILTIN_DIR = Path(__file__).resolve().parent / "policies"


class PolicyError(ValueError):
    """A pack file is inconsistent (unknown source, unsorted timeline, missing parent …)."""


class NoRuleInForce(LookupError):
    """No entry of a parameter is in force on the date asked (the event predates every rule)."""


@dataclass(frozen=True)
class Entry:
    name: str
    effective_from: dt.date
    value: Any
    source: str  # key into the pack's sources
    citation: str  # the source's text
    applies_to_running_leave: bool = False


@dataclass(frozen=True)
class Category:
    code: str
    joins_maternity: bool
    allowance: bool
    medical_paid_by: str  # "maternity" | "medical"
    citation: str


@dataclass(frozen=True)
class PolicyPack:
    id: str
    names: dict[str, str]
    office: dict[str, str]
    languages: tuple[str, ...]
    division: str
    province: str
    merged_on: dt.date | None
    merger_citation: str
    params: dict[str, tuple[Entry, ...]]
    categories: dict[str, Category]
    checklists: dict[str, tuple[str, ...]]
    sources: dict[str, str] = field(repr=False)

    def entry(self, name: str, on: dt.date) -> Entry:
        """The entry of parameter ``name`` in force on ``on``."""
        timeline = self.params.get(name)
        if not timeline:
            raise KeyError(f"pack {self.id!r} has no parameter {name!r}")
        current = None
        for e in timeline:
            if e.effective_from <= on:
                current = e
            else:
                break
        if current is None:
            raise NoRuleInForce(f"{self.id}: no {name} in force on {on.isoformat()}")
        return current

    def value(self, name: str, on: dt.date) -> Any:
        return self.entry(name, on).value

    def next_entry(self, name: str, after: dt.date) -> Entry | None:
        """The first entry of ``name`` that takes effect after ``after``, if any."""
        for e in self.params.get(name, ()):
            if e.effective_from > after:
                return e
        return None

    def has(self, name: str) -> bool:
        return name in self.params

    @property
    def bilingual(self) -> bool:
        return len(self.languages) > 1


def _search_dirs() -> list[Path]:
    extra = os.environ.get("LIANGXIAN_POLICY_PATH", "")
    return [BUILTIN_DIR, *(Path(p) for p in extra.split(os.pathsep) if p)]


@cache
def _raw_files() -> tuple[tuple[Path, dict[str, Any]], ...]:
    files: list[tuple[Path, dict[str, Any]]] = []
    for folder in _search_dirs():
        for path in sorted(folder.glob("*.toml")):
            with path.open("rb") as fh:
                files.append((path, tomllib.load(fh)))
    return tuple(files)


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise PolicyError(f"{where}: bad date {value!r}") from exc


def _merged_raw(pack_id: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """The raw data of a pack with its parent's and its amendments' data merged in."""
    if pack_id in seen:
        raise PolicyError(f"cycle in pack inheritance: {' → '.join((*seen, pack_id))}")
    bases = [raw for _p, raw in _raw_files() if raw.get("id") == pack_id and "amends" not in raw]
    if not bases:
        raise KeyError(pack_id)
    if len(bases) > 1:
        raise PolicyError(f"pack {pack_id!r} is defined more than once")
    own = bases[0]
    merged: dict[str, Any] = {"sources": {}, "params": {}, "categories": {}, "checklists": {}}
    if own.get("extends"):
        parent = _merged_raw(own["extends"], (*seen, pack_id))
        for key in ("sources", "categories", "checklists"):
            merged[key].update(parent[key])
        merged["params"] = {k: list(v) for k, v in parent["params"].items()}
    layers = [own] + [raw for _p, raw in _raw_files() if raw.get("amends") == pack_id]
    for layer in layers:
        merged["sources"].update(layer.get("sources", {}))
        merged["categories"].update(layer.get("categories", {}))
        merged["checklists"].update(layer.get("checklists", {}))
        for name, entries in layer.get("params", {}).items():
            # a regional timeline replaces the parent's entries from its first date on
            own_entries = list(entries)
            first = min(_date(e["effective_from"], f"{pack_id}.{name}") for e in own_entries)
            inherited = [
                e for e in merged["params"].get(name, []) if _date(e["effective_from"], name) < first
            ]
            if layer is own:
                merged["params"][name] = inherited + own_entries
            else:  # an amendment appends to the pack's own timeline
                merged["params"][name] = merged["params"].get(name, []) + own_entries
    for key in (
        "names",
        "office",
        "languages",
        "division",
        "province",
        "merged_on",
        "merger_source",
        "abstract",
    ):
        if key in own:
            merged[key] = own[key]
    return merged


@cache
def load_pack(pack_id: str) -> PolicyPack:
    """The pack for a region (``lianyungang``, ``lhasa`` …). KeyError if there is none."""
    raw = _merged_raw(pack_id)
    if raw.get("abstract"):
        raise KeyError(pack_id)
    sources: dict[str, str] = raw["sources"]

    def cite(key: str, where: str) -> str:
        if key not in sources:
            raise PolicyError(f"{pack_id}: {where} cites unknown source {key!r}")
        return sources[key]

    params: dict[str, tuple[Entry, ...]] = {}
    for name, entries in raw["params"].items():
        timeline = sorted(
            (
                Entry(
                    name=name,
                    effective_from=_date(e["effective_from"], f"{pack_id}.{name}"),
                    value=e["value"],
                    source=e["source"],
                    citation=cite(e["source"], f"params.{name}"),
                    applies_to_running_leave=bool(e.get("applies_to_running_leave", False)),
                )
                for e in entries
            ),
            key=lambda e: e.effective_from,
        )
        dates = [e.effective_from for e in timeline]
        if len(set(dates)) != len(dates):
            raise PolicyError(f"{pack_id}.{name}: two entries share an effective_from date")
        params[name] = tuple(timeline)
    for e in params.get("allowance_divisor", ()):
        try:
            parse_divisor(e.value)
        except PolicyError as exc:
            raise PolicyError(f"{pack_id}: {exc} (effective {e.effective_from})") from exc
    categories = {
        code: Category(
            code=code,
            joins_maternity=bool(c["joins_maternity"]),
            allowance=bool(c["allowance"]),
            medical_paid_by=c["medical_paid_by"],
            citation=cite(c["source"], f"categories.{code}"),
        )
        for code, c in raw["categories"].items()
    }
    for c in categories.values():
        if c.medical_paid_by not in ("maternity", "medical"):
            raise PolicyError(f"{pack_id}.categories.{c.code}: medical_paid_by must be maternity|medical")
    merged_on = _date(raw["merged_on"], f"{pack_id}.merged_on") if raw.get("merged_on") else None
    pack = PolicyPack(
        id=pack_id,
        names=dict(raw.get("names", {})),
        office=dict(raw.get("office", {})),
        languages=tuple(raw.get("languages", ("zh",))),
        division=str(raw.get("division", "")),
        province=str(raw.get("province", "")),
        merged_on=merged_on,
        merger_citation=sources.get(raw.get("merger_source", ""), ""),
        params=params,
        categories=categories,
        checklists={k: tuple(v) for k, v in raw["checklists"].items()},
        sources=sources,
    )
    from forms.operations import check_pack

    check_pack(pack)  # the family-planning operation table, row by row
    return pack


def parse_divisor(value: object) -> tuple[Decimal, Decimal]:
    """The allowance divisor as an exact fraction ``(numerator, denominator)``: ``"30"``, ``"30.4"`` or
    ``"365/12"`` (regions that compute the daily rate as monthly wage × 12 ÷ 365). Kept as a fraction so
    that the allowance is rounded once, at the end. PolicyError unless both parts are positive."""
    text = str(value).strip()
    num_text, _, den_text = text.partition("/")
    try:
        num, den = Decimal(num_text), Decimal(den_text or "1")
    except InvalidOperation as exc:
        raise PolicyError(f"allowance divisor {value!r} is not a number or fraction") from exc
    if not (num.is_finite() and den.is_finite() and num > 0 and den > 0):
        raise PolicyError(f"allowance divisor {value!r} must be positive")
    return num, den


def available_regions() -> list[str]:
    return sorted(
        raw["id"]
        for _p, raw in _raw_files()
        if "id" in raw and "amends" not in raw and not raw.get("abstract")
    )


def reload() -> None:
    """Forget cached packs (after LIANGXIAN_POLICY_PATH changed, in tests)."""
    _raw_files.cache_clear()
    load_pack.cache_clear()

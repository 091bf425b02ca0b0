"""计划生育手术 (family-planning surgery): the operation table of a region's pack.

Each pack holds the table as the timeline parameter ``family_planning_operations``; its value maps an
operation code (``iud_insertion``, ``iud_removal``, ``tubal_ligation``, ``vasectomy``,
``induced_abortion`` …) to a row: the sex of the person who has it (a vasectomy is a man's
operation, valid for a male ID number), the leave days it earns (计划生育手术休假) or ``by_gestation``
(the miscarriage days by completed weeks, 女职工劳动保护特别规定 art. 7), whether the fund pays the
allowance for those days, an optional per-case medical standard, and whether the row rests on a
confirmed source. Where no confirmed source was found the packs ship the national practice with
``confirmed = false``; an office corrects the row in its pack, without code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from forms.policy import Entry, NoRuleInForce, PolicyError, PolicyPack

PARAM = "family_planning_operations"


@dataclass(frozen=True)
class Operation:
    code: str
    sex: str  # female | male
    leave_days: int | None  # None: by weeks of gestation (by_gestation)
    allowance: bool  # the fund pays the allowance for the leave days
    confirmed: bool
    citation: str
    medical_standard: Decimal | None = None  # per-case standard (yuan), where the pack has one

    @property
    def by_gestation(self) -> bool:
        return self.leave_days is None


def _row(pack: PolicyPack, entry: Entry, code: str, raw: object) -> Operation:
    where = f"{pack.id}.{PARAM}.{code}"
    if not isinstance(raw, dict):
        raise PolicyError(f"{where}: a row must be a table")
    sex = raw.get("sex")
    if sex not in ("female", "male"):
        raise PolicyError(f"{where}: sex must be female|male")
    by_gestation = bool(raw.get("by_gestation", False))
    days = raw.get("leave_days")
    if by_gestation == (days is not None) or (days is not None and (not isinstance(days, int) or days < 0)):
        raise PolicyError(f"{where}: give either leave_days (a whole number >= 0) or by_gestation = true")
    source = raw.get("source", entry.source)
    if source not in pack.sources:
        raise PolicyError(f"{where}: cites unknown source {source!r}")
    standard = raw.get("medical_standard_yuan")
    return Operation(
        code=code,
        sex=sex,
        leave_days=int(days) if isinstance(days, int) and not by_gestation else None,  # checked above
        allowance=bool(raw.get("allowance", True)),
        confirmed=bool(raw.get("confirmed", False)),
        citation=pack.sources[source],
        medical_standard=Decimal(str(standard)) if standard not in (None, "") else None,
    )


def operations_entry(pack: PolicyPack, on: dt.date) -> Entry | None:
    """The table entry in force on ``on`` (None when the pack has no table or none yet)."""
    if not pack.has(PARAM):
        return None
    try:
        return pack.entry(PARAM, on)
    except NoRuleInForce:
        return None


def operations(pack: PolicyPack, on: dt.date) -> dict[str, Operation]:
    """The operations of the table in force on ``on``, by code (empty when there is none)."""
    entry = operations_entry(pack, on)
    if entry is None:
        return {}
    if not isinstance(entry.value, dict):
        raise PolicyError(f"{pack.id}.{PARAM}: value must be a table of operations")
    return {code: _row(pack, entry, code, raw) for code, raw in entry.value.items()}


def check_pack(pack: PolicyPack) -> None:
    """Every table of the pack's timeline is well formed (PolicyError otherwise)."""
    for entry in pack.params.get(PARAM, ()):
        if not isinstance(entry.value, dict):
            raise PolicyError(f"{pack.id}.{PARAM}: value must be a table of operations")
        for code, raw in entry.value.items():
            _row(pack, entry, code, raw)

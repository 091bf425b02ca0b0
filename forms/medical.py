"""生育医疗费用 (childbirth and family-planning medical costs): who may claim, which fund pays, the
amount approved, and the settlement codes — all from the region's pack.

Rules (cited in the packs):
- An insured employee's costs are a maternity benefit, paid by the maternity spending item of the
  employee medical fund after the merger (by the maternity insurance fund before it); flexible
  workers, western-region volunteers and retirees are not in maternity insurance and their costs
  that meet the maternity rules are paid by the employee medical fund (category ``medical_paid_by``).
- 职工未就业配偶: the unemployed spouse of an insured male employee gets the childbirth medical costs
  (社会保险法 art. 54), with the marriage certificate and the spouse's proof of non-employment
  (pack parameter ``medical_spouse_documents``); never the allowance.
- Where the pack has a per-case (按病种) standard for the case — inpatient delivery
  (``medical_delivery_standard_yuan``, Lhasa 3,600 yuan) or an operation's ``medical_standard_yuan`` —
  the amount approved is the amount claimed up to that standard; otherwise the amount claimed.
- Settlement codes: medical type 51 maternity outpatient, 52 maternity inpatient, 53 family-planning
  surgery; insurance type 510 maternity insurance or 310 employee basic medical insurance, by the
  paying fund (pack parameters ``settlement_medical_types`` and ``settlement_insurance_types``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from forms.operations import operations
from forms.policy import Entry, NoRuleInForce, PolicyPack


@dataclass(frozen=True)
class SettlementCode:
    """结算编码: the codes a claim is settled under on the medical-insurance platform."""

    medical_type: str  # 医疗类别: 51 | 52 | 53
    insurance_type: str  # 险种类型: 510 | 310

    def to_json(self) -> dict[str, str]:
        return {"medical_type": self.medical_type, "insurance_type": self.insurance_type}


def care_kind(event: str, outpatient: bool) -> str:
    """The kind of care a claim is for: family_planning_surgery | outpatient | inpatient."""
    if event == "family_planning_surgery":
        return "family_planning_surgery"
    return "outpatient" if outpatient else "inpatient"


def settlement_entries(pack: PolicyPack, on: dt.date) -> tuple[Entry, Entry]:
    return pack.entry("settlement_medical_types", on), pack.entry("settlement_insurance_types", on)


def settlement_code(
    pack: PolicyPack, on: dt.date, event: str, outpatient: bool, paid_by: str
) -> SettlementCode:
    medical, insurance = settlement_entries(pack, on)
    return SettlementCode(str(medical.value[care_kind(event, outpatient)]), str(insurance.value[paid_by]))


@dataclass(frozen=True)
class Standard:
    """A per-case standard that applies to a claim, with the rule it comes from."""

    amount: Decimal
    citation: str
    entry: Entry | None  # the pack entry (None for a row of the operation table)


def per_case_standard(
    pack: PolicyPack, on: dt.date, event: str, outpatient: bool, operation: str | None
) -> Standard | None:
    """The pack's per-case standard for this case, or None where it has none."""
    if event == "family_planning_surgery":
        op = operations(pack, on).get(operation or "")
        if op is None or op.medical_standard is None:
            return None
        return Standard(op.medical_standard, op.citation, None)
    if event != "birth" or outpatient or not pack.has("medical_delivery_standard_yuan"):
        return None
    try:
        e = pack.entry("medical_delivery_standard_yuan", on)
    except NoRuleInForce:
        return None
    if e.value in (None, "", 0, "0"):
        return None
    return Standard(Decimal(str(e.value)), e.citation, e)


def approved_amount(claimed: Decimal, standard: Standard | None) -> Decimal:
    """The amount claimed, up to the per-case standard where there is one."""
    if standard is None:
        return claimed
    return min(claimed, standard.amount)

"""生育医疗费用 (childbirth medical costs) decided by ``liangxian entitle``, one test per rule, each citing
its source. Run through the real CLI contract (``liangxian entitle -``), in-process.

Rules: an insured employee's costs are a maternity benefit paid by the maternity spending item of the
employee medical fund (拉政办发〔2020〕10号 / 连政办发〔2019〕91号 二（一）, 二（五）); flexible workers,
western-region volunteers (Lhasa) and retirees are outside maternity insurance and their costs are
paid by the employee medical fund at the maternity standard (same clauses); the unemployed spouse of
an insured male employee (职工未就业配偶) gets the medical costs with the marriage certificate and the
proof of non-employment (社会保险法 art. 54); the Lhasa per-case delivery standard is 3,600 yuan
(藏人社办〔2011〕101号); settlement codes medical type 51/52/53, insurance type 510/310.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.store_data import id_number

MAN_LHASA = id_number("540102", "19880312", 1)  # odd sequence: male
MAN_LYG = id_number("320706", "19870512", 3)
WOMAN_LHASA = id_number("540102", "19930415", 2)
SPOUSE_DOCS = ["id_card", "invoices", "marriage_certificate", "spouse_non_employment"]


def claim(region: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "region": region,
        "claim_type": "medical",
        "medical_amount": "4200.00",
        "category": "employee",
        "event": "birth",
        "event_date": "2023-06-15",
        "insured_since": "2015-01-01",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def assert_paid(
    out: dict, approved: str, paid_by: str, insurance_type: str, medical_type: str = "52"
) -> None:
    assert out["eligible"] is True, out
    assert out["medical_amount_approved"] == approved
    assert out["medical_paid_by"] == paid_by
    assert out["settlement_code"] == {"medical_type": medical_type, "insurance_type": insurance_type}
    # a medical-cost claim carries no allowance
    assert (out["allowance"], out["allowance_days"], out["leave_days"]) == ("0.00", 0, 0)


# --- who may claim, and which fund pays: each category in each region ---------------------------------


@pytest.mark.parametrize(
    ("region", "category", "paid_by", "insurance_type"),
    [
        pytest.param("lianyungang", "employee", "maternity", "510", id="lyg-employee-maternity-item-510"),
        pytest.param("lianyungang", "flexible", "medical", "310", id="lyg-flexible-worker-medical-fund-310"),
        pytest.param("lianyungang", "retiree", "medical", "310", id="lyg-retiree-medical-fund-310"),
    ],
)
def test_lianyungang_category_decides_the_paying_fund(
    entitle, region: str, category: str, paid_by: str, insurance_type: str
) -> None:
    """连政办发〔2019〕91号 二（一）/ 二（五）: employees' childbirth medical costs are a maternity benefit
    (maternity spending item of the employee medical fund); flexible workers' and retirees' costs that
    meet the rules are paid by the medical fund. Lianyungang has no per-case standard in its pack, so
    the amount claimed is approved."""
    code, out = entitle(claim(region, category=category))
    assert code == 0, out
    assert_paid(out, "4200.00", paid_by, insurance_type)
    assert out["reasons"] == []


def test_issue_14_lianyungang_flexible_worker_medical_claim_is_paid_by_the_medical_fund(entitle) -> None:
    """The case of issue 14: a Lianyungang flexible worker's medical claim of 4,200 yuan used to get the
    allowance's answer (category_not_covered); the medical fund pays it."""
    code, out = entitle(claim("lianyungang", category="flexible", insured_since=None))
    assert code == 0, out
    assert "allowance.category_not_covered" not in out["reasons"]
    assert_paid(out, "4200.00", "medical", "310")


@pytest.mark.parametrize(
    ("category", "paid_by", "insurance_type"),
    [
        pytest.param("employee", "maternity", "510", id="lhasa-employee-maternity-item-510"),
        pytest.param("flexible", "medical", "310", id="lhasa-flexible-worker-medical-insurance-310"),
        pytest.param("volunteer", "medical", "310", id="lhasa-western-volunteer-medical-insurance-310"),
        pytest.param("retiree", "medical", "310", id="lhasa-retiree-medical-fund-310"),
    ],
)
def test_lhasa_category_decides_the_paying_fund(
    entitle, category: str, paid_by: str, insurance_type: str
) -> None:
    """拉政办发〔2020〕10号 二（一）: flexible workers and western-region volunteers do not join maternity
    insurance and their childbirth medical costs are reimbursed by medical insurance; 二（五）: retirees
    at the maternity standard. All are held to the per-case delivery standard (3,600 yuan)."""
    code, out = entitle(claim("lhasa", category=category, medical_amount="3000.00"))
    assert code == 0, out
    assert_paid(out, "3000.00", paid_by, insurance_type)


def test_volunteer_category_does_not_exist_in_lianyungang(entitle) -> None:
    """Western-region volunteers are a Lhasa category; in Lianyungang it is invalid input (exit 2)."""
    code, out = entitle(claim("lianyungang", category="volunteer"))
    assert code == 2
    assert ("category.unknown", "category") in {(e["code"], e["field"]) for e in out["errors"]}


# --- the per-case standard ---------------------------------------------------------------------------


def test_lhasa_per_case_delivery_standard_caps_the_amount_approved(entitle) -> None:
    """藏人社办〔2011〕101号: inpatient delivery is paid per case at 3,600 yuan; a claim of 4,200 is
    approved at 3,600, and the reason says the part above the standard is not paid."""
    code, out = entitle(claim("lhasa", medical_amount="4200.00"))
    assert code == 0, out
    assert_paid(out, "3600.00", "maternity", "510")
    assert out["reasons"] == ["medical.standard_applied"]


def test_lhasa_claim_below_the_standard_is_approved_as_claimed(entitle) -> None:
    """藏人社办〔2011〕101号: the standard is a ceiling; 2,850.50 yuan below it is approved in full."""
    code, out = entitle(claim("lhasa", medical_amount="2850.50"))
    assert code == 0, out
    assert_paid(out, "2850.50", "maternity", "510")
    assert out["reasons"] == []


def test_lhasa_outpatient_prenatal_costs_settle_as_51_without_the_delivery_standard(entitle) -> None:
    """Medical type 51 (maternity outpatient) for prenatal checks; the 3,600 standard is for inpatient
    delivery only (藏人社办〔2011〕101号: 住院分娩)."""
    code, out = entitle(claim("lhasa", medical_amount="4200.00", outpatient=True))
    assert code == 0, out
    assert_paid(out, "4200.00", "maternity", "510", medical_type="51")


def test_miscarriage_medical_costs_have_no_delivery_standard(entitle) -> None:
    """The per-case standard of the Lhasa pack is for delivery; a miscarriage is approved as claimed."""
    code, out = entitle(claim("lhasa", event="miscarriage", gestation_weeks="10", medical_amount="4200"))
    assert code == 0, out
    assert_paid(out, "4200.00", "maternity", "510")


# --- the unemployed spouse (职工未就业配偶) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "husband", "approved"),
    [
        pytest.param("lhasa", MAN_LHASA, "3600.00", id="lhasa-spouse-at-the-3600-standard"),
        pytest.param("lianyungang", MAN_LYG, "4200.00", id="lianyungang-spouse-as-claimed"),
    ],
)
def test_unemployed_spouse_with_marriage_certificate_and_proof_is_paid(
    entitle, region: str, husband: str, approved: str
) -> None:
    """社会保险法 art. 54: the unemployed spouse of an insured male employee gets the childbirth medical
    costs. Filed under the husband's (male) ID number, the claim is the spouse's; paid like the
    employee's own maternity benefit (510)."""
    code, out = entitle(claim(region, id_number=husband, documents=SPOUSE_DOCS))
    assert code == 0, out
    assert_paid(out, approved, "maternity", "510")


def test_unemployed_spouse_without_the_marriage_certificate_and_proof_is_not_paid(entitle) -> None:
    """社会保险法 art. 54 and the pack's medical_spouse_documents: without the marriage certificate and
    the spouse's proof of non-employment nothing is paid, and the reason names what is missing."""
    code, out = entitle(claim("lianyungang", id_number=MAN_LYG, documents=["id_card", "invoices"]))
    assert code == 0, out
    assert out["eligible"] is False
    assert out["medical_amount_approved"] == "0.00"
    assert out["reasons"] == ["medical.spouse_documents_missing"]


def test_spouse_claim_named_explicitly_without_an_id_number(entitle) -> None:
    """``claimant: spouse`` states the spouse's claim when no ID number is given."""
    code, out = entitle(claim("lianyungang", claimant="spouse", documents=SPOUSE_DOCS))
    assert code == 0, out
    assert_paid(out, "4200.00", "maternity", "510")


def test_spouse_of_a_flexible_worker_is_not_covered(entitle) -> None:
    """The spouse benefit is an insured employee's (社会保险法 art. 54: 职工未就业配偶); a flexible
    worker is outside maternity insurance, so his spouse gets nothing from it."""
    code, out = entitle(claim("lianyungang", category="flexible", id_number=MAN_LYG, documents=SPOUSE_DOCS))
    assert code == 0, out
    assert out["eligible"] is False
    assert out["reasons"] == ["medical.spouse_not_covered"]


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        pytest.param(
            {"claim_type": "allowance"}, "application.spouse_claim_scope", id="spouse-gets-no-allowance"
        ),
        pytest.param(
            {"id_number": WOMAN_LHASA}, "application.spouse_claim_by_husband", id="spouse-via-woman"
        ),
        pytest.param(
            {"event": "family_planning_surgery", "operation": "tubal_ligation"},
            "application.spouse_claim_scope",
            id="spouse-claims-birth-or-miscarriage-only",
        ),
    ],
)
def test_spouse_claim_outside_its_scope_is_invalid(entitle, changes: dict, error: str) -> None:
    """The spouse gets the childbirth medical costs, not the allowance (domain: 职工未就业配偶), through
    her insured husband."""
    data = claim("lhasa", claimant="spouse", documents=SPOUSE_DOCS, employer_avg_monthly_wage="6000")
    data.update(changes)
    data.setdefault("contribution_months", 24)
    code, out = entitle(data)
    assert code == 2, out
    assert error in {e["code"] for e in out["errors"]}


def test_man_cannot_claim_a_birth_as_his_own(entitle) -> None:
    """A man does not give birth: a medical claim for a birth under a male ID number is his spouse's."""
    code, out = entitle(claim("lhasa", id_number=MAN_LHASA, claimant="self"))
    assert code == 2
    assert [e["code"] for e in out["errors"]] == ["application.spouse_claim_by_husband"]


# --- dates: before the merger, not insured, too late ---------------------------------------------------


@pytest.mark.parametrize(
    ("region", "event_date", "approved"),
    [
        pytest.param("lianyungang", "2019-06-01", "4200.00", id="lyg-before-2019-12-31-merger"),
        pytest.param("lhasa", "2019-12-01", "3600.00", id="lhasa-before-2020-01-01-merger-standard-2011"),
    ],
)
def test_claim_before_the_merger_date_follows_the_old_maternity_insurance(
    entitle, region: str, event_date: str, approved: str
) -> None:
    """domain.md (after the merger): events before the merger date follow the old separate maternity
    insurance, with the same benefit levels; the rule version predates the merger."""
    code, out = entitle(claim(region, event_date=event_date, insured_since="2012-01-01"))
    assert code == 0, out
    assert_paid(out, approved, "maternity", "510")
    merged_on = {"lianyungang": "2019-12-31", "lhasa": "2020-01-01"}[region]
    assert out["rule"].split("/")[1] < merged_on


def test_not_insured_on_the_event_date_gets_no_medical_costs(entitle) -> None:
    """domain.md, eligibility: covered on the event date, else the decision is not eligible."""
    code, out = entitle(claim("lhasa", insured_since="2024-01-01"))
    assert code == 0, out
    assert (out["eligible"], out["medical_amount_approved"]) == (False, "0.00")
    assert out["reasons"] == ["medical.not_insured_on_event_date"]


def test_medical_claim_filed_after_the_time_limit_is_not_paid(entitle) -> None:
    """domain.md: applications must be filed within the pack's time limit (default 12 months)."""
    code, out = entitle(claim("lianyungang", filed_on="2024-07-01"))
    assert code == 0, out
    assert out["eligible"] is False
    assert out["reasons"] == ["medical.filing_deadline_passed"]


# --- input ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        pytest.param({"medical_amount": None}, "required", "medical_amount", id="medical-amount-required"),
        pytest.param(
            {"medical_amount": "0"}, "application.medical_amount_positive", "medical_amount", id="zero"
        ),
        pytest.param({"medical_amount": "-5"}, "money.negative", "medical_amount", id="negative"),
        pytest.param({"medical_amount": "4200.505"}, "money.precision", "medical_amount", id="sub-cent"),
    ],
)
def test_medical_amount_input(entitle, changes: dict, code: str, field: str) -> None:
    data = claim("lianyungang")
    data.update(changes)
    data = {k: v for k, v in data.items() if v is not None}
    exit_code, out = entitle(data)
    assert exit_code == 2, out
    assert (code, field) in {(e["code"], e["field"]) for e in out["errors"]}


def test_medical_claim_needs_no_wage_or_contribution_months(entitle) -> None:
    """The wage base and contribution months decide the allowance only (domain.md)."""
    code, out = entitle(claim("lhasa", medical_amount="1200"))
    assert code == 0, out
    assert out["medical_amount_approved"] == "1200.00"


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("dystocai", id="typo-of-dystocia"),
        pytest.param("medical_amout", id="typo-of-medical_amount"),
    ],
)
def test_unknown_keys_are_refused_like_register_refuses_them(entitle, key: str) -> None:
    """Issue 9: unknown keys are refused (form.unknown_field, naming the key) — a mistyped
    ``dystocai: true`` would otherwise silently cost the woman 15 days."""
    data = claim("lianyungang", claim_type="allowance", medical_amount=None)
    data.update({"employer_avg_monthly_wage": "6000", "contribution_months": 24, key: True})
    code, out = entitle(data)
    assert code == 2, out
    assert [(e["code"], e["field"]) for e in out["errors"]] == [("form.unknown_field", key)]
    assert key in out["errors"][0]["message_en"]

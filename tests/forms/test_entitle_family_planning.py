"""计划生育手术 (family-planning surgery) as an event: leave days and allowance from the operation
table of each region's pack, for women and men, and its medical costs (settlement type 53).

Sources: the operation tables in forms/policies/{lianyungang,lhasa}.toml. No confirmed regional
table was found, so the packs ship the national practice (IUD insertion 2 days, removal 1, tubal
ligation 21, vasectomy 7) marked ``confirmed = false`` with a source that says so; induced abortion
takes the miscarriage days of 《女职工劳动保护特别规定》 art. 7 (before 4 full months 15, from 16
completed weeks 42), a confirmed source. The allowance is wage ÷ 30 × days (art. 8), and a man's
vasectomy is valid for a male ID number (the one allowance a man earns).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from forms import policy
from forms.entitlement import application_from_json, decide
from forms.operations import operations
from tests.support.store_data import id_number

MAN = {"lianyungang": id_number("320706", "19870512", 3), "lhasa": id_number("540102", "19880312", 1)}
WOMAN = {"lianyungang": id_number("320706", "19920818", 4), "lhasa": id_number("540102", "19930415", 2)}
REGIONS = ("lianyungang", "lhasa")


def surgery(region: str, operation: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "region": region,
        "category": "employee",
        "event": "family_planning_surgery",
        "operation": operation,
        "event_date": "2023-06-15",
        "employer_avg_monthly_wage": "6000.00",
        "contribution_months": 24,
        "insured_since": "2015-01-01",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


WOMEN = [
    pytest.param(region, op, weeks, code, days, allowance, id=f"{region}-{op}{'-' + weeks if weeks else ''}")
    for region in REGIONS
    for op, weeks, code, days, allowance in [
        ("iud_insertion", None, "family_planning.iud_insertion", 2, "400.00"),
        ("iud_removal", None, "family_planning.iud_removal", 1, "200.00"),
        ("tubal_ligation", None, "family_planning.tubal_ligation", 21, "4200.00"),
        ("induced_abortion", "10", "family_planning.induced_abortion_early", 15, "3000.00"),
        ("induced_abortion", "15+6", "family_planning.induced_abortion_early", 15, "3000.00"),
        ("induced_abortion", "16", "family_planning.induced_abortion_late", 42, "8400.00"),
    ]
]


@pytest.mark.parametrize(("region", "operation", "weeks", "code", "days", "allowance"), WOMEN)
def test_womens_operations_earn_leave_and_allowance_from_the_pack_table(
    entitle, region: str, operation: str, weeks: str | None, code: str, days: int, allowance: str
) -> None:
    """The region's operation table: leave days per operation (national practice, unconfirmed), the
    induced abortion by completed weeks (art. 7); allowance = 6000 ÷ 30 × days (art. 8)."""
    data = surgery(region, operation, gestation_weeks=weeks, id_number=WOMAN[region])
    code_, out = entitle(data)
    assert code_ == 0, out
    assert out["eligible"] is True and out["reasons"] == []
    assert [(line["code"], line["days"]) for line in out["leave_breakdown"]] == [(code, days)]
    assert (out["leave_days"], out["allowance_days"], out["allowance"]) == (days, days, allowance)
    assert out["settlement_code"]["medical_type"] == "53"


@pytest.mark.parametrize("region", REGIONS)
def test_vasectomy_is_valid_for_a_male_id_number_and_earns_7_days(entitle, region: str) -> None:
    """A vasectomy is a man's operation: valid for a male ID number, 7 days of leave with the
    allowance (national practice in the pack, unconfirmed)."""
    code, out = entitle(surgery(region, "vasectomy", id_number=MAN[region]))
    assert code == 0, out
    assert out["eligible"] is True
    assert [(line["code"], line["days"]) for line in out["leave_breakdown"]] == [
        ("family_planning.vasectomy", 7)
    ]
    assert (out["allowance_days"], out["allowance"]) == (7, "1400.00")


@pytest.mark.parametrize(
    ("operation", "who"),
    [
        pytest.param("vasectomy", WOMAN, id="vasectomy-for-a-female-id-number"),
        pytest.param("tubal_ligation", MAN, id="tubal-ligation-for-a-male-id-number"),
        pytest.param("iud_insertion", MAN, id="iud-for-a-male-id-number"),
    ],
)
def test_operation_must_match_the_sex_of_the_id_number(entitle, operation: str, who: dict) -> None:
    code, out = entitle(surgery("lhasa", operation, id_number=who["lhasa"]))
    assert code == 2, out
    assert ("application.operation_sex", "operation") in {(e["code"], e["field"]) for e in out["errors"]}


def test_a_man_still_gets_no_allowance_for_a_birth(entitle) -> None:
    """女职工劳动保护特别规定 art. 8: the birth allowance is the woman's own; only his own operation
    earns a man an allowance."""
    data = surgery("lhasa", "vasectomy", id_number=MAN["lhasa"], event="birth", babies=1)
    del data["operation"]
    code, out = entitle(data)
    assert code == 2
    assert "application.allowance_for_women" in {e["code"] for e in out["errors"]}


def test_family_planning_operations_leave_starts_on_the_operation_day(entitle) -> None:
    app, issues = application_from_json(surgery("lianyungang", "tubal_ligation"))
    assert app is not None, issues
    d = decide(app)
    assert (d.leave_start, d.leave_end) == (dt.date(2023, 6, 15), dt.date(2023, 7, 5))


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        pytest.param({"operation": None}, "required", "operation", id="surgery-without-operation"),
        pytest.param({"operation": "appendectomy"}, "choice.unknown", "operation", id="not-in-the-table"),
        pytest.param(
            {"event": "birth", "babies": 1}, "application.operation_for_surgery_only", "operation", id="birth"
        ),
        pytest.param(
            {"operation": "induced_abortion"},
            "application.gestation_required",
            "gestation_weeks",
            id="induced-abortion-needs-gestation-weeks",
        ),
    ],
)
def test_operation_input(entitle, changes: dict, code: str, field: str) -> None:
    data = surgery("lianyungang", "iud_insertion")
    data.update(changes)
    exit_code, out = entitle({k: v for k, v in data.items() if v is not None})
    assert exit_code == 2, out
    assert (code, field) in {(e["code"], e["field"]) for e in out["errors"]}


def test_not_enough_contribution_months_still_refuses_the_surgery_allowance(entitle) -> None:
    """The allowance rules are the same for the operation's leave: 12 months in Lhasa."""
    code, out = entitle(surgery("lhasa", "tubal_ligation", contribution_months=5))
    assert code == 0
    assert out["eligible"] is False
    assert out["reasons"] == ["allowance.contribution_months_short"]
    assert out["leave_days"] == 21 and out["allowance"] == "0.00"


@pytest.mark.parametrize("region", REGIONS)
def test_medical_costs_of_a_vasectomy_settle_as_family_planning_surgery_53(entitle, region: str) -> None:
    """Medical type 53 (计划生育手术费); a man's own operation, paid by his maternity benefit (510)."""
    data = surgery(region, "vasectomy", id_number=MAN[region], claim_type="medical", medical_amount="860")
    code, out = entitle(data)
    assert code == 0, out
    assert out["eligible"] is True
    assert out["medical_amount_approved"] == "860.00"
    assert out["settlement_code"] == {"medical_type": "53", "insurance_type": "510"}
    assert out["allowance"] == "0.00"


@pytest.mark.parametrize("region", REGIONS)
def test_each_region_pack_holds_the_table_marked_unconfirmed_where_not_confirmed(region: str) -> None:
    """Each pack carries its own table with a source; rows from national practice are marked
    ``confirmed = false`` and their citation says they await the office's confirmation."""
    pack = policy.load_pack(region)
    table = operations(pack, dt.date(2023, 6, 15))
    assert {"iud_insertion", "iud_removal", "tubal_ligation", "vasectomy", "induced_abortion"} <= set(table)
    assert table["vasectomy"].sex == "male"
    assert {op.sex for code, op in table.items() if code != "vasectomy"} == {"female"}
    for op in table.values():
        if not op.confirmed:
            assert "待确认" in op.citation, op
    assert (
        table["induced_abortion"].confirmed and "女职工劳动保护特别规定" in table["induced_abortion"].citation
    )
    entry = pack.entry("family_planning_operations", dt.date(2023, 6, 15))
    assert entry.source != "fp_national_practice"  # the region's own table, not only the national default


def test_the_leave_line_cites_the_unconfirmed_source(entitle) -> None:
    code, out = entitle(surgery("lhasa", "iud_insertion"))
    assert code == 0
    assert "待确认" in out["leave_breakdown"][0]["source"]


def test_an_office_fills_the_table_without_code(policy_dir: Path, entitle) -> None:
    """An amendment file replaces the table from its date on: here a confirmed 3-day IUD insertion
    with a per-case medical standard of 300 yuan."""
    (policy_dir / "lianyungang-fp.toml").write_text(
        'amends = "lianyungang"\n[sources]\njs_fp_2024 = "Test: confirmed operation table"\n'
        '[[params.family_planning_operations]]\neffective_from = "2024-01-01"\nsource = "js_fp_2024"\n'
        "[params.family_planning_operations.value]\n"
        'iud_insertion = { sex = "female", leave_days = 3, confirmed = true, medical_standard_yuan = "300" }\n',
        encoding="utf-8",
    )
    policy.reload()
    code, out = entitle(surgery("lianyungang", "iud_insertion", event_date="2024-03-01"))
    assert code == 0, out
    assert out["leave_breakdown"] == [
        {
            "code": "family_planning.iud_insertion",
            "days": 3,
            "source": "Test: confirmed operation table [2024-01-01]",
        }
    ]
    code, out = entitle(
        surgery(
            "lianyungang",
            "iud_insertion",
            event_date="2024-03-01",
            claim_type="medical",
            medical_amount="450",
        )
    )
    assert code == 0, out
    assert (out["medical_amount_approved"], out["reasons"]) == ("300.00", ["medical.standard_applied"])
    # events before the amendment keep the older table
    code, out = entitle(surgery("lianyungang", "iud_insertion", event_date="2023-06-15"))
    assert out["leave_days"] == 2


def test_a_malformed_operation_row_is_refused_when_the_pack_loads(policy_dir: Path) -> None:
    (policy_dir / "bad-fp.toml").write_text(
        'amends = "lhasa"\n[[params.family_planning_operations]]\neffective_from = "2024-01-01"\n'
        'source = "tibet_fp_leave"\n[params.family_planning_operations.value]\n'
        'iud_insertion = { sex = "both", leave_days = 2 }\n',
        encoding="utf-8",
    )
    policy.reload()
    with pytest.raises(policy.PolicyError, match="sex"):
        policy.load_pack("lhasa")

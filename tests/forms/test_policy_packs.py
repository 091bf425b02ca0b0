"""Regional policy packs are data: every pack loads, every entry cites a known source, timelines are
sorted, amendments and new regions need only a data file, and an amendment never rewrites history."""

from __future__ import annotations

import datetime as dt
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from forms import policy
from forms.entitlement import application_from_json, decide

PACK_FILES = sorted(policy.BUILTIN_DIR.glob("*.toml"))
REGIONS = ["lhasa", "lianyungang"]


def raw(path: Path) -> dict:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def test_the_two_regions_are_available() -> None:
    assert set(REGIONS) <= set(policy.available_regions())
    assert "national" not in policy.available_regions()  # abstract


@pytest.mark.parametrize("region", REGIONS)
def test_every_pack_loads_with_cited_entries(region: str) -> None:
    pack = policy.load_pack(region)
    assert pack.id == region
    for name, timeline in pack.params.items():
        assert timeline, name
        for entry in timeline:
            assert entry.source in pack.sources, (name, entry.source)
            assert entry.citation == pack.sources[entry.source]
        dates = [e.effective_from for e in timeline]
        assert dates == sorted(dates) and len(set(dates)) == len(dates), name
    for category in pack.categories.values():
        assert category.citation
        assert category.medical_paid_by in ("maternity", "medical")


@pytest.mark.parametrize("path", PACK_FILES, ids=lambda p: p.stem)
def test_pack_files_cite_known_sources_and_keep_timelines_in_order(path: Path) -> None:
    data = raw(path)
    known = set(data.get("sources", {}))
    if data.get("extends"):
        known |= set(raw(policy.BUILTIN_DIR / f"{data['extends']}.toml").get("sources", {}))
    for name, entries in data.get("params", {}).items():
        dates = [dt.date.fromisoformat(str(e["effective_from"])) for e in entries]
        assert dates == sorted(dates), f"{path.name}: {name} is not in date order"
        for e in entries:
            assert e["source"] in known, f"{path.name}: {name} cites unknown {e['source']!r}"
    for code, c in data.get("categories", {}).items():
        assert c["source"] in known, f"{path.name}: category {code}"


@pytest.mark.parametrize(
    ("region", "merged_on", "min_months"), [("lianyungang", "2019-12-31", 10), ("lhasa", "2020-01-01", 12)]
)
def test_pack_facts_from_domain_md(region: str, merged_on: str, min_months: int) -> None:
    pack = policy.load_pack(region)
    on = dt.date(2023, 6, 15)
    assert pack.merged_on == dt.date.fromisoformat(merged_on)
    assert pack.value("min_contribution_months", on) == min_months
    assert pack.value("leave_base_days", on) == 98
    assert pack.value("leave_dystocia_days", on) == 15
    assert pack.value("leave_extra_baby_days", on) == 15
    assert pack.value("leave_miscarriage_early_days", on) == 15
    assert pack.value("leave_miscarriage_late_days", on) == 42
    assert pack.value("miscarriage_late_min_weeks", on) == 16
    assert Decimal(pack.value("allowance_divisor", on)) == 30
    assert pack.value("caesarean_as_dystocia", on) is True
    assert pack.value("filing_limit_months", on) == 12
    assert pack.value("processing_working_days", on) == 10
    assert Decimal(pack.value("individual_maternity_rate", on)) == 0


def test_employer_rates_after_the_merger() -> None:
    """连政办发〔2019〕91号 二（二）: 8%; 拉政办发〔2020〕10号 二（二）: 8.7% or 8.5%; Lianyungang flexible
    workers keep 9% or 5.5%."""
    on = dt.date(2023, 6, 15)
    lyg, lsa = policy.load_pack("lianyungang"), policy.load_pack("lhasa")
    assert {Decimal(v) for v in lyg.value("employer_rate_classes", on).values()} == {Decimal("0.08")}
    assert {Decimal(v) for v in lsa.value("employer_rate_classes", on).values()} == {
        Decimal("0.087"),
        Decimal("0.085"),
    }
    assert {Decimal(v) for v in lyg.value("flexible_schemes", on).values()} == {
        Decimal("0.09"),
        Decimal("0.055"),
    }
    assert Decimal(lsa.value("medical_delivery_standard_yuan", on)) == 3600


@pytest.mark.parametrize(("region", "days"), [("lianyungang", 15), ("lhasa", 30)])
def test_paternity_leave_days(region: str, days: int) -> None:
    """domain.md: Jiangsu paternity (nursing) leave 15 days; Tibet: husbands get 30 days."""
    assert policy.load_pack(region).value("leave_paternity_days", dt.date(2023, 6, 15)) == days


def test_categories_per_region() -> None:
    lyg, lsa = policy.load_pack("lianyungang"), policy.load_pack("lhasa")
    assert set(lyg.categories) == {"employee", "flexible", "retiree"}
    assert set(lsa.categories) == {"employee", "flexible", "volunteer", "retiree"}
    for pack in (lyg, lsa):
        assert pack.categories["employee"].joins_maternity and pack.categories["employee"].allowance
        for code in set(pack.categories) - {"employee"}:
            c = pack.categories[code]
            assert (c.joins_maternity, c.allowance, c.medical_paid_by) == (False, False, "medical")


def test_document_checklists() -> None:
    """domain.md 'Documents': allowance and medical-cost checklists; the unemployed spouse also
    brings the marriage certificate and proof of non-employment."""
    lists = policy.load_pack("lhasa").checklists
    assert {
        "id_card",
        "birth_certificate",
        "discharge_summary",
        "employer_leave_confirmation",
        "bank_account",
    } <= set(lists["allowance"])
    assert "miscarriage_diagnosis" in lists["allowance_miscarriage"]
    assert {"id_card", "invoices", "expense_list", "discharge_summary", "birth_certificate"} <= set(
        lists["medical"]
    )
    assert {"marriage_certificate", "spouse_non_employment"} <= set(lists["medical_spouse"])


def test_lhasa_lists_tibetan_first() -> None:
    assert policy.load_pack("lhasa").languages[0] == "bo"
    assert policy.load_pack("lianyungang").languages == ("zh",)


def _decide(data: dict):
    app, issues = application_from_json(data)
    assert app is not None, [i.code for i in issues]
    return decide(app)


def _birth(region: str, date: str) -> dict:
    return {
        "region": region,
        "category": "employee",
        "event": "birth",
        "event_date": date,
        "babies": 1,
        "employer_avg_monthly_wage": "6000",
        "contribution_months": 24,
        "insured_since": "2015-01-01",
    }


AMENDMENT = """
amends = "lianyungang"

[sources]
test_amendment = "Test amendment: Jiangsu extension 90 days from 2024-01-01"

[params]
leave_regional_extension_days = [{ effective_from = "2024-01-01", value = 90, source = "test_amendment" }]
min_contribution_months = [{ effective_from = "2024-01-01", value = 6, source = "test_amendment" }]
"""


def test_amendment_applies_to_events_after_its_date_only(policy_dir: Path) -> None:
    (policy_dir / "lianyungang-2024.toml").write_text(AMENDMENT, encoding="utf-8")
    policy.reload()
    after = _decide(_birth("lianyungang", "2024-03-01"))
    assert after.leave_days == 188 and after.allowance_days == 188
    assert after.rule == "lianyungang/2024-01-01"
    before = _decide(_birth("lianyungang", "2023-06-15"))
    assert before.leave_days == 158  # history is not rewritten
    short_after = _decide(dict(_birth("lianyungang", "2024-03-01"), contribution_months=7))
    short_before = _decide(dict(_birth("lianyungang", "2023-06-15"), contribution_months=7))
    assert short_after.eligible and not short_before.eligible


def test_amendment_is_gone_after_reload_without_it() -> None:
    assert _decide(_birth("lianyungang", "2024-03-01")).leave_days == 158


def test_amendment_citing_an_unknown_source_is_refused(policy_dir: Path) -> None:
    (policy_dir / "bad.toml").write_text(
        'amends = "lhasa"\n[params]\nleave_base_days = [{ effective_from = "2024-01-01", value = 120, '
        'source = "nowhere" }]\n',
        encoding="utf-8",
    )
    policy.reload()
    with pytest.raises(policy.PolicyError):
        policy.load_pack("lhasa")


NEW_REGION = """
id = "xigaze"
extends = "national"
division = "540200"
province = "54"
names = { zh = "日喀则市", bo = "གཞིས་ཀ་རྩེ་གྲོང་ཁྱེར།", en = "Xigaze" }
languages = ["bo", "zh"]
merged_on = "2020-01-01"
merger_source = "test_plan"

[sources]
test_plan = "Test implementation plan"

[params]
leave_regional_total_days = [{ effective_from = "2017-01-01", value = 365, source = "test_plan" }]
min_contribution_months = [{ effective_from = "2012-04-28", value = 6, source = "test_plan" }]
allowance_divisor = [{ effective_from = "2012-04-28", value = "30.4", source = "test_plan" }]

[categories.flexible]
joins_maternity = false
allowance = false
medical_paid_by = "medical"
source = "test_plan"
"""


def test_a_new_region_needs_only_a_data_file(policy_dir: Path, entitle) -> None:
    (policy_dir / "xigaze.toml").write_text(NEW_REGION, encoding="utf-8")
    policy.reload()
    assert "xigaze" in policy.available_regions()
    code, out = entitle(dict(_birth("xigaze", "2023-06-15"), contribution_months=7))
    assert code == 0, out
    assert out["eligible"] is True
    assert (out["leave_days"], out["allowance_days"]) == (365, 98)
    # divisor 30.4 is a pack parameter: 6000 × 98 ÷ 30.4 = 19342.105… → 19342.11
    assert out["allowance"] == "19342.11"
    assert out["rule"].startswith("xigaze/")
    code, out = entitle(dict(_birth("xigaze", "2023-06-15"), category="flexible"))
    assert code == 0 and out["medical_paid_by"] == "medical"


def test_divisor_twelve_over_365_is_exact(policy_dir: Path, entitle) -> None:
    """domain.md: some regions use wage × 12 ÷ 365; the divisor "365/12" keeps it exact and the
    allowance is rounded once: 6000 × 12 ÷ 365 × 98 = 19331.506… → 19331.51 (a rounded divisor of
    30.42 would give 19329.39)."""
    (policy_dir / "xigaze.toml").write_text(
        NEW_REGION.replace('value = "30.4"', 'value = "365/12"'), encoding="utf-8"
    )
    policy.reload()
    code, out = entitle(dict(_birth("xigaze", "2023-06-15"), contribution_months=7))
    assert code == 0, out
    assert (out["allowance_days"], out["daily_rate"], out["allowance"]) == (98, "197.26", "19331.51")


def test_event_before_every_rule_is_invalid_input() -> None:
    """Fix: an event older than the pack's first rule used to crash the CLI with a traceback
    (NoRuleInForce, exit 1); the contract wants exit 2 with a JSON error."""
    app, issues = application_from_json(_birth("lhasa", "2010-03-01") | {"insured_since": "2005-01-01"})
    assert app is None
    assert [i.code for i in issues] == ["application.before_merger_unknown"]


@pytest.mark.parametrize("divisor", ["0", "-30", "thirty", "30/0"])
def test_a_pack_with_a_bad_allowance_divisor_is_refused_when_loaded(policy_dir: Path, divisor: str) -> None:
    """A zero, negative or non-numeric divisor must fail when the pack loads, not at the first decision."""
    (policy_dir / "divisor.toml").write_text(
        'amends = "lhasa"\n[sources]\nbad = "bad amendment"\n[params]\n'
        f'allowance_divisor = [{{ effective_from = "2024-01-01", value = "{divisor}", source = "bad" }}]\n',
        encoding="utf-8",
    )
    policy.reload()
    with pytest.raises(policy.PolicyError, match="divisor"):
        policy.load_pack("lhasa")

"""The ``liangxian entitle`` contract (issue 2): output keys and types, exit codes, and a handful of
cases through a real subprocess of the installed console command."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from forms.entitlement import application_from_json, decide

LIANGXIAN = Path(sys.executable).with_name("liangxian")
MONEY = re.compile(r"^\d+\.\d{2}$")
OUTPUT_KEYS = {
    "eligible",
    "reasons",
    "leave_days",
    "leave_breakdown",
    "allowance_days",
    "daily_rate",
    "allowance",
    "medical_paid_by",
    "medical_amount_approved",
    "settlement_code",
    "rule",
}


def employee(region: str, **changes: object) -> dict:
    data: dict = {
        "region": region,
        "category": "employee",
        "event": "birth",
        "event_date": "2023-06-15",
        "babies": 1,
        "dystocia": False,
        "employer_avg_monthly_wage": "6543.21",
        "contribution_months": 36,
        "insured_since": "2014-03-01",
    }
    data.update(changes)
    return data


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LIANGXIAN), *args], input=stdin, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("data", "leave_days", "allowance_days", "allowance"),
    [
        pytest.param(employee("lianyungang"), 158, 158, "34460.91", id="subprocess-jiangsu-158-days"),
        pytest.param(employee("lhasa"), 365, 98, "21374.49", id="subprocess-tibet-365-days-98-paid"),
        pytest.param(
            employee("lhasa", event="miscarriage", gestation_weeks="15+6", babies=None),
            15,
            15,
            "3271.61",
            id="subprocess-miscarriage-15+6-weeks",
        ),
    ],
)
def test_real_subprocess_decisions(data: dict, leave_days: int, allowance_days: int, allowance: str) -> None:
    result = run_cli("entitle", "-", stdin=json.dumps({k: v for k, v in data.items() if v is not None}))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == OUTPUT_KEYS
    assert (out["leave_days"], out["allowance_days"], out["allowance"]) == (
        leave_days,
        allowance_days,
        allowance,
    )


def test_real_subprocess_invalid_input_exit_2() -> None:
    result = run_cli("entitle", "-", stdin=json.dumps(employee("lianyungang", event_date="2023-02-30")))
    assert result.returncode == 2
    out = json.loads(result.stdout)
    assert [e["code"] for e in out["errors"]] == ["date.invalid"]
    assert set(out["errors"][0]) >= {"code", "field", "message_zh", "message_bo", "message_en"}


def test_real_subprocess_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "application.json"
    path.write_text(json.dumps(employee("lianyungang", dystocia=True), ensure_ascii=False), encoding="utf-8")
    result = run_cli("entitle", str(path))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["leave_days"] == 173


def test_real_subprocess_not_json_is_exit_2() -> None:
    result = run_cli("entitle", "-", stdin="{region: lhasa")
    assert result.returncode == 2
    assert json.loads(result.stdout)["errors"][0]["code"] == "json.syntax"


def test_json_nested_too_deep_is_exit_2_not_a_traceback() -> None:
    result = run_cli("entitle", "-", stdin="[" * 100_000 + "]" * 100_000)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout)["errors"][0]["code"] == "json.too_deep"


@pytest.mark.parametrize("region", ["lianyungang", "lhasa"])
def test_output_keys_and_types(entitle, region: str) -> None:
    code, out = entitle(employee(region))
    assert code == 0
    assert set(out) == OUTPUT_KEYS
    assert isinstance(out["eligible"], bool)
    assert isinstance(out["reasons"], list)
    assert isinstance(out["leave_days"], int) and isinstance(out["allowance_days"], int)
    for key in ("daily_rate", "allowance"):
        assert isinstance(out[key], str) and MONEY.match(out[key]), out[key]
    assert out["medical_paid_by"] in ("maternity", "medical")
    assert out["medical_amount_approved"] == "0.00"  # an allowance claim approves no medical costs
    assert set(out["settlement_code"]) == {"medical_type", "insurance_type"}
    assert out["rule"].startswith(f"{region}/")
    dt.date.fromisoformat(out["rule"].split("/", 1)[1])
    for line in out["leave_breakdown"]:
        assert set(line) == {"code", "days", "source"}
        assert isinstance(line["days"], int) and line["days"] > 0
        assert isinstance(line["source"], str) and line["source"].strip()


def test_each_leave_line_cites_its_own_source(entitle) -> None:
    _, jiangsu = entitle(employee("lianyungang", dystocia=True))
    sources = {line["code"]: line["source"] for line in jiangsu["leave_breakdown"]}
    assert "女职工劳动保护特别规定" in sources["national.base"]
    assert "女职工劳动保护特别规定" in sources["national.dystocia"]
    assert "江苏" in sources["regional.extension"]
    _, tibet = entitle(employee("lhasa"))
    assert "西藏" in {line["code"]: line["source"] for line in tibet["leave_breakdown"]}["regional.extension"]


def test_non_employee_gets_no_leave_lines(entitle) -> None:
    """Judgment call (agreed): categories outside maternity insurance get leave_days 0 — the leave
    is an employer's obligation to an employee, and these people have none in this scheme."""
    _, out = entitle(employee("lhasa", category="retiree"))
    assert (out["leave_days"], out["leave_breakdown"]) == (0, [])


def test_wage_as_json_integer_or_exact_number_is_accepted(entitle) -> None:
    """The CLI parses JSON numbers as exact decimals (never float), so 7300.50 keeps its cents."""
    _, as_int = entitle(employee("lianyungang", employer_avg_monthly_wage=6000))
    assert as_int["allowance"] == "31600.00"
    code, out = entitle(
        '{"region": "lianyungang", "category": "employee", "event": "birth",'
        ' "event_date": "2023-06-15", "babies": 1, "employer_avg_monthly_wage": 7300.50,'
        ' "contribution_months": 24, "insured_since": "2015-01-01"}'
    )
    assert code == 0 and out["allowance"] == "38449.30"


def test_not_an_object_is_exit_2(entitle) -> None:
    code, out = entitle("[1, 2]")
    assert code == 2 and out["errors"][0]["code"] == "form.not_object"


def test_jiangsu_extension_skips_statutory_holidays_on_the_end_date() -> None:
    """domain.md: statutory holidays do not count against the Jiangsu extension days — the leave end
    date skips them (National Day 2023 falls inside), while the allowance days stay 158."""
    app, issues = application_from_json(employee("lianyungang", employer_avg_monthly_wage="6000"))
    assert app is not None, issues
    decision = decide(app)
    assert decision.leave_days == decision.allowance_days == 158
    assert decision.leave_start == dt.date(2023, 6, 15)
    assert decision.leave_end is not None
    span = (decision.leave_end - decision.leave_start).days + 1
    assert span > 158  # the 2023 National Day / Mid-Autumn holidays were skipped


def test_jiangsu_leave_ended_before_2022_02_10_keeps_128_days(entitle) -> None:
    """The 60-day rule reaches back only to leave still running on 2022-02-10; a 2021-09-01 birth's
    128-day leave ended in January 2022."""
    _, out = entitle(employee("lianyungang", event_date="2021-09-01", employer_avg_monthly_wage="6000"))
    assert (out["leave_days"], out["allowance_days"], out["allowance"]) == (128, 128, "25600.00")


def test_leave_start_before_the_birth_within_15_days(entitle) -> None:
    code, out = entitle(employee("lianyungang", leave_start="2023-06-05"))
    assert code == 0 and out["leave_days"] == 158
    code, out = entitle(employee("lianyungang", leave_start="2023-05-01"))
    assert code == 2 and out["errors"][0]["code"] == "application.leave_start_window"

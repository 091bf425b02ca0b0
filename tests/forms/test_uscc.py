"""Unified social credit code (GB 32100-2015): 18 characters from 0-9A-Z without I, O, Z, S, V, the
last a MOD 31 check character. The check character is computed here independently."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forms.uscc import check_uscc

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [pow(3, i, 31) for i in range(17)]


def with_check(body17: str) -> str:
    total = sum(ALPHABET.index(c) * w for c, w in zip(body17, WEIGHTS, strict=True))
    return body17 + ALPHABET[(31 - total % 31) % 31]


def codes(issues) -> list[str]:
    return [i.code for i in issues]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("91320700MA1XY8K2Q", id="company-lianyungang"),
        pytest.param("12540100MB0A12345", id="public-institution-lhasa"),
        pytest.param("Y1540102MC1234567", id="first-char-Y-other-authority"),
        pytest.param("N2320706MD7654321", id="first-char-N-rural-collective"),
        pytest.param("51540000500000123", id="social-organisation"),
    ],
)
def test_valid_codes(body: str) -> None:
    code = with_check(body)
    value, issues = check_uscc(code)
    assert issues == [] and value == code


def test_lowercase_and_separators_are_normalised() -> None:
    code = with_check("91320700MA1XY8K2Q")
    value, issues = check_uscc(f"{code[:8].lower()}-{code[8:]}")
    assert issues == [] and value == code


def test_wrong_check_character() -> None:
    code = with_check("91320700MA1XY8K2Q")
    wrong = code[:17] + ("1" if code[17] != "1" else "2")
    assert codes(check_uscc(wrong)[1]) == ["uscc.checksum"]


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_letters_outside_the_alphabet(letter: str) -> None:
    body = "91320700MA1XY8K2" + letter
    assert codes(check_uscc(body + "0")[1]) == ["uscc.format"]


def test_letters_in_the_division_part_are_refused() -> None:
    assert codes(check_uscc(with_check("913207A0MA1XY8K2Q"))[1]) == ["uscc.format"]


@pytest.mark.parametrize("raw", ["91320700MA1XY8K2", "91320700MA1XY8K2Q01", "X"])
def test_wrong_length(raw: str) -> None:
    assert codes(check_uscc(raw)[1]) == ["uscc.length"]


def test_empty_is_required() -> None:
    assert codes(check_uscc("  ")[1]) == ["required"]


def test_errors_carry_field_and_three_messages() -> None:
    for raw in ("91320700MA1XY8K2Q0", "91320700MA1XY8K2I0", "123"):
        _, issues = check_uscc(raw, "employer_uscc")
        for issue in issues:
            data = issue.to_json()
            assert data["field"] == "employer_uscc"
            assert all(data[f"message_{lang}"] != issue.msgid for lang in ("zh", "bo", "en"))


@settings(max_examples=150, derandomize=True, database=None, deadline=None)
@given(
    st.text(alphabet=ALPHABET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=ALPHABET, min_size=9, max_size=9),
    st.integers(min_value=0, max_value=17),
    st.sampled_from(ALPHABET),
)
def test_generated_codes_pass_and_any_single_change_fails(
    head: str, division: str, org: str, position: int, char: str
) -> None:
    code = with_check(head + division + org)
    assert check_uscc(code) == (code, [])
    if code[position] == char:
        return
    changed = code[:position] + char + code[position + 1 :]
    value, issues = check_uscc(changed)
    assert value is None and issues


def test_cli_check_uscc_contract() -> None:
    exe = Path(sys.executable).with_name("liangxian")
    code = with_check("Y1540102MC1234567")
    ok = subprocess.run([str(exe), "check-uscc", code], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and json.loads(ok.stdout)["valid"] is True
    bad = subprocess.run(
        [str(exe), "check-uscc", code[:17] + "Z"], capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 1
    out = json.loads(bad.stdout)
    assert out["valid"] is False and out["errors"][0]["code"] == "uscc.format"

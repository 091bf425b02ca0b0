"""One text checker (forms.text) for every text field of the forms and for reasons in the store
(issue 16, finding 8): these reached the PDFs before."""

from __future__ import annotations

import datetime as dt

import pytest

from forms.declarations import validate
from forms.text import text_issues
from tests.support.store_data import application_data, employer_data, person_data

TODAY = dt.date(2026, 11, 20)

HOSTILE = {
    "nul": ("张\x00晓", "text.control"),
    "ansi escape": ("\x1b[31m张晓\x1b[0m", "text.control"),
    "line break": ("张晓\n李四", "text.control"),
    "carriage return": ("张\r晓", "text.control"),
    "line separator": ("张\u2028晓", "text.control"),
    "tab": ("张\t晓", "text.control"),
    "zero-width only": ("\u200b", "text.invisible"),
    "zero-width joiner": ("张\u200d晓", "text.invisible"),
    "bom": ("\ufeff张晓", "text.invisible"),
    "bidi override": ("张\u202e晓", "text.invisible"),
    "bidi isolate": ("\u2067张晓\u2069", "text.invisible"),
    "unassigned": ("张\U000e0080晓", "text.unassigned"),
    "private use": ("张\ue000晓", "text.unassigned"),
}


def _codes(result) -> dict[str, str]:
    return {i.field: i.code for i in result.errors}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_text_is_refused_in_every_text_field(case: str) -> None:
    text, code = HOSTILE[case]
    person = validate("person", person_data(name_zh=text), "lhasa", today=TODAY)
    assert _codes(person).get("name_zh") == code
    employer = validate("employer", employer_data(name_zh=f"拉萨{text}有限公司"), "lhasa", today=TODAY)
    assert _codes(employer).get("name_zh") == code
    app = validate(
        "maternity_application",
        application_data(hospital=f"拉萨市{text}医院", category="employee", insured_since="2015-03-01"),
        "lhasa",
        today=TODAY,
    )
    assert _codes(app).get("hospital") == code


TIBETAN_HOSTILE = {
    "vowel sign on no letter": "\u0f72\u0f0b\u0f66",
    "vowel sign after tsheg": "བཀྲ་\u0f74",
    "50 x U+0F71": "བ" + "\u0f71" * 50,
    "a doubled vowel sign": "བ\u0f72\u0f72",
    "unassigned U+0FFF": "བཀྲ\u0fff",
    "doubled middle dot": "བཀྲ་ཤིས··ཚེ་རིང",
}


@pytest.mark.parametrize("case", sorted(TIBETAN_HOSTILE))
def test_malformed_tibetan_names_are_refused(case: str) -> None:
    result = validate("person", person_data(name_bo=TIBETAN_HOSTILE[case]), "lhasa", today=TODAY)
    assert _codes(result).get("name_bo") in {"text.combining", "text.unassigned", "tibetan.chars"}


@pytest.mark.parametrize("name", ["扎西·次仁", "欧阳娜娜", "卓玛"])
def test_real_chinese_names_pass(name: str) -> None:
    assert validate("person", person_data(name_zh=name), "lhasa", today=TODAY).ok


def test_a_doubled_middle_dot_is_refused_in_a_chinese_name() -> None:
    assert _codes(validate("person", person_data(name_zh="扎西··次仁"), "lhasa", today=TODAY)) == {
        "name_zh": "name.chars"
    }


@pytest.mark.parametrize("name", ["བཀྲ་ཤིས་བདེ་ལེགས", "སྒྲོལ་མ།", "བསྒྲུབས", "ཧཱུྃ", "ཚེ་རིང་·དབང་འདུས"])
def test_real_tibetan_names_pass(name: str) -> None:
    result = validate("person", person_data(name_bo=name), "lhasa", today=TODAY)
    assert result.ok, result.errors


def test_wylie_output_is_checked_by_the_same_rules() -> None:
    ok = validate("person", person_data(name_bo_wylie="bkra shis"), "lhasa", today=TODAY)
    assert ok.ok and ok.values["name_bo"] == "བཀྲ་ཤིས"
    for wylie in ("bkra\x1bshis", "bkra\u202eshis", "bkra\nshis"):
        result = validate("person", person_data(name_bo_wylie=wylie), "lhasa", today=TODAY)
        assert not result.ok, wylie
    # EWTS escapes that pyewts turns, without a warning, into a doubled vowel sign or a zero-width space
    for wylie, code in (("ka\\u0f72\\u0f72", "text.combining"), ("ka\\u200b", "text.invisible")):
        result = validate("person", person_data(name_bo_wylie=wylie), "lhasa", today=TODAY)
        assert _codes(result).get("name_bo_wylie") == code, wylie


def test_the_checker_is_fast_on_long_input() -> None:
    import time

    started = time.perf_counter()
    assert text_issues("张" * 1_000_000, "x") == []
    assert time.perf_counter() - started < 2

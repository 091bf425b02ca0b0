"""The forms declared as data (forms/data/forms.toml): every label comes from the catalogs, and the
cross-field rules hold (birth date from the ID matches the form, event not before insured_since,
babies >= 1 for a birth)."""

from __future__ import annotations

import datetime as dt

import pytest

import i18n
from forms.declarations import forms, get_form, validate

TODAY = dt.date(2025, 6, 30)
ID_1990 = "540103199005120222"  # 堆龙德庆区, 1990-05-12, female (check char verified in test_ric)


def codes(result) -> list[tuple[str, str]]:
    return [(i.code, i.field) for i in result.errors]


def test_the_three_forms_exist() -> None:
    assert {"person", "employer", "maternity_application"} <= set(forms())


@pytest.mark.parametrize("form_name", ["person", "employer", "maternity_application"])
def test_every_label_help_group_and_choice_has_a_message(form_name: str) -> None:
    form = get_form(form_name)
    needed = {form.title, *(f"group.{g}" for g in form.groups)}
    for f in form.fields:
        needed.add(f.label)
        if f.help:
            needed.add(f.help)
        assert f.group in form.groups, f.name
        if f.choice_msgid and isinstance(f.choices, tuple):
            needed |= {f"{f.choice_msgid}.{c}" for c in f.choices}
    for msgid in needed:
        for lang in ("zh", "bo", "en"):
            assert msgid in i18n.catalog(lang), f"{msgid} missing in {lang}"


def test_category_choices_come_from_the_region_pack() -> None:
    field = get_form("maternity_application").field("category")
    from forms.policy import load_pack

    assert "volunteer" in field.choice_values(load_pack("lhasa"))
    assert "volunteer" not in field.choice_values(load_pack("lianyungang"))
    for region in ("lhasa", "lianyungang"):
        for code in field.choice_values(load_pack(region)):
            assert f"category.{code}" in i18n.catalog("bo")


def person(**changes: object) -> dict:
    data = {
        "id_number": ID_1990,
        "name_zh": "扎西·卓玛",
        "name_bo": "བཀྲ་ཤིས་སྒྲོལ་མ",
        "ethnicity": "04",
        "phone": "13908912345",
        "category": "employee",
        "county_code": "540103",
        "employer_uscc": "91540100MA6T12345",
        "contribution_base": "6000",
        "insured_since": "2015-01-01",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _uscc() -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91540100MA6T12345"
    total = sum(alphabet.index(c) * pow(3, i, 31) for i, c in enumerate(body))
    return body + alphabet[(31 - total % 31) % 31]


def test_valid_person_derives_birth_date_and_sex_from_the_id() -> None:
    result = validate("person", person(employer_uscc=_uscc()), "lhasa", today=TODAY)
    assert result.ok, codes(result)
    assert result.values["birth_date"] == dt.date(1990, 5, 12)
    assert result.values["sex"] == "female"


def test_birth_date_must_match_the_id() -> None:
    result = validate("person", person(employer_uscc=_uscc(), birth_date="1990-05-13"), "lhasa", today=TODAY)
    assert ("id.birth_mismatch", "birth_date") in codes(result)


def test_sex_must_match_the_id() -> None:
    result = validate("person", person(employer_uscc=_uscc(), sex="male"), "lhasa", today=TODAY)
    assert ("id.sex_mismatch", "sex") in codes(result)


def test_wylie_name_is_converted() -> None:
    result = validate(
        "person",
        person(employer_uscc=_uscc(), name_bo=None, name_bo_wylie="bkra shis sgrol ma"),
        "lhasa",
        today=TODAY,
    )
    assert result.ok, codes(result)
    assert result.values["name_bo"] == "བཀྲ་ཤིས་སྒྲོལ་མ"
    assert "name_bo_wylie" not in result.values


def test_employee_needs_an_employer_code() -> None:
    result = validate("person", person(employer_uscc=None), "lhasa", today=TODAY)
    assert ("required", "employer_uscc") in codes(result)


def test_tibetan_name_field_is_shown_in_lhasa_only() -> None:
    names = {f.name for f in get_form("person").fields_for("lianyungang")}
    assert "name_bo" not in names
    assert "name_bo" in {f.name for f in get_form("person").fields_for("lhasa")}


def application(**changes: object) -> dict:
    data = {
        "id_number": ID_1990,
        "claim_type": "allowance",
        "category": "employee",
        "event": "birth",
        "event_date": "2023-06-15",
        "babies": 1,
        "employer_avg_monthly_wage": "6000",
        "contribution_months": 24,
        "insured_since": "2015-01-01",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_valid_application() -> None:
    assert validate("maternity_application", application(), "lhasa", today=TODAY).ok


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({"babies": 0}, ("application.babies", "babies"), id="birth-needs-a-baby"),
        pytest.param({"event_date": "2025-07-01"}, ("date.future", "event_date"), id="future-event"),
        pytest.param(
            {"event": "miscarriage", "babies": None},
            ("application.gestation_required", "gestation_weeks"),
            id="weeks",
        ),
        pytest.param(
            {"filed_on": "2023-06-01"}, ("application.filed_before_event", "filed_on"), id="filed-early"
        ),
        pytest.param({"claim_type": "medical"}, ("required", "medical_amount"), id="medical-needs-amount"),
        pytest.param({"documents": ["passport"]}, ("choice.unknown", "documents"), id="unknown-document"),
        pytest.param(
            {"documents": ["id_card", 1, {}]}, ("choice.unknown", "documents"), id="document-not-a-code"
        ),
    ],
)
def test_application_cross_field_rules(changes: dict, expected: tuple[str, str]) -> None:
    result = validate("maternity_application", application(**changes), "lhasa", today=TODAY)
    assert expected in codes(result)


def test_strict_mode_reports_unknown_keys() -> None:
    result = validate("employer", {"uscc": _uscc(), "colour": "red"}, "lhasa", today=TODAY, strict=True)
    assert ("form.unknown_field", "colour") in codes(result)


def test_medical_cost_claim_does_not_need_the_allowance_base() -> None:
    """domain.md: the employer's average wage and the consecutive contribution months decide the
    allowance; a medical-cost claim (documents: ID, invoices, expense list, discharge summary, birth
    certificate) does not need them (fix: the form used to demand both)."""
    data = application(
        claim_type="medical",
        medical_amount="3200.00",
        employer_avg_monthly_wage=None,
        contribution_months=None,
    )
    result = validate("maternity_application", data, "lhasa", today=TODAY)
    assert result.ok, codes(result)
    allowance = application(employer_avg_monthly_wage=None, contribution_months=None)
    result = validate("maternity_application", allowance, "lhasa", today=TODAY)
    assert ("application.wage_required", "employer_avg_monthly_wage") in codes(result)
    assert ("application.months_required", "contribution_months") in codes(result)


def test_the_allowance_is_claimed_by_the_insured_woman_herself() -> None:
    """女职工劳动保护特别规定 art. 8 and domain.md: 生育津贴 is paid to the female employee; a male
    employee claims childbirth medical costs for his unemployed spouse, never the allowance."""
    male = "540103199005120214"  # 堆龙德庆区, 1990-05-12, male
    result = validate("maternity_application", application(id_number=male), "lhasa", today=TODAY)
    assert ("application.allowance_for_women", "claim_type") in codes(result)
    medical = application(id_number=male, claim_type="medical", medical_amount="3200.00")
    assert validate("maternity_application", medical, "lhasa", today=TODAY).ok
    assert validate("maternity_application", application(), "lhasa", today=TODAY).ok


def test_event_before_insured_since_is_a_warning_for_the_clerk() -> None:
    """Not an error: the engine decides such a case as not eligible (domain.md); the form warns."""
    result = validate("maternity_application", application(insured_since="2023-07-01"), "lhasa", today=TODAY)
    assert result.ok
    assert [(i.code, i.field, i.severity) for i in result.issues] == [
        ("application.before_insured", "event_date", "warning")
    ]

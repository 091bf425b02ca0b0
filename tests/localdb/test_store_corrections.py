"""Corrections (更正) with base versions: a clerk corrects a phone number, a name, an employer, an
application's facts; a stale base version is refused naming who changed the record; the ID number is
identity (admin only, with a reason, validated and checked for duplicates); an approved application is
corrected only by an admin with a reason, and the earlier decision stays in its history."""

from __future__ import annotations

import json
import sqlite3

import pytest

import localdb
from forms.errors import ValidationFailed
from localdb.errors import DuplicatePerson, NotFound, PermissionDenied, RecordStale
from tests.support.store_data import application_data, employer_data, id_number, person_data, uscc


def counts(store: localdb.Store) -> tuple[int, int]:
    conn = sqlite3.connect(store.path)
    try:
        return (
            conn.execute("SELECT count(*) FROM audit_events").fetchone()[0],
            conn.execute("SELECT count(*) FROM outbox").fetchone()[0],
        )
    finally:
        conn.close()


def last_outbox(store: localdb.Store) -> dict:
    conn = sqlite3.connect(store.path)
    try:
        row = conn.execute(
            "SELECT o.entity, o.op, o.base_version, o.changed_json, a.action, a.before_json, a.after_json "
            "FROM outbox o JOIN audit_events a ON a.seq = o.audit_seq ORDER BY o.seq DESC LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    entity, op, base, changed, action, before, after = row
    return {
        "entity": entity,
        "op": op,
        "base_version": base,
        "changed": json.loads(changed),
        "action": action,
        "before": json.loads(before),
        "after": json.loads(after),
    }


def test_a_clerk_corrects_a_phone_number(store, clerk) -> None:
    p = clerk.register_person(person_data())
    fixed = clerk.update_person(p["id"], 1, {"phone": "13900139000"})
    assert fixed["phone"] == "13900139000" and fixed["version"] == 2
    assert store.get_person(p["id"])["phone"] == "13900139000"
    change = last_outbox(store)
    assert change == {
        **change,
        "entity": "person",
        "op": "update",
        "base_version": 1,
        "changed": ["phone"],
        "action": "person.update",
    }
    assert change["before"]["phone"] == "13800138000" and change["after"]["phone"] == "13900139000"


def test_a_stale_base_version_is_refused_naming_who_changed_it(store, clerk, reviewer) -> None:
    p = clerk.register_person(person_data())
    reviewer.update_person(p["id"], 1, {"phone": "13900139000"})
    before = counts(store)
    with pytest.raises(RecordStale) as caught:
        clerk.update_person(p["id"], 1, {"name_zh": "张小"})
    err = caught.value
    assert err.code == "record.stale" and err.params["current"] == 2 and err.params["by"] == "rev1"
    assert "rev1" in err.message("zh") and "2" in err.message("zh") and err.message("bo")
    assert counts(store) == before
    assert store.get_person(p["id"])["name_zh"] == "张晓"


def test_a_name_correction_updates_the_search_keys(store, clerk) -> None:
    p = clerk.register_person(person_data())
    clerk.update_person(p["id"], 1, {"name_zh": "李娜", "name_bo_wylie": "sgrol ma"})
    assert [r["id"] for r in store.search_persons("ln")] == [p["id"]]
    assert [r["id"] for r in store.search_persons("sgrol")] == [p["id"]]
    assert store.search_persons("zx") == []


def test_only_the_fields_named_are_checked_and_unknown_keys_are_refused(clerk) -> None:
    p = clerk.register_person(person_data())
    with pytest.raises(ValidationFailed) as caught:
        clerk.update_person(p["id"], 1, {"phnoe": "13900139000"})
    assert [(i.code, i.field) for i in caught.value.issues] == [("form.unknown_field", "phnoe")]
    with pytest.raises(ValidationFailed) as caught:
        clerk.update_person(p["id"], 1, {"phone": "123"})
    assert [i.field for i in caught.value.issues] == ["phone"]


def test_the_id_number_is_changed_only_by_an_admin_with_a_reason(store, clerk, boss) -> None:
    p = clerk.register_person(person_data())
    new_number = id_number(birth="19910420")
    with pytest.raises(PermissionDenied):
        clerk.update_person(p["id"], 1, {"id_number": new_number, "reason": "录入错误"})
    with pytest.raises(ValidationFailed) as caught:
        boss.update_person(p["id"], 1, {"id_number": new_number})
    assert caught.value.issues[0].code == "reason.required"
    bad = new_number[:-1] + ("0" if new_number[-1] != "0" else "1")
    with pytest.raises(ValidationFailed) as caught:
        boss.update_person(p["id"], 1, {"id_number": bad, "reason": "录入错误"})
    assert caught.value.issues[0].field == "id_number"
    fixed = boss.update_person(p["id"], 1, {"id_number": new_number, "reason": "录入错误"})
    # sex and birth date follow the number
    assert fixed["id_number"] == new_number and fixed["birth_date"] == "1991-04-20" and fixed["version"] == 2
    change = last_outbox(store)
    assert set(change["changed"]) == {"id_number", "birth_date"}
    assert change["after"]["_correction"]["reason"] == "录入错误"


def test_an_id_number_already_on_file_is_not_taken_by_a_correction(store, clerk, boss) -> None:
    first = clerk.register_person(person_data())
    other = clerk.register_person(person_data(id_number=id_number(seq=4), name_zh="王芳"))
    before = counts(store)
    with pytest.raises(DuplicatePerson) as caught:
        boss.update_person(other["id"], 1, {"id_number": first["id_number"], "reason": "合并"})
    assert caught.value.existing["id"] == first["id"]
    assert counts(store) == before


def test_an_employer_is_corrected_and_its_uscc_needs_an_admin(store, clerk, boss) -> None:
    e = store.find_employer(uscc())
    fixed = clerk.update_employer(e["id"], e["version"], {"avg_monthly_wage": "9500.00"})
    assert fixed["avg_monthly_wage"] == "9500.00" and fixed["version"] == e["version"] + 1
    new_code = uscc(org="MA6T9999")
    with pytest.raises(PermissionDenied):
        clerk.update_employer(e["id"], fixed["version"], {"uscc": new_code, "reason": "换证"})
    moved = boss.update_employer(e["id"], fixed["version"], {"uscc": new_code, "reason": "换证"})
    assert moved["uscc"] == new_code


def test_an_enrollment_changes_employer_and_the_person_follows_its_category(store, clerk, boss) -> None:
    other = boss.register_employer(employer_data(uscc=uscc(org="MA6T5555"), name_zh="拉萨第二公司"))
    p = clerk.register_person(person_data())
    en = p["enrollment"]
    assert en["version"] == 1
    moved = clerk.update_enrollment(en["id"], 1, {"employer_uscc": other["uscc"]})
    assert moved["employer_id"] == other["id"] and moved["version"] == 2
    with pytest.raises(ValidationFailed) as caught:  # an employee needs an employer
        clerk.update_enrollment(en["id"], 2, {"employer_uscc": None})
    assert caught.value.issues[0].field == "employer_uscc"
    flexible = clerk.update_enrollment(en["id"], 2, {"category": "flexible", "employer_uscc": None})
    assert flexible["category"] == "flexible" and flexible["maternity_coverage"] is False
    assert store.get_person(p["id"])["category"] == "flexible"
    assert last_outbox(store)["entity"] == "enrollment"


def test_application_facts_are_corrected_and_decided_again(store, clerk) -> None:
    clerk.register_person(person_data())
    app = clerk.create_application(application_data())
    assert app["decision"]["allowance_days"] == 98
    fixed = clerk.update_application(app["id"], 1, {"dystocia": True})
    assert fixed["decision"]["allowance_days"] == 113 and fixed["version"] == 2
    assert fixed["form"]["dystocia"] is True
    change = last_outbox(store)
    assert change["changed"] == ["dystocia"] and change["before"]["decision"]["allowance_days"] == 98


def test_an_approved_application_is_corrected_only_by_an_admin_and_keeps_its_earlier_decision(
    store, clerk, reviewer, boss
) -> None:
    clerk.register_person(person_data())
    app = clerk.create_application(application_data())
    reviewer.start_review(app["id"])
    approved = reviewer.approve(app["id"])
    v = approved["version"]
    with pytest.raises(ValidationFailed) as caught:
        clerk.update_application(app["id"], v, {"babies": 2, "reason": "双胞胎"})
    assert caught.value.issues[0].code == "application.decided_admin_only"
    with pytest.raises(ValidationFailed) as caught:
        boss.update_application(app["id"], v, {"babies": 2})
    assert caught.value.issues[0].code == "reason.required"
    fixed = boss.update_application(app["id"], v, {"babies": 2, "reason": "双胞胎漏录"})
    assert fixed["decision"]["allowance_days"] == 113 and fixed["status"] == "approved"
    conn = sqlite3.connect(store.path)
    try:
        decisions = conn.execute(
            "SELECT decision_json FROM decisions WHERE application_id = ? ORDER BY decided_at", (app["id"],)
        ).fetchall()
    finally:
        conn.close()
    assert [json.loads(d[0])["allowance_days"] for d in decisions] == [98, 113]


def test_a_rejected_application_is_closed_to_corrections(clerk, reviewer) -> None:
    clerk.register_person(person_data())
    app = clerk.create_application(application_data())
    reviewer.start_review(app["id"])
    rejected = reviewer.reject(app["id"], "材料不全")
    with pytest.raises(ValidationFailed) as caught:
        clerk.update_application(app["id"], rejected["version"], {"babies": 2})
    assert caught.value.issues[0].code == "application.closed"


def test_a_correction_naming_a_missing_record_is_not_found(clerk) -> None:
    with pytest.raises(NotFound):
        clerk.update_person("0190f000-0000-7000-8000-000000000000", 1, {"phone": "13900139000"})


def test_the_history_says_who_changed_what(store, clerk, reviewer) -> None:
    p = clerk.register_person(person_data())
    reviewer.update_person(p["id"], 1, {"phone": "13900139000"})
    clerk.update_enrollment(p["enrollment"]["id"], 1, {"contribution_base": "7000.00"})
    history = store.history("person", p["id"])
    assert [(h["actor"], h["action"], h["changed"]) for h in history] == [
        ("clerk1", "person.register", []),
        ("rev1", "person.update", ["phone"]),
        ("clerk1", "enrollment.update", ["contribution_base"]),
    ]


def test_the_history_has_old_and_new_values_and_the_reason(store, clerk, reviewer) -> None:
    """Issue 20: a correction's row says what the field held before and after, and why."""
    p = clerk.register_person(person_data(phone="13800138000"))
    reviewer.update_person(p["id"], 1, {"phone": "13900139000", "reason": "本人来电更正"})
    clerk.update_enrollment(p["enrollment"]["id"], 1, {"contribution_base": "7000.00"})
    history = store.history("person", p["id"])
    assert [(h["values"], h["reason"]) for h in history] == [
        ({}, None),
        ({"phone": {"old": "13800138000", "new": "13900139000"}}, "本人来电更正"),
        ({"contribution_base": {"old": "6500.00", "new": "7000.00"}}, None),
    ]
    app = clerk.create_application(application_data(id_number=p["id_number"]))
    reviewer.start_review(app["id"])
    reviewer.reject(app["id"], "出生医学证明不清晰")
    last = store.history("application", app["id"])[-1]
    assert last["values"] == {"status": {"old": "under_review", "new": "rejected"}}
    assert last["reason"] == "出生医学证明不清晰"


# --- separation of duties (岗位分离) -----------------------------------------------------------------


def test_the_user_who_took_an_application_in_may_not_decide_it(store, boss, reviewer) -> None:
    boss.register_person(person_data())
    app = boss.create_application(application_data())
    boss.start_review(app["id"])
    before = counts(store)
    with pytest.raises(ValidationFailed) as caught:
        boss.approve(app["id"])
    assert caught.value.issues[0].code == "application.separation_of_duties"
    with pytest.raises(ValidationFailed):
        boss.reject(app["id"], "材料不全")
    assert counts(store) == before
    assert reviewer.approve(app["id"])["status"] == "approved"


def test_separation_of_duties_is_a_pack_parameter(store, boss, tmp_path, monkeypatch) -> None:
    from forms import policy

    amend = tmp_path / "packs"
    amend.mkdir()
    (amend / "lhasa-sod.toml").write_text(
        'amends = "lhasa"\n[sources]\nlocal = "本地经办规程"\n[params]\n'
        'separation_of_duties = [{ effective_from = "2012-01-01", value = false, source = "local" }]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("LIANGXIAN_POLICY_PATH", str(amend))
    policy.reload()
    try:
        boss.register_person(person_data())
        app = boss.create_application(application_data())
        boss.start_review(app["id"])
        assert boss.approve(app["id"])["status"] == "approved"
    finally:
        monkeypatch.delenv("LIANGXIAN_POLICY_PATH")
        policy.reload()

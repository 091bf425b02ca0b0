"""The service layer: validation through the forms-as-data, roles, one transaction per write with its
audit event and outbox change, status transitions, receipt numbers, prints, users."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal

import pytest

import localdb
from forms.errors import ValidationFailed
from localdb import InvalidTransition, PermissionDenied
from tests.support.store_data import (
    TODAY,
    application_data,
    bad_uscc,
    employer_data,
    id_number,
    person_data,
    uscc,
)


def counts(store: localdb.Store) -> dict[str, int]:
    conn = sqlite3.connect(store.path)
    try:
        return {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in (
                "persons",
                "enrollments",
                "employers",
                "applications",
                "audit_events",
                "outbox",
                "users",
            )
        }
    finally:
        conn.close()


def codes(exc: pytest.ExceptionInfo) -> set[tuple[str, str]]:
    return {(i.field, i.code) for i in exc.value.issues}


# --- store basics ---------------------------------------------------------------------------------


def test_init_store_records_region_and_counter(store: localdb.Store) -> None:
    assert store.region == "lhasa"
    c = store.counter
    assert (c.county_code, c.counter_no, c.public_key_b64) == ("540102", 3, None)
    assert len(c.id) == 36 and c.id[14] == "7"  # UUIDv7


def test_init_store_refuses_an_existing_file(store: localdb.Store) -> None:
    with pytest.raises(localdb.StoreExists):
        localdb.init_store(
            store.path,
            region="lhasa",
            county_code="540102",
            counter_no=1,
            admin_username="x",
            admin_password=None,
        )


def test_init_store_validates_its_settings(tmp_path) -> None:
    with pytest.raises(ValidationFailed) as exc:
        localdb.init_store(
            tmp_path / "x.db",
            region="lhasa",
            county_code="320706",
            counter_no=0,
            admin_username="a",
            admin_password=None,
        )
    assert codes(exc) == {("county_code", "choice.unknown"), ("counter_no", "int.range")}
    assert not (tmp_path / "x.db").exists()


def test_unknown_user_cannot_act(store: localdb.Store) -> None:
    with pytest.raises(localdb.UnknownUser) as exc:
        store.service("nobody")
    assert exc.value.code == "auth.unknown_user"
    assert "nobody" in exc.value.message("zh") and exc.value.message("bo")


def test_login_with_argon2_passwords(store: localdb.Store) -> None:
    assert store.verify_login("boss", "s3cret") == "admin"
    assert store.verify_login("clerk1", "pw-clerk") == "clerk"
    assert store.verify_login("clerk1", "wrong") is None
    assert store.verify_login("ghost", "x") is None
    conn = sqlite3.connect(store.path)
    hashes = [r[0] for r in conn.execute("SELECT password_hash FROM users")]
    assert all(h.startswith("$argon2") for h in hashes)


# --- persons --------------------------------------------------------------------------------------


def test_register_person_returns_the_record_with_its_enrollment(clerk) -> None:
    p = clerk.register_person(person_data())
    assert p["id_number"] == id_number() and p["id_masked"] == "540102********" + id_number()[-4:]
    assert (p["sex"], p["birth_date"], p["category"]) == ("female", "1990-03-15", "employee")
    en = p["enrollment"]
    assert en["employer_uscc"] == uscc() and en["maternity_coverage"] is True
    assert en["contribution_base"] == "6500.00" and en["insured_since"] == "2015-03-01"
    assert clerk.get_person(p["id"]) == p


def test_every_write_has_one_audit_event_and_one_outbox_change(store, clerk) -> None:
    before = counts(store)
    p = clerk.register_person(person_data())
    after = counts(store)
    assert after["audit_events"] - before["audit_events"] == 1
    assert after["outbox"] - before["outbox"] == 1
    conn = sqlite3.connect(store.path)
    actor, action, entity_id = conn.execute(
        "SELECT actor, action, entity_id FROM audit_events ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert (actor, action, entity_id) == ("clerk1", "person.register", p["id"])
    assert conn.execute("SELECT op, entity FROM outbox WHERE entity_id = ?", (p["id"],)).fetchone() == (
        "create",
        "person",
    )
    # the outbox change carries no copy of the payload: it points at its audit event, whose ``after``
    # is exactly what the sync engine gets
    seq, audit_seq, copy = conn.execute(
        "SELECT a.seq, o.audit_seq, o.payload_json FROM outbox o JOIN audit_events a ON a.seq = o.audit_seq "
        "WHERE o.entity_id = ?",
        (p["id"],),
    ).fetchone()
    assert audit_seq == seq == conn.execute("SELECT max(seq) FROM audit_events").fetchone()[0]
    assert copy is None
    assert next(b for b in store.outbox_batch(1000) if b["entity_id"] == p["id"])["payload"] == p


def test_a_duplicate_id_number_offers_the_existing_record(store, clerk) -> None:
    first = clerk.register_person(person_data())
    before = counts(store)
    with pytest.raises(localdb.DuplicatePerson) as exc:
        clerk.register_person(person_data(name_zh="张小", phone="13900139000"))
    assert exc.value.existing["id"] == first["id"]
    assert codes(exc) == {("id_number", "person.duplicate")}
    assert counts(store) == before  # nothing written


def test_a_lower_case_x_id_number_is_the_same_person(clerk) -> None:
    number = next(n for n in (id_number(seq=s) for s in range(2, 400, 2)) if n.endswith("X"))
    clerk.register_person(person_data(id_number=number))
    with pytest.raises(localdb.DuplicatePerson):
        clerk.register_person(person_data(id_number=number.lower()))


def test_invalid_person_is_refused_with_every_field_named_and_nothing_saved(store, clerk) -> None:
    before = counts(store)
    bad = person_data(
        id_number=id_number()[:-1] + ("0" if id_number()[-1] != "0" else "1"),
        ethnicity="99",
        insured_since="2999-01-01",
    )
    with pytest.raises(ValidationFailed) as exc:
        clerk.register_person(bad)
    assert codes(exc) >= {
        ("id_number", "id.checksum"),
        ("ethnicity", "choice.unknown"),
        ("insured_since", "date.future"),
    }
    for issue in exc.value.issues:
        assert issue.message("zh") != issue.msgid and issue.message("bo") != issue.msgid
    assert counts(store) == before


def test_an_employee_needs_a_registered_employer(clerk) -> None:
    with pytest.raises(ValidationFailed) as exc:
        clerk.register_person(person_data(employer_uscc=uscc(org="MA6T9999")))
    assert codes(exc) == {("employer_uscc", "employer.unknown")}


def test_tibetan_name_from_wylie(clerk) -> None:
    p = clerk.register_person(
        person_data(name_zh="扎西·卓玛", name_bo_wylie="bkra shis sgrol ma", ethnicity="04")
    )
    assert p["name_bo"] == "བཀྲ་ཤིས་སྒྲོལ་མ"


def test_unknown_keys_are_refused(clerk) -> None:
    with pytest.raises(ValidationFailed) as exc:
        clerk.register_person(person_data(nmae_zh="张晓"))
    assert ("nmae_zh", "form.unknown_field") in codes(exc)


# --- employers ------------------------------------------------------------------------------------


def test_duplicate_employer_is_refused_with_the_existing_record(clerk) -> None:
    with pytest.raises(localdb.DuplicateEmployer) as exc:
        clerk.register_employer(employer_data(name_zh="别的名字"))
    assert exc.value.existing["uscc"] == uscc()


def test_uscc_failing_the_check_is_an_error_for_a_clerk(clerk) -> None:
    with pytest.raises(ValidationFailed) as exc:
        clerk.register_employer(employer_data(uscc=bad_uscc(org="MA6T5555")))
    assert ("uscc", "uscc.checksum") in codes(exc)
    with pytest.raises(PermissionDenied):
        clerk.register_employer(employer_data(uscc=bad_uscc(org="MA6T5555")), override_reason="试点期代码")


def test_a_supervisor_registers_a_pilot_uscc_with_a_recorded_reason(store, boss, clerk) -> None:
    code = bad_uscc(org="MA6T5555")
    with pytest.raises(ValidationFailed) as exc:
        boss.register_employer(employer_data(uscc=code, name_zh="早期试点单位"), override_reason="  ")
    assert codes(exc) == {("override_reason", "reason.required")}
    e = boss.register_employer(
        employer_data(uscc=code, name_zh="早期试点单位"), override_reason="2015年试点期代码，经核实"
    )
    assert e["uscc"] == code and e["uscc_override_reason"] == "2015年试点期代码，经核实"
    conn = sqlite3.connect(store.path)
    after = conn.execute("SELECT after_json FROM audit_events WHERE entity_id = ?", (e["id"],)).fetchone()[0]
    assert "2015年试点期代码" in after
    # and its employees can be registered although the code fails the check
    p = clerk.register_person(person_data(employer_uscc=code))
    assert p["enrollment"]["employer_uscc"] == code


def test_an_override_does_not_excuse_other_errors(boss) -> None:
    with pytest.raises(ValidationFailed) as exc:
        boss.register_employer(employer_data(uscc="91540102MA6T5555IO"), override_reason="reason")
    assert ("uscc", "uscc.format") in codes(exc)


# --- applications ---------------------------------------------------------------------------------


@pytest.fixture
def person(clerk):
    return clerk.register_person(person_data())


def test_application_gets_receipt_number_decision_and_rule_version(clerk, person) -> None:
    app = clerk.create_application(application_data())
    assert app["person_id"] == person["id"] and app["person"]["id"] == person["id"]
    assert app["status"] == "received"
    assert app["receipt_no"] == f"540102-03-{TODAY:%Y%m%d}-0001"
    d = app["decision"]
    # Lhasa: 98 national days paid from the fund at the employer's average wage (filled in from the
    # employer record): 9000 / 30 × 98
    assert d["eligible"] is True and d["allowance_days"] == 98 and d["allowance"] == "29400.00"
    assert d["rule"] == app["rule_version"] and app["rule_version"].startswith("lhasa/")
    assert app["form"]["employer_avg_monthly_wage"] == "9000.00"
    assert clerk.get_application(app["id"]) == app  # what the write returned is what was stored
    assert clerk.find_application(app["receipt_no"]) == app
    assert app["status_history"] == [
        {"from": None, "to": "received", "at": app["status_history"][0]["at"], "by": "clerk1", "note": None}
    ]


def test_receipt_numbers_follow_a_daily_sequence(clerk, person, store) -> None:
    dates = ("2026-09-01", "2026-09-02", "2026-09-03")  # three events: one claim each
    nos = [clerk.create_application(application_data(event_date=d))["receipt_no"] for d in dates]
    assert [n[-4:] for n in nos] == ["0001", "0002", "0003"]
    tomorrow = store.service("clerk1", today=TODAY.replace(day=TODAY.day + 1))
    assert tomorrow.create_application(application_data(event_date="2026-09-04"))["receipt_no"].endswith(
        f"{TODAY.replace(day=TODAY.day + 1):%Y%m%d}-0001"
    )


def test_application_for_an_unregistered_person_is_refused(clerk) -> None:
    with pytest.raises(ValidationFailed) as exc:
        clerk.create_application(application_data(id_number=id_number(seq=8)))
    assert codes(exc) == {("id_number", "application.person_unknown")}


def test_application_validation_errors_name_fields(store, clerk, person) -> None:
    before = counts(store)
    with pytest.raises(ValidationFailed) as exc:
        clerk.create_application(application_data(event_date="2027-13-01", contribution_months=-1))
    assert codes(exc) >= {("event_date", "date.invalid"), ("contribution_months", "int.range")}
    assert counts(store) == before


def test_documents_received_are_recorded(clerk, person) -> None:
    from forms.policy import load_pack

    docs = list(load_pack("lhasa").checklists["allowance"])[:2]
    app = clerk.create_application(application_data(documents=docs))
    assert [d["code"] for d in app["documents"]] == docs
    assert clerk.get_application(app["id"])["documents"] == app["documents"]


def test_status_transitions_and_history(clerk, reviewer, person) -> None:
    app = clerk.create_application(application_data())
    with pytest.raises(PermissionDenied):
        clerk.start_review(app["id"])
    with pytest.raises(InvalidTransition):
        reviewer.approve(app["id"])  # received → approved skips review
    reviewer.start_review(app["id"])
    reviewer.approve(app["id"], note="材料齐全")
    with pytest.raises(InvalidTransition) as exc:
        reviewer.reject(app["id"], "too late")
    assert exc.value.code == "application.bad_transition"
    paid = reviewer.mark_paid(app["id"])
    assert paid["status"] == "paid"
    assert [(h["from"], h["to"]) for h in paid["status_history"]] == [
        (None, "received"),
        ("received", "under_review"),
        ("under_review", "approved"),
        ("approved", "paid"),
    ]
    assert paid["status_history"][2]["note"] == "材料齐全"
    assert paid["version"] == 4


def test_reject_and_withdraw_need_a_reason(clerk, reviewer, person) -> None:
    a = clerk.create_application(application_data())
    reviewer.start_review(a["id"])
    with pytest.raises(ValidationFailed):
        reviewer.reject(a["id"], " ")
    assert reviewer.reject(a["id"], "材料不全")["status"] == "rejected"
    b = clerk.create_application(application_data())
    assert clerk.withdraw(b["id"], "申请人撤回")["status"] == "withdrawn"
    with pytest.raises(InvalidTransition):
        reviewer.start_review(b["id"])


def test_status_change_audit_has_before_and_after(store, clerk, reviewer, person) -> None:
    import json

    a = clerk.create_application(application_data())
    reviewer.start_review(a["id"])
    conn = sqlite3.connect(store.path)
    before, after = conn.execute(
        "SELECT before_json, after_json FROM audit_events WHERE action = 'application.start_review'"
    ).fetchone()
    assert json.loads(before)["status"] == "received" and json.loads(after)["status"] == "under_review"
    assert conn.execute(
        "SELECT base_version FROM outbox WHERE entity_id = ? AND op = 'update'", (a["id"],)
    ).fetchone() == (1,)


def test_list_applications_by_status(clerk, reviewer, person) -> None:
    a = clerk.create_application(application_data())
    b = clerk.create_application(application_data(event_date="2026-09-02"))
    reviewer.start_review(b["id"])
    assert [x["id"] for x in clerk.list_applications()] == [b["id"], a["id"]]
    assert [x["id"] for x in clerk.list_applications(status="received")] == [a["id"]]


def test_a_second_claim_for_the_same_event_offers_the_existing_application(store, clerk, person) -> None:
    """One birth, one claim: the same person, claim type, event and event date again is refused with
    the receipt number on file, and nothing is written (no receipt number used, no audit, no outbox)."""
    first = clerk.create_application(application_data())
    before = counts(store)
    conn = sqlite3.connect(store.path)
    try:
        sequence = conn.execute("SELECT day, last FROM receipt_sequences").fetchall()
    finally:
        conn.close()
    with pytest.raises(localdb.DuplicateApplication) as exc:
        # other facts (babies, documents, the filing date) do not make it another event
        clerk.create_application(application_data(babies=2, documents=["id_card"], filed_on="2026-11-19"))
    assert codes(exc) == {("event_date", "application.duplicate")}
    assert exc.value.existing == clerk.get_application(first["id"])
    assert exc.value.existing["receipt_no"] == first["receipt_no"]
    for lang in ("zh", "bo", "en"):
        assert first["receipt_no"] in exc.value.issues[0].message(lang)
    assert counts(store) == before  # nothing written: no application, audit event or outbox change
    conn = sqlite3.connect(store.path)
    try:
        assert conn.execute("SELECT day, last FROM receipt_sequences").fetchall() == sequence
    finally:
        conn.close()
    # the refusal used no receipt number: the next application gets the next one
    assert clerk.create_application(application_data(event_date="2026-10-15"))["receipt_no"].endswith("-0002")


@pytest.mark.parametrize("status", ["under_review", "approved", "paid"])
def test_a_claim_under_review_approved_or_paid_still_blocks_a_second(clerk, reviewer, person, status) -> None:
    first = clerk.create_application(application_data())
    reviewer.start_review(first["id"])
    if status in ("approved", "paid"):
        reviewer.approve(first["id"])
    if status == "paid":
        reviewer.mark_paid(first["id"])
    with pytest.raises(localdb.DuplicateApplication) as exc:
        clerk.create_application(application_data())
    assert exc.value.existing["id"] == first["id"] and exc.value.existing["status"] == status


def test_after_a_rejection_or_withdrawal_the_event_may_be_claimed_again(
    store, clerk, reviewer, person
) -> None:
    rejected = clerk.create_application(application_data())
    reviewer.start_review(rejected["id"])
    reviewer.reject(rejected["id"], "材料不全")
    withdrawn = clerk.create_application(application_data())
    clerk.withdraw(withdrawn["id"], "申请人撤回")
    live = clerk.create_application(application_data())
    assert live["status"] == "received"
    assert len({rejected["receipt_no"], withdrawn["receipt_no"], live["receipt_no"]}) == 3
    with pytest.raises(localdb.DuplicateApplication) as exc:  # the live one blocks, not the closed ones
        clerk.create_application(application_data())
    assert exc.value.existing["id"] == live["id"]


def test_the_other_claim_type_or_another_event_is_not_a_duplicate(clerk, person) -> None:
    allowance = clerk.create_application(application_data())
    medical = clerk.create_application(application_data(claim_type="medical", medical_amount="3200.00"))
    assert (allowance["claim_type"], medical["claim_type"]) == ("allowance", "medical")
    with pytest.raises(localdb.DuplicateApplication) as exc:
        clerk.create_application(application_data(claim_type="medical", medical_amount="1800.00"))
    assert exc.value.existing["id"] == medical["id"]
    later = clerk.create_application(application_data(event_date="2026-10-15"))  # another birth date
    assert later["status"] == "received"


def test_another_person_may_claim_the_same_event_date(clerk, person) -> None:
    clerk.register_person(person_data(id_number=id_number(seq=4), name_zh="卓玛"))
    clerk.create_application(application_data())
    other = clerk.create_application(application_data(id_number=id_number(seq=4)))
    assert other["person"]["id_number"] == id_number(seq=4)


def test_ineligible_decision_is_stored_not_refused(clerk, person) -> None:
    app = clerk.create_application(application_data(contribution_months=3))
    assert app["decision"]["eligible"] is False
    assert app["decision"]["reasons"] == ["allowance.contribution_months_short"]


# --- prints, users, outbox ------------------------------------------------------------------------


def test_record_print_counts_reprints(clerk, person) -> None:
    app = clerk.create_application(application_data())
    assert clerk.record_print(app["id"], "receipt") == 0
    assert clerk.record_print(app["id"], "receipt") == 1
    assert clerk.record_print(app["id"], "decision_slip") == 0
    prints = clerk.get_application(app["id"])["prints"]
    assert [(p["kind"], p["copy_no"]) for p in prints] == [
        ("receipt", 0),
        ("receipt", 1),
        ("decision_slip", 0),
    ]


def test_only_an_admin_adds_users(clerk, boss) -> None:
    with pytest.raises(PermissionDenied):
        clerk.add_user("x", "clerk", "pw")
    with pytest.raises(ValidationFailed) as exc:
        boss.add_user("clerk1", "clerk", "pw")
    assert codes(exc) == {("username", "user.duplicate")}
    with pytest.raises(ValidationFailed):
        boss.add_user("y", "janitor", "pw")


def test_each_outbox_change_reads_its_own_audit_event(store, clerk, reviewer, boss) -> None:
    """Single writes, a bulk batch (consecutive audit seqs) and updates: every change's payload is the
    ``after`` of the audit event of its own write, same entity, nothing copied."""
    clerk.register_person(person_data())
    bulk = [person_data(id_number=id_number(seq=s), name_zh="王芳") for s in range(20, 26)]
    assert clerk.bulk_register_persons(bulk, batch=4) == 6
    app = clerk.create_application(application_data())
    reviewer.start_review(app["id"])
    reviewer.approve(app["id"], "ok")
    boss.set_counter_public_key("A" * 43 + "=")
    conn = sqlite3.connect(store.path)
    try:
        rows = conn.execute(
            "SELECT o.entity, o.entity_id, o.payload_json, a.entity, a.entity_id, a.after_json "
            "FROM outbox o LEFT JOIN audit_events a ON a.seq = o.audit_seq ORDER BY o.seq"
        ).fetchall()
        assert conn.execute("PRAGMA foreign_key_check(outbox)").fetchall() == []
    finally:
        conn.close()
    assert len(rows) == len({r[1] for r in rows}) + 3  # updates: the application twice, the counter
    for entity, entity_id, copy, a_entity, a_entity_id, after in rows:
        assert copy is None and (a_entity, a_entity_id) == (entity, entity_id) and after is not None
    batch = store.outbox_batch(1000)
    assert [b["payload"] for b in batch] == [json.loads(r[5]) for r in rows]
    mine = [b for b in batch if b["entity_id"] == app["id"]]
    assert [(b["op"], b["base_version"], b["payload"]["status"]) for b in mine] == [
        ("create", None, "received"),
        ("update", 1, "under_review"),
        ("update", 2, "approved"),
    ]
    names = [b["payload"]["id_number"] for b in batch if b["entity"] == "person"]
    assert names == [id_number()] + [d["id_number"] for d in bulk]


def test_pending_outbox_counts_unsynced_changes(store, clerk) -> None:
    n = store.pending_outbox_count()
    clerk.register_person(person_data())
    assert store.pending_outbox_count() == n + 1


def test_money_is_exact_text(store, clerk) -> None:
    p = clerk.register_person(person_data(contribution_base="6500.5"))
    assert p["enrollment"]["contribution_base"] == "6500.50"
    conn = sqlite3.connect(store.path)
    assert conn.execute("SELECT contribution_base FROM enrollments").fetchone()[0] == "6500.50"
    assert Decimal(p["enrollment"]["contribution_base"]) == Decimal("6500.50")


def test_outbox_batches_and_marking_synced(store, clerk) -> None:
    p = clerk.register_person(person_data())
    batch = store.outbox_batch(limit=1000)
    assert [b["seq"] for b in batch] == sorted(b["seq"] for b in batch)
    mine = [b for b in batch if b["entity_id"] == p["id"]]
    assert mine[0]["payload"]["id_number"] == p["id_number"] and mine[0]["op"] == "create"
    clerk.record_sync_failure([mine[0]["id"]], "HTTP 503")
    assert next(b for b in store.outbox_batch(1000) if b["id"] == mine[0]["id"])["attempts"] == 1
    pending = store.pending_outbox_count()
    assert clerk.mark_synced([mine[0]["id"]], state={"server_seq": "42"}) == 1
    assert clerk.mark_synced([mine[0]["id"]]) == 0  # idempotent
    assert store.pending_outbox_count() == pending - 1
    assert store.sync_state() == {"server_seq": "42"}

"""The central server in process, on SQLite and on PostgreSQL (docs/sync-protocol.md): enrollment,
authentication, county isolation, idempotency, re-validation with forms/, merge and conflict,
the status machine and roles, duplicates, users, counts and hello."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from central.service import CentralServer
from sync.protocol import Hello, PullRequest, PushRequest, SyncRefused
from tests.support.central_data import SimCounter
from tests.support.store_data import id_number, uscc

World = dict[str, SimCounter]


def _codes(result: Any) -> list[str]:
    return [e["code"] for e in result.errors]


def _pull_all(c: SimCounter, cursor: int = 0, limit: int = 1000) -> list[Any]:
    out = []
    while True:
        page = c.proto.pull(PullRequest(cursor, limit))
        out.extend(page.records)
        cursor = page.cursor
        if not page.more:
            return out


def _seed(c: SimCounter, actor: str = "clerk1", seq: int = 2, org: str = "MA6T1234") -> tuple[Any, Any, Any]:
    emp = c.employer(actor, uscc=uscc(c.county, org))
    per = c.person(actor, emp.entity_id, seq=seq)
    app = c.application(actor, per)
    assert [r.status for r in c.push(emp, per, app)] == ["applied"] * 3
    return emp, per, app


# --- enrollment and authentication ---------------------------------------------------------------


def test_an_enrollment_code_is_usable_once(server: CentralServer) -> None:
    server.init("lhasa")
    server.add_county("540102")
    code = server.add_counter("540102", 3)["enrollment_code"]
    c = SimCounter("540102", 3)
    assert server.enroll(c.enroll_request(code)).token
    with pytest.raises(SyncRefused) as caught:
        server.enroll(SimCounter("540102", 3).enroll_request(code))
    assert caught.value.codes == ["enroll.code_used"]


def test_enrollment_makes_the_counters_users_staff_of_the_county(
    server: CentralServer, real_hash_bounds: None
) -> None:
    """The counter's users offered at enrollment become staff of the county, authorised by the code;
    a name the county has keeps the server's row; a weak hash or the machine account is refused before
    the code is spent."""
    from dataclasses import replace

    from argon2 import PasswordHasher

    from central.service import CentralError
    from sync.protocol import StaffOffer

    server.init("lhasa")
    server.add_county("540102")
    server.add_user("540102", "boss", "admin", "server-pw")
    code = server.add_counter("540102", 3)["enrollment_code"]
    c = SimCounter("540102", 3)
    good = PasswordHasher().hash("zhuoma-pw")
    for bad in (
        StaffOffer("zhuoma", "clerk", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("x")),
        StaffOffer("sync", "admin", None),
        StaffOffer("a\x1bb", "clerk", None),
    ):
        with pytest.raises(SyncRefused) as caught:
            server.enroll(replace(c.enroll_request(code), staff=(bad,)))
        assert caught.value.codes == ["enroll.bad_staff"]
    offer = (StaffOffer("zhuoma", "clerk", good), StaffOffer("boss", "admin", good))
    token = server.enroll(replace(c.enroll_request(code), staff=offer)).token
    c.proto = server.session(token)
    users = {r.data["username"]: r.data for r in _pull_all(c) if r.entity == "user"}
    assert PasswordHasher().verify(users["zhuoma"]["password_hash"], "zhuoma-pw")
    assert PasswordHasher().verify(users["boss"]["password_hash"], "server-pw")  # the server's row stands
    with pytest.raises(CentralError):
        server.add_user("540102", "sync", "clerk", "pw")


def test_an_enrollment_code_never_begins_with_a_dash() -> None:
    """``token_urlsafe`` began 1 code in 64 with "-", which ``enroll --code CODE`` reads as an option
    (a usage error): of 5,000 codes about 78 did."""
    from central.service import enrollment_code

    codes = [enrollment_code() for _ in range(5000)]
    assert not [c for c in codes if c.startswith("-")]
    assert len(set(codes)) == len(codes) and all(len(c) == 16 for c in codes)


def test_an_enrollment_code_expires_and_names_its_counter(server: CentralServer) -> None:
    from sqlalchemy import update

    from central import models as m

    server.init("lhasa")
    server.add_county("540102")
    server.add_county("540103")
    code = server.add_counter("540102", 3)["enrollment_code"]
    for county, no in (("540103", 3), ("540102", 4)):
        with pytest.raises(SyncRefused) as caught:
            server.enroll(SimCounter(county, no).enroll_request(code))
        assert caught.value.codes == ["enroll.wrong_counter"]
    with pytest.raises(SyncRefused) as caught:
        server.enroll(SimCounter("540102", 3).enroll_request("no-such-code"))
    assert caught.value.codes == ["enroll.code_unknown"]
    with server.engine.begin() as conn:
        conn.execute(
            update(m.EnrollmentCode).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    with pytest.raises(SyncRefused) as caught:
        server.enroll(SimCounter("540102", 3).enroll_request(code))
    assert caught.value.codes == ["enroll.code_expired"]


def test_unknown_revoked_and_expired_tokens_are_refused(world_server: tuple[CentralServer, World]) -> None:
    server, world = world_server
    with pytest.raises(SyncRefused) as caught:
        server.session("not-a-token")
    assert (caught.value.status, caught.value.codes) == (401, ["sync.unauthorized"])
    server.revoke_counter("540102", 2)
    with pytest.raises(SyncRefused) as caught:
        server.session(world["b"].token)
    assert (caught.value.status, caught.value.codes) == (401, ["sync.token_revoked"])
    server.expire_token_for_tests(world["a"].token, dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    with pytest.raises(SyncRefused) as caught:
        server.session(world["a"].token)
    assert (caught.value.status, caught.value.codes) == (401, ["sync.token_expired"])
    assert server.session(world["c"].token).county == "540103"


# --- county isolation, signatures, idempotency --------------------------------------------------


def test_another_countys_records_cannot_be_read_or_written(world: World) -> None:
    a, c = world["a"], world["c"]
    _, per, app = _seed(a)
    pulled = _pull_all(c)
    assert {r.entity for r in pulled} == {"user"}
    assert {r.data["username"] for r in pulled} == {"clerk3", "rev3"}
    assert c.proto.counts().counts["person"] == 0
    # writing a 540102 record from a 540103 counter: the record does not exist for it
    upd = c.update("clerk3", "person", per.entity_id, {"phone": "13900139000"}, base=1)
    tr = c.transition("rev3", app.entity_id, "received", "under_review", base=1)
    # and it cannot register a person of 540102
    other = c.person("clerk3", None, county_code="540102", category="retiree")
    results = c.push(upd, tr, other)
    assert [r.status for r in results] == ["rejected"] * 3
    assert _codes(results[0]) == ["sync.unknown_record"]
    assert _codes(results[1]) == ["sync.unknown_record"]
    assert _codes(results[2]) == ["sync.out_of_county"]
    assert {r.entity_id for r in _pull_all(a)} >= {per.entity_id, app.entity_id}


def test_a_forged_signature_is_refused(world: World) -> None:
    a, b = world["a"], world["b"]
    emp = a.employer("clerk1")
    forged = type(emp)(**{**emp.__dict__, "data": {**emp.data, "name_zh": "假冒公司"}})
    unsigned = a.employer("clerk1", uscc=None)
    unsigned = type(unsigned)(**{**unsigned.__dict__, "signature": ""})
    signed_by_b = b.employer("clerk1")
    signed_by_b = type(signed_by_b)(**{**signed_by_b.__dict__, "counter_id": a.device_id})
    results = a.push(forged, unsigned, signed_by_b)
    assert [_codes(r) for r in results] == [["sync.bad_signature"]] * 3
    # not remembered: the genuine change with that id is still accepted
    assert a.push(emp)[0].status == "applied"


def test_a_batch_replayed_by_another_counter_is_refused(world: World) -> None:
    a, b = world["a"], world["b"]
    emp = a.employer("clerk1")
    assert a.push(emp)[0].status == "applied"
    with pytest.raises(SyncRefused) as caught:
        b.proto.push(PushRequest(a.device_id, (emp,)))
    assert caught.value.codes == ["sync.wrong_counter"]
    results = b.proto.push(PushRequest(b.device_id, (emp,))).results
    assert _codes(results[0]) == ["sync.wrong_counter"]


def test_a_resent_batch_gets_the_same_answers_and_changes_nothing(world: World) -> None:
    a = world["a"]
    emp = a.employer("clerk1")
    per = a.person("clerk1", emp.entity_id)
    bad = a.person("clerk1", emp.entity_id, seq=4, name_zh="Zhang")
    first = a.push(emp, per, bad)
    before = _pull_all(a)
    again = a.push(emp, per, bad)
    assert again == first
    assert [r.status for r in first] == ["applied", "applied", "rejected"]
    assert _pull_all(a) == before


def test_a_rejected_change_does_not_block_the_rest_of_the_batch(world: World) -> None:
    a = world["a"]
    emp = a.employer("clerk1")
    bad = a.person("clerk1", emp.entity_id, seq=4, id_number="540102199003150000")
    good = a.person("clerk1", emp.entity_id, seq=6)
    results = a.push(emp, bad, good)
    assert [r.status for r in results] == ["applied", "rejected", "applied"]
    assert _codes(results[1]) == ["id.checksum"]
    assert all(
        set(e) == {"code", "field", "message_zh", "message_bo", "message_en"} for e in results[1].errors
    )
    assert a.proto.counts().counts["person"] == 1


def test_an_unknown_actor_is_refused(world: World) -> None:
    a = world["a"]
    results = a.push(a.employer("clerk3"))  # a user of the other county
    assert _codes(results[0]) == ["sync.unknown_actor"]


# --- re-validation -------------------------------------------------------------------------------


def test_a_pushed_decision_that_differs_is_refused(world: World) -> None:
    a = world["a"]
    _, per, _ = _seed(a)
    app = a.application("clerk1", per, event_date="2026-08-01", decision_over={"allowance": "99999.00"})
    results = a.push(app)
    assert _codes(results[0]) == ["sync.decision_mismatch"]
    assert "allowance" in results[0].errors[0]["message_en"]


def test_an_invalid_form_is_refused_with_the_forms_codes(world: World) -> None:
    a = world["a"]
    _, per, _ = _seed(a)
    app = a.application("clerk1", per, event_date="2026-08-01")
    app = a.change(
        "application",
        app.entity_id,
        "create",
        {**app.data, "form": {**app.data["form"], "babies": 0}},
        actor="clerk1",
    )
    results = a.push(app)
    assert results[0].status == "rejected"
    assert "int.range" in _codes(results[0]) or "application.babies" in _codes(results[0])


# --- merge and conflict --------------------------------------------------------------------------


def test_fields_changed_on_one_side_only_merge(world: World) -> None:
    a, b = world["a"], world["b"]
    _, per, _ = _seed(a)
    ra = a.push(a.update("clerk1", "person", per.entity_id, {"phone": "13900139000"}, base=1))
    rb = b.push(b.update("clerk2", "person", per.entity_id, {"name_zh": "张晓明"}, base=1))
    assert (ra[0].status, ra[0].version) == ("applied", 2)
    assert (rb[0].status, rb[0].version) == ("applied", 3)
    record = next(r for r in _pull_all(b) if r.entity_id == per.entity_id)
    assert (record.data["phone"], record.data["name_zh"], record.version) == ("13900139000", "张晓明", 3)


def test_the_same_field_changed_on_both_sides_is_a_conflict_item(world: World) -> None:
    a, b = world["a"], world["b"]
    _, per, _ = _seed(a)
    a.push(a.update("clerk1", "person", per.entity_id, {"phone": "13900139000"}, base=1))
    rb = b.push(
        b.update("clerk2", "person", per.entity_id, {"phone": "13700137000", "name_zh": "张晓明"}, base=1)
    )
    assert rb[0].status == "conflict" and len(rb[0].conflicts) == 1
    records = _pull_all(b)
    person = next(r for r in records if r.entity_id == per.entity_id)
    assert person.data["phone"] == "13900139000"  # nothing overwritten
    assert person.data["name_zh"] == "张晓明"  # the other field merged
    item = next(r for r in records if r.entity == "conflict")
    assert item.entity_id == rb[0].conflicts[0]
    assert (item.data["field"], item.data["local_value"], item.data["server_value"]) == (
        "phone",
        "13700137000",
        "13900139000",
    )
    assert (item.data["local_actor"], item.data["server_actor"], item.data["status"]) == (
        "clerk2",
        "clerk1",
        "open",
    )
    # a reviewer takes the local value
    resolve = b.change(
        "conflict", item.entity_id, "resolve", {"resolution": "local"}, actor="rev1", base_version=1
    )
    assert b.push(resolve)[0].status == "applied"
    person = next(r for r in _pull_all(b) if r.entity_id == per.entity_id)
    assert person.data["phone"] == "13700137000"


def test_a_counter_changing_its_own_field_twice_is_no_conflict(world: World) -> None:
    a, b = world["a"], world["b"]
    _, per, _ = _seed(a)
    b.push(b.update("clerk2", "person", per.entity_id, {"name_zh": "张晓明"}, base=1))
    first = a.update("clerk1", "person", per.entity_id, {"phone": "13900139000"}, base=1)
    second = a.update("clerk1", "person", per.entity_id, {"phone": "13700137000"}, base=2)
    assert [r.status for r in a.push(first, second)] == ["applied", "applied"]


# --- the status machine and roles ----------------------------------------------------------------


def test_a_clerks_approve_is_refused(world: World) -> None:
    a = world["a"]
    _, _, app = _seed(a)
    a.push(a.transition("rev1", app.entity_id, "received", "under_review", base=1))
    results = a.push(a.transition("clerk2", app.entity_id, "under_review", "approved", base=2))
    assert _codes(results[0]) == ["auth.forbidden"]


def test_separation_of_duties(world: World) -> None:
    a = world["a"]
    _, per, _ = _seed(a)
    app = a.application("rev1", per, event_date="2026-08-01")  # taken in by the reviewer herself
    assert a.push(app)[0].status == "applied"
    a.push(a.transition("rev1", app.entity_id, "received", "under_review", base=1))
    results = a.push(a.transition("rev1", app.entity_id, "under_review", "approved", base=2))
    assert _codes(results[0]) == ["application.separation_of_duties"]
    assert (
        a.push(a.transition("rev2", app.entity_id, "under_review", "approved", base=2))[0].status == "applied"
    )


def test_transitions_are_checked_from_the_state_they_were_made_in(world: World) -> None:
    a, b = world["a"], world["b"]
    _, _, app = _seed(a)
    # an illegal move, whatever the server's state
    assert _codes(a.push(a.transition("rev1", app.entity_id, "received", "approved", base=1))[0]) == [
        "application.bad_transition"
    ]
    a.push(a.transition("rev1", app.entity_id, "received", "under_review", base=1))
    a.push(a.transition("rev1", app.entity_id, "under_review", "rejected", base=2, note="材料不全"))
    # counter b, offline, approved it from under_review: legal from there, but the server moved on
    b_move = b.transition("rev2", app.entity_id, "under_review", "approved", base=2)
    result = b.push(b_move)[0]
    assert result.status == "conflict"
    record = next(r for r in _pull_all(b) if r.entity_id == app.entity_id)
    assert record.data["status"] == "rejected"


def test_paid_is_final(world: World) -> None:
    a, b = world["a"], world["b"]
    _, _, app = _seed(a)
    a.push(
        a.transition("rev1", app.entity_id, "received", "under_review", base=1),
        a.transition("rev1", app.entity_id, "under_review", "approved", base=2),
        a.transition("rev1", app.entity_id, "approved", "paid", base=3),
    )
    assert _codes(a.push(a.transition("adm1", app.entity_id, "paid", "withdrawn", base=4, note="x"))[0]) == [
        "application.bad_transition"
    ]
    # a move made offline from an earlier state does not undo paid
    late = b.push(b.transition("rev2", app.entity_id, "under_review", "rejected", base=2, note="迟到"))[0]
    assert _codes(late) == ["application.bad_transition"]
    record = next(r for r in _pull_all(a) if r.entity_id == app.entity_id)
    assert record.data["status"] == "paid"


# --- duplicates ----------------------------------------------------------------------------------


def test_the_same_id_number_at_two_counters_becomes_one_person(world: World) -> None:
    a, b = world["a"], world["b"]
    emp_a, per_a, _ = _seed(a)
    emp_b = b.employer("clerk2")
    per_b = b.person("clerk2", emp_b.entity_id)  # same ID number, another id
    app_b = b.application("clerk2", per_b, event_date="2026-08-01")
    results = b.push(emp_b, per_b, app_b)
    assert [r.status for r in results] == ["duplicate", "duplicate", "applied"]
    assert results[0].merged_into == emp_a.entity_id
    assert results[1].merged_into == per_a.entity_id
    records = _pull_all(b)
    dup = next(r for r in records if r.entity_id == per_b.entity_id)
    assert (dup.data, dup.merged_into) == (None, per_a.entity_id)
    dup_employer = next(r for r in records if r.entity_id == emp_b.entity_id)
    assert (dup_employer.data, dup_employer.merged_into) == (None, emp_a.entity_id)
    app = next(r for r in records if r.entity_id == app_b.entity_id)
    assert app.data["person_id"] == per_a.entity_id  # repointed
    enrollment_b = next(r for r in records if r.entity_id == per_b.data["enrollment"]["id"])
    assert (enrollment_b.data["person_id"], enrollment_b.data["employer_id"]) == (
        per_a.entity_id,
        emp_a.entity_id,
    )
    # later changes naming the duplicate's id are repointed too
    upd = b.push(b.update("clerk2", "person", per_b.entity_id, {"phone": "13900139000"}, base=1))[0]
    assert upd.status == "applied"
    survivor = next(r for r in _pull_all(b) if r.entity_id == per_a.entity_id)
    assert survivor.data["phone"] == "13900139000"
    assert (b.proto.counts().counts["person"], b.proto.counts().counts["employer"]) == (1, 1)


def test_an_id_number_of_another_county_is_a_coded_conflict(world: World) -> None:
    a, c = world["a"], world["c"]
    _, per, _ = _seed(a)
    per_c = c.person(
        "clerk3", None, id_number=per.data["id_number"], category="retiree", county_code="540103"
    )
    result = c.push(per_c)[0]
    assert result.status == "conflict"
    assert _codes(result) == ["person.registered_in_other_county"]
    assert "540102" in result.errors[0]["message_zh"]
    records = _pull_all(c)
    assert [r.entity for r in records if r.entity != "user"] == ["conflict"]
    assert records[-1].data["detail"]["county_code"] == "540102"
    assert c.proto.counts().counts["person"] == 0


def test_the_same_application_twice_is_kept_with_a_conflict_item(world: World) -> None:
    a, b = world["a"], world["b"]
    _, per, app1 = _seed(a)
    app2 = b.application("clerk2", per)  # same person, claim type, event, event date
    result = b.push(app2)[0]
    assert result.status == "conflict"
    item = next(r for r in _pull_all(b) if r.entity == "conflict")
    assert sorted(item.data["detail"]["receipt_nos"]) == sorted(
        [app1.data["receipt_no"], app2.data["receipt_no"]]
    )
    # approval of either is refused while the item is open
    b.push(b.transition("rev1", app2.entity_id, "received", "under_review", base=1))
    assert _codes(b.push(b.transition("rev1", app2.entity_id, "under_review", "approved", base=2))[0]) == [
        "sync.duplicate_open"
    ]
    # withdrawing one closes it; the other may then be approved
    a.push(a.transition("clerk1", app1.entity_id, "received", "withdrawn", base=1, note="重复申请"))
    item = next(r for r in _pull_all(b) if r.entity == "conflict")
    assert item.data["status"] == "resolved"
    assert (
        b.push(b.transition("rev1", app2.entity_id, "under_review", "approved", base=2))[0].status
        == "applied"
    )


# --- users, counts, hello ------------------------------------------------------------------------


def test_users_of_the_county_are_pulled_with_their_password_hash(world: World) -> None:
    from argon2 import PasswordHasher

    users = {r.data["username"]: r.data for r in _pull_all(world["a"]) if r.entity == "user"}
    assert set(users) == {"clerk1", "clerk2", "rev1", "rev2", "adm1"}
    assert users["rev1"]["role"] == "reviewer"
    assert PasswordHasher().verify(users["clerk1"]["password_hash"], "secret-clerk1")


def test_pull_pages_follow_server_order_and_counts_match(world: World) -> None:
    a = world["a"]
    _seed(a)
    _seed(a, seq=8, org="MA6T5678")  # a second employer, person and application
    records = _pull_all(a, limit=2)
    seqs = [r.server_seq for r in records]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    counts = a.proto.counts().counts
    live = [r for r in records if r.merged_into is None]
    for entity in ("employer", "person", "enrollment", "application", "user"):
        assert counts[entity] == sum(1 for r in live if r.entity == entity), entity
    assert a.proto.pull(PullRequest(records[-1].server_seq)).records == ()


def test_hello_gives_the_acknowledged_link_and_receipt_high_water_marks(world: World) -> None:
    a = world["a"]
    assert a.proto.hello(Hello(a.device_id, 1, 0, "")).acknowledged is None
    _, per, _ = _seed(a)
    a.push(a.application("clerk1", per, event_date="2026-08-01"))
    answer = a.proto.hello(Hello(a.device_id, a.epoch, a.seq, a.last_hash))
    assert answer.acknowledged is not None
    assert (answer.acknowledged.seq, answer.acknowledged.hash) == (a.seq, a.last_hash)
    assert answer.receipt_high_water == {"20261120": 2}
    assert (answer.county_code, answer.counter_no, answer.region) == ("540102", 1, "lhasa")
    assert world["b"].proto.hello(Hello(world["b"].device_id, 1, 0, "")).receipt_high_water == {}


def test_a_valid_id_number_helper_is_valid() -> None:
    from forms.ric import check_resident_id

    parsed, issues = check_resident_id(id_number("540102", "19900315", 2))
    assert parsed is not None and not [i for i in issues if i.severity == "error"]

"""Counters offline for days converge through the central server with nothing lost, doubled or leaked:
real counter databases, the real server (in process here; over HTTP and through a fault proxy in
test_sync_http.py), on SQLite and on PostgreSQL."""

from __future__ import annotations

import shutil
from typing import Any

import localdb
from tests.support.store_data import TODAY, application_data, employer_data, id_number, person_data
from tests.sync.conftest import Counter


def view(store: localdb.Store) -> dict[str, Any]:
    """What must be equal on every counter of a county: persons and applications as records."""
    with store._read() as s:
        persons = (
            s.execute(localdb.models.Person.__table__.select().order_by(localdb.models.Person.id))
            .mappings()
            .all()
        )
        apps = (
            s.execute(localdb.models.Application.__table__.select().order_by(localdb.models.Application.id))
            .mappings()
            .all()
        )
    return {
        "persons": [(p["id"], p["id_number"], p["name_zh"], p["phone"], p["version"]) for p in persons],
        "applications": [(a["id"], a["receipt_no"], a["person_id"], a["status"], a["version"]) for a in apps],
    }


def sound(store: localdb.Store) -> None:
    """`doctor` finds every row equal to what its last audit event says, pulled rows included."""
    from localdb import maintenance

    report = maintenance.doctor(store.path, trusted_public_key=None)
    assert report["records"]["problems"] == [], report["records"]["problems"][:5]
    assert report["audit"]["ok"]


def busy_day(c: Counter, seq: int) -> dict[str, Any]:
    """A clerk's day at one counter: a person, an application, taken to under review."""
    p = c.svc().register_person(person_data(id_number=id_number(seq=seq), name_zh="卓玛"))
    app = c.svc().create_application(application_data(id_number=p["id_number"]))
    c.svc("rev1").start_review(app["id"])
    return {"person": p, "application": app}


def test_offline_work_of_two_counters_converges_and_another_county_sees_none(with_employer) -> None:
    a, b, c = with_employer["a"], with_employer["b"], with_employer["c"]
    busy_day(a, 10)
    busy_day(a, 12)
    mine = busy_day(b, 14)
    b.svc("rev1").approve(mine["application"]["id"])
    first = a.sync()
    assert (first.pushed, first.rejected, first.conflicts) == (6, 0, 0)
    assert b.sync().pulled > 0
    assert a.sync().pulled > 0
    assert view(a.store) == view(b.store)
    assert len(view(a.store)["persons"]) == 3 and len(view(a.store)["applications"]) == 3
    c.sync()
    assert view(c.store) == {"persons": [], "applications": []}
    for counter in (a, b, c):
        sound(counter.store)
    # a second sync moves nothing
    for counter in (a, b):
        again = counter.sync()
        assert (again.pushed, again.pulled, again.rejected) == (0, 0, 0) and again.in_step


def test_the_same_id_number_registered_at_two_counters_becomes_one_person(with_employer) -> None:
    a, b = with_employer["a"], with_employer["b"]
    at_a = a.svc().register_person(person_data(id_number=id_number(seq=20)))
    at_b = b.svc().register_person(person_data(id_number=id_number(seq=20)))
    app_b = b.svc().create_application(application_data(id_number=at_b["id_number"]))
    a.sync()
    report = b.sync()
    assert report.duplicates_merged >= 1
    a.sync()
    assert view(a.store) == view(b.store)
    persons = view(b.store)["persons"]
    assert [p[0] for p in persons] == [at_a["id"]]
    assert b.store.get_application(app_b["id"])["person"]["id"] == at_a["id"]
    assert [m["from_id"] for m in b.store.merges()] == [at_b["id"]]
    sound(a.store)
    sound(b.store)


def test_disjoint_corrections_merge_and_the_same_field_is_a_conflict(with_employer) -> None:
    a, b = with_employer["a"], with_employer["b"]
    p = a.svc().register_person(person_data(id_number=id_number(seq=30)))
    a.sync()
    b.sync()
    a.svc().update_person(p["id"], 1, {"phone": "13900000001"})
    b.svc().update_person(p["id"], 1, {"phone": "13900000002"})
    b.svc().update_person(p["id"], 2, {"name_zh": "卓嘎"})
    a.sync()
    report = b.sync()
    assert report.conflicts == 1 and not report.in_step
    a.sync()
    assert view(a.store) == view(b.store)
    got = b.store.get_person(p["id"])
    assert got["name_zh"] == "卓嘎" and got["phone"] == "13900000001"  # nothing overwritten silently
    [item] = b.store.conflicts()
    assert (item["field"], item["local_value"], item["server_value"]) == (
        "phone",
        "13900000002",
        "13900000001",
    )
    # a reviewer at b takes b's value; both counters end with it
    b.svc("rev1").resolve_conflict(item["id"], "local")
    b.sync()
    a.sync()
    assert a.store.get_person(p["id"])["phone"] == "13900000002" == b.store.get_person(p["id"])["phone"]
    assert b.store.conflicts() == [] and a.store.conflicts() == []
    sound(a.store)
    sound(b.store)


def test_a_change_the_server_refuses_does_not_block_the_rest(with_employer) -> None:
    """A clerk's account is a reviewer here, but a clerk on the server: her approval is refused there,
    with its coded bilingual reason kept for the sync screen, and the other changes go through."""
    a = with_employer["a"]
    a.svc("boss").add_user("dawa", "reviewer", None)  # not a reviewer on the server
    work = busy_day(a, 40)
    a.store.service("dawa", today=TODAY).approve(work["application"]["id"])
    busy_day(a, 42)
    report = a.sync()
    assert report.rejected >= 1 and report.pushed >= 5
    [refusal] = [r for r in a.store.refused_changes() if r["entity"] == "application"]
    assert refusal["errors"][0]["message_zh"] and refusal["errors"][0]["message_bo"]
    assert a.sync().pushed == 0  # refused for good: not sent again


def test_a_counter_restored_from_an_old_backup_gets_its_work_back_and_no_receipt_is_reissued(
    with_employer, tmp_path
) -> None:
    a = with_employer["a"]
    backup = tmp_path / "a-backup.db"
    localdb.db.backup_to(a.store.path, backup)
    sent = busy_day(a, 50)
    a.sync()
    # the machine is restored from the backup taken before that day
    path = a.store.path
    a.store.close()
    shutil.copyfile(backup, path)
    for suffix in ("-wal", "-shm"):
        (path.parent / (path.name + suffix)).unlink(missing_ok=True)
    a.store = localdb.open_store(path)
    report = a.sync()
    assert report.forked
    assert (
        a.store.get_application(sent["application"]["id"])["receipt_no"] == sent["application"]["receipt_no"]
    )
    again = a.svc().register_person(person_data(id_number=id_number(seq=52)))
    new = a.svc().create_application(application_data(id_number=again["id_number"]))
    assert new["receipt_no"] != sent["application"]["receipt_no"]
    assert new["receipt_no"].rsplit("-", 1)[1] > sent["application"]["receipt_no"].rsplit("-", 1)[1]
    assert a.sync().rejected == 0


def test_a_count_mismatch_is_repaired_by_pulling_only_what_differs(with_employer) -> None:
    """A counter whose cursor ran past records it never applied (as after a lost page) has fewer
    records than the server: the count check at the end of the sync pulls that entity again and
    writes only the missing rows; the rows it had are left as they are."""
    a, b = with_employer["a"], with_employer["b"]
    for k in range(3):
        a.svc().register_person(person_data(id_number=id_number(seq=60 + 2 * k)))
    a.sync()
    kept = b.svc().register_person(person_data(id_number=id_number(seq=70)))
    b.svc("boss").set_sync_state({"pull.cursor": "999999"})  # as if pages were lost on the way
    report = b.sync()
    assert {"person", "enrollment"} <= set(report.repaired) and not report.mismatched
    a.sync()
    assert view(b.store) == view(a.store)
    assert b.store.get_person(kept["id"])["version"] == 1  # the row it had is left as it was
    again = b.sync()
    assert (again.pulled, again.repaired) == (0, [])
    sound(b.store)


def test_two_corrections_of_one_field_made_offline_are_no_conflict_with_themselves(with_employer) -> None:
    """A counter corrects the same field twice while offline, after another counter changed another
    field: its second correction builds on its own first one, so nothing conflicts."""
    a, b = with_employer["a"], with_employer["b"]
    p = a.svc().register_person(person_data(id_number=id_number(seq=80)))
    a.sync()
    b.sync()
    a.svc().update_person(p["id"], 1, {"phone": "13900000011"})
    b.svc().update_person(p["id"], 1, {"name_zh": "卓嘎"})
    b.svc().update_person(p["id"], 2, {"name_zh": "卓玛"})
    a.sync()
    report = b.sync()
    assert (report.conflicts, report.rejected) == (0, 0)
    a.sync()
    assert view(a.store) == view(b.store)
    got = a.store.get_person(p["id"])
    assert (got["name_zh"], got["phone"]) == ("卓玛", "13900000011")


def test_the_server_computes_the_same_indicators_as_a_synced_counter(with_employer, server) -> None:
    """One definition for both (forms/indicators.py): once a county is synced, the server's
    indicators for it equal those a counter of the county computes; without a county the server
    shows every county side by side."""
    from central import stats as central_stats
    from forms.indicators import Period
    from localdb import stats as counter_stats

    a, b, c = with_employer["a"], with_employer["b"], with_employer["c"]
    busy_day(a, 90)
    rejected = busy_day(b, 92)
    b.svc("rev1").reject(rejected["application"]["id"], "材料不全")
    approved = busy_day(a, 94)
    a.svc("rev1").approve(approved["application"]["id"])
    c.svc("boss").register_employer(employer_data(county_code="540103"))
    for counter in (a, b, a, c):
        counter.sync()
    from forms.clock import business_today

    today = business_today()  # intake and decisions were made now (the business date fixed for the forms)
    period = Period(today.replace(month=1, day=1), today)
    at_counter = counter_stats.indicators(a.store.path, period, "540102", today=today).indicators.to_json()
    at_server = central_stats.indicators(server, period, "540102", today=today).to_json()
    assert at_server == at_counter
    assert (at_server["received"], at_server["approved"], at_server["rejected"], at_server["pending"]) == (
        3,
        1,
        1,
        1,
    )
    region = central_stats.indicators(server, period, None, today=today).to_json()
    assert region["by_county"]["540102"]["received"] == 3
    assert region["county"] is None

"""A pulled page is input like a pushed change (issue 24, finding 1): each forged record a fake server
on the county LAN sent got onto the counter before; fed to the counter's apply path now, each refuses
its page whole (nothing written, the cursor stays), names the record and why (coded, zh/bo/en), and
`doctor` finds nothing that got in."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from argon2 import Type as Argon2Type

import localdb
from localdb import maintenance
from localdb.pullcheck import PageRefused
from localdb.remote import RemoteRecord
from tests.support.store_data import (
    TODAY,
    application_data,
    employer_data,
    id_number,
    person_data,
    pulled,
    uscc,
)

FORGED_ID = "0190f000-0000-7000-8000-00000000f0f0"


@pytest.fixture
def other(tmp_path: Path, template_db: Path):
    """A second counter database of the same county (540102), as a sync would see it."""
    path = tmp_path / "other.db"
    shutil.copyfile(template_db, path)
    st = localdb.open_store(path)
    try:
        yield st
    finally:
        st.close()


def table_rows(store: localdb.Store) -> dict[str, int]:
    conn = sqlite3.connect(store.path)
    try:
        return {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in (
                "users",
                "persons",
                "employers",
                "enrollments",
                "applications",
                "decisions",
                "audit_events",
            )
        }
    finally:
        conn.close()


def refused(store: localdb.Store, page: list[RemoteRecord]) -> list[dict[str, Any]]:
    """Apply ``page`` as the sync would; it must be refused whole: nothing written, no cursor."""
    before = table_rows(store)
    svc = store.service("boss", today=TODAY)
    with pytest.raises(PageRefused) as caught:
        svc.apply_remote(page, state={"pull.cursor": "77"})
    assert "pull.cursor" not in store.sync_state()
    after = table_rows(store)
    assert {k: v for k, v in after.items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"
    }
    for issue in caught.value.issues:
        assert all(issue.message(lang) for lang in ("zh", "bo", "en"))
    return [i.to_json() for i in caught.value.issues]


def user(username: str, role: str, password_hash: str | None, county: str = "540102") -> RemoteRecord:
    return RemoteRecord(
        "user",
        FORGED_ID,
        1,
        {
            "id": FORGED_ID,
            "username": username,
            "role": role,
            "password_hash": password_hash,
            "active": True,
            "county_code": county,
        },
    )


def cheap_hash(password: str) -> str:
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(password)


def test_a_new_admin_with_a_known_password_is_refused(other, real_hash_bounds) -> None:
    errors = refused(other, [user("mallory", "admin", cheap_hash("known"))])
    assert errors[0]["code"] == "sync.pulled_weak_hash" and "mallory" in errors[0]["message_en"]
    # the same admin as another county's staff, with a proper hash: not this county's
    errors = refused(other, [user("mallory", "admin", PasswordHasher().hash("known"), county="540103")])
    assert errors[0]["code"] == "sync.pulled_out_of_county"
    assert other.verify_login("mallory", "known") is None


@pytest.mark.parametrize(
    "forged",
    [
        "$2b$12$KIXQJ0cNQ3a1pJ9vVbLx4eV5rD4P6yW0ZqC2dF8hJ3kL5mN7oP9qS",  # bcrypt
        PasswordHasher(type=Argon2Type.I).hash("known"),  # argon2i
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("known"),  # too cheap
        "known",  # no hash at all
    ],
)
def test_the_admins_password_hash_is_not_replaced_by_a_weak_one(other, forged: str, real_hash_bounds) -> None:
    errors = refused(other, [user("boss", "admin", forged)])
    assert errors[0]["code"] == "sync.pulled_weak_hash"
    assert other.verify_login("boss", "s3cret") == "admin"
    assert other.verify_login("boss", "known") is None


def test_the_counters_sync_account_is_never_changed_by_a_pull(other) -> None:
    other.service("boss", today=TODAY).add_user("sync", "clerk", None)
    errors = refused(other, [user("sync", "admin", PasswordHasher().hash("known"))])
    assert errors[0]["code"] == "sync.pulled_sync_account"
    assert {u["username"]: u["role"] for u in other.users()}["sync"] == "clerk"
    # nor is an existing account renamed by a pulled row with its id
    sync_id = next(u["id"] for u in other.users() if u["username"] == "sync")
    rename = RemoteRecord(
        "user",
        sync_id,
        2,
        {"username": "root", "role": "admin", "password_hash": None, "active": True, "county_code": "540102"},
    )
    assert refused(other, [rename])[0]["code"] == "sync.pulled_sync_account"


def test_an_approved_allowance_the_engine_does_not_compute_is_refused_and_kept_as_a_conflict(
    store, clerk, reviewer, other
) -> None:
    clerk.register_person(person_data())
    app = clerk.create_application(application_data())
    honest = pulled(store, ("person", "application"))
    forged = []
    for r in honest:
        if r.entity == "application":
            data = dict(r.data or {})
            data["status"] = "approved"
            data["status_history"] = [
                *data.get("status_history", []),
                {
                    "from": "received",
                    "to": "approved",
                    "at": "2026-11-20T02:00:00Z",
                    "by": "rev1",
                    "note": None,
                },
            ]
            data["decision"] = {**data["decision"], "allowance": "999999.00"}
            r = RemoteRecord(r.entity, r.entity_id, 3, data, r.server_seq)
        forged.append(r)
    errors = refused(other, forged)
    assert errors[0]["code"] == "sync.pulled_decision_mismatch"
    assert app["receipt_no"] in errors[0]["message_zh"] and "999999.00" in errors[0]["message_en"]
    with pytest.raises(localdb.NotFound):
        other.get_application(app["id"])  # never stored, so never signed or printed
    kept = [c for c in other.conflicts("open") if c["entity_id"] == app["id"]]
    assert len(kept) == 1 and kept[0]["kind"] == "pulled_decision"
    assert kept[0]["server_value"] == {"allowance": "999999.00"}
    assert other.entity_counts()["conflict"] == 0  # the counter's own item: not the server's count
    # the same forged page again: refused again, still one conflict item
    refused(other, forged)
    assert len([c for c in other.conflicts("open") if c["entity_id"] == app["id"]]) == 1
    # the honest page goes in, with the engine's decision
    other.service("boss", today=TODAY).apply_remote(honest)
    assert other.get_application(app["id"])["decision"]["allowance"] == app["decision"]["allowance"]


def test_another_countys_persons_and_employers_are_refused(other) -> None:
    county = "540103"
    employer = {
        "id": FORGED_ID,
        **employer_data(uscc=uscc(county=county, org="MA6T9999"), county_code=county),
        "version": 1,
    }
    errors = refused(other, [RemoteRecord("employer", FORGED_ID, 1, employer)])
    assert errors[0]["code"] == "sync.pulled_out_of_county" and county in errors[0]["message_en"]
    person = {
        "id": FORGED_ID,
        "id_number": id_number(county=county),
        "name_zh": "卓玛",
        "sex": "female",
        "birth_date": "1990-03-15",
        "ethnicity": "01",
        "county_code": county,
        "category": "employee",
        "version": 1,
    }
    errors = refused(other, [RemoteRecord("person", FORGED_ID, 1, person)])
    assert errors[0]["code"] == "sync.pulled_out_of_county"


def test_a_forged_merge_does_not_delete_a_real_person(other) -> None:
    here = other.service("clerk1", today=TODAY)
    real = here.register_person(person_data())
    another = here.register_person(person_data(id_number=id_number(seq=6), name_zh="王芳"))
    here.mark_synced([c["id"] for c in other.outbox_batch(100)])
    merge = RemoteRecord("person", real["id"], 2, None, server_seq=9, merged_into=another["id"])
    errors = refused(other, [merge])
    assert errors[0]["code"] == "sync.pulled_bad_merge"
    assert other.get_person(real["id"])["id_number"] == real["id_number"]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("name_zh", "卓玛\x1b[2J", "text.control"),
        ("id_number", "1' OR '1'='1", None),
        ("id_number", "5401021990031500\x002", None),
        ("phone", "138\u202e00138000", None),
    ],
)
def test_values_the_forms_refuse_are_refused_in_a_pulled_record(other, field, value, code) -> None:
    person = {
        "id": FORGED_ID,
        "id_number": id_number(),
        "name_zh": "卓玛",
        "sex": "female",
        "birth_date": "1990-03-15",
        "ethnicity": "01",
        "county_code": "540102",
        "category": "employee",
        "version": 1,
        field: value,
    }
    errors = refused(other, [RemoteRecord("person", FORGED_ID, 1, person)])
    assert errors[0]["code"] == "sync.pulled_invalid" and FORGED_ID in errors[0]["message_en"]
    assert errors[1]["field"] == field
    if code:
        assert errors[1]["code"] == code


def test_one_forged_record_refuses_the_honest_records_beside_it(
    store, clerk, other, real_hash_bounds
) -> None:
    clerk.register_person(person_data())
    page = [*pulled(store, ("person",)), user("mallory", "admin", cheap_hash("known"))]
    refused(other, page)
    assert other.find_person(id_number()) is None


def test_doctor_finds_a_sound_counter_after_every_forged_page(store, clerk, other, real_hash_bounds) -> None:
    """Everything above at once against one counter: nothing got in, and doctor says healthy about
    what is there (the only write is the conflict item the refused decision left, itself audited)."""
    clerk.register_person(person_data())
    clerk.create_application(application_data())
    honest = pulled(store, ("person", "application"))
    app = next(r for r in honest if r.entity == "application")
    data = {**(app.data or {}), "decision": {**(app.data or {})["decision"], "allowance": "999999.00"}}
    pages = [
        [user("mallory", "admin", cheap_hash("known"))],
        [user("boss", "admin", cheap_hash("known"))],
        [*honest[:-1], RemoteRecord("application", app.entity_id, 2, data, app.server_seq)],
        [RemoteRecord("person", FORGED_ID, 1, {"id": FORGED_ID, "id_number": "1' OR 1=1 --"})],
    ]
    for page in pages:
        refused(other, page)
    report = maintenance.doctor(other.path, trusted_public_key=None)
    assert report["ok"], report
    assert other.verify_login("boss", "s3cret") == "admin"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"employer_id": None}, "sync.pulled_invalid"),  # an employee without an employer
        ({"contribution_base": "-5.00"}, "sync.pulled_invalid"),
        ({"person_id": "0190f000-0000-7000-8000-0000000000ee"}, "sync.pulled_orphan"),
        ({"maternity_coverage": "yes"}, "sync.pulled_invalid"),
    ],
)
def test_a_forged_enrollment_is_refused(store, clerk, other, change, code) -> None:
    p = clerk.register_person(person_data())
    page = pulled(store, ("employer", "person"))
    en = dict(p["enrollment"])
    data = {k: en.get(k) for k in ("id", "person_id", "employer_id", "category", "contribution_base")}
    data.update(
        person_id=p["id"],
        maternity_coverage=True,
        insured_since=en["insured_since"],
        employer_id=en.get("employer_id") or other.find_employer(uscc())["id"],
    )
    assert (
        other.service("boss", today=TODAY)
        .apply_remote([*page, RemoteRecord("enrollment", en["id"], 1, data, server_seq=50)])
        .applied
    )
    forged = {**data, **change}
    errors = refused(other, [RemoteRecord("enrollment", en["id"], 2, forged, server_seq=51)])
    assert errors[0]["code"] == code

"""The remote-apply path: a change made at another counter is validated into this store with its
original author, time and version, an audit event says where it came from, and nothing is queued in
the outbox (no echo). A local row with unsent changes is never overwritten; a duplicate the server
merged is repointed and dropped."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

import localdb
from localdb.records import to_wire
from localdb.remote import RemoteRecord
from tests.support.store_data import TODAY, application_data, person_data


@pytest.fixture
def other(tmp_path: Path, template_db: Path):
    """A second counter database of the same county (a copy of the same template: same users)."""
    path = tmp_path / "other.db"
    shutil.copyfile(template_db, path)
    st = localdb.open_store(path)
    try:
        yield st
    finally:
        st.close()


def as_pulled(store: localdb.Store, entities=("employer", "person", "enrollment", "application", "print")):
    """What the server would hand out for ``store``'s changes: the latest state of each record."""
    latest: dict[tuple[str, str], RemoteRecord] = {}
    for n, item in enumerate(store.outbox_batch(10_000), start=1):
        if item["entity"] not in entities:
            continue
        data = to_wire(item["entity"], item["payload"])
        version = int(data.get("version") or 1)
        latest[(item["entity"], item["entity_id"])] = RemoteRecord(
            item["entity"],
            item["entity_id"],
            version,
            data,
            server_seq=n,
            actor="clerk1",
            at=item["created_at"],
        )
    return sorted(latest.values(), key=lambda r: r.server_seq)


def outbox_size(store: localdb.Store) -> int:
    conn = sqlite3.connect(store.path)
    try:
        return conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
    finally:
        conn.close()


def test_a_pulled_change_is_applied_without_an_outbox_echo(store, clerk, reviewer, other) -> None:
    p = clerk.register_person(person_data())
    app = clerk.create_application(application_data())
    reviewer.start_review(app["id"])
    reviewer.update_person(p["id"], 1, {"phone": "13900139000"})
    before = outbox_size(other)
    sync_user = other.service("clerk1", today=TODAY)
    pulled_page = as_pulled(store, ("person", "application"))
    report = sync_user.apply_remote(pulled_page, state={"pull.cursor": "9"})
    assert report.applied == 2 and report.kept_local == []
    assert outbox_size(other) == before  # nothing to send back
    got = other.get_person(p["id"])
    assert (got["phone"], got["version"], got["created_at"]) == ("13900139000", 2, p["created_at"])
    assert got["enrollment"]["employer_uscc"] == p["enrollment"]["employer_uscc"]
    pulled = other.get_application(app["id"])
    assert (pulled["status"], pulled["receipt_no"], pulled["version"]) == (
        "under_review",
        app["receipt_no"],
        2,
    )
    assert pulled["decision"] == store.get_application(app["id"])["decision"]
    assert [h["by"] for h in pulled["status_history"]] == ["clerk1", "rev1"]
    assert other.sync_state()["pull.cursor"] == "9"
    actions = [h["action"] for h in other.history("person", p["id"])]
    assert actions == ["sync.apply"]
    # the same page again changes nothing
    again = sync_user.apply_remote(pulled_page)
    assert again.applied == 0 and again.unchanged == 2
    assert outbox_size(other) == before


def test_a_local_row_with_unsent_changes_is_not_overwritten(store, clerk, other) -> None:
    p = clerk.register_person(person_data())
    sync_user = other.service("clerk1", today=TODAY)
    sync_user.apply_remote(as_pulled(store))
    # the other counter corrects the phone (not yet sent), while this one changes the name
    mine = other.service("rev1", today=TODAY)
    mine.update_person(p["id"], 1, {"phone": "13700137000"})
    clerk.update_person(p["id"], 1, {"name_zh": "张小"})
    report = sync_user.apply_remote(as_pulled(store, ("person",)))
    assert report.kept_local == [p["id"]]
    got = other.get_person(p["id"])
    assert (got["phone"], got["name_zh"]) == ("13700137000", "张晓")


def test_a_duplicate_registered_here_is_merged_into_the_servers_record(store, clerk, other) -> None:
    """The same woman registered at both counters while offline: the server keeps the first record;
    here the local duplicate's application is repointed to it and the duplicate dropped."""
    theirs = clerk.register_person(person_data())
    here = other.service("clerk1", today=TODAY)
    mine = here.register_person(person_data())
    app = here.create_application(application_data())
    assert mine["id"] != theirs["id"]
    # the local changes were acknowledged by the server (merged into theirs)
    here.mark_synced([c["id"] for c in other.outbox_batch(100)])
    report = here.apply_remote(as_pulled(store, ("person",)))
    assert report.merged == [
        {
            "entity": "person",
            "from_id": mine["id"],
            "into_id": theirs["id"],
            "repointed": {"enrollments": [mine["enrollment"]["id"]], "applications": [app["id"]]},
        }
    ]
    assert other.find_person(theirs["id_number"])["id"] == theirs["id"]
    assert other.get_application(app["id"])["person"]["id"] == theirs["id"]
    with pytest.raises(localdb.NotFound):
        other.get_person(mine["id"])


def test_a_merge_record_from_the_server_repoints_and_drops_the_duplicate(store, clerk, other) -> None:
    """The server's survivor and the merge record of this counter's duplicate (the same ID number,
    registered here offline) in one page: the duplicate is repointed and dropped once."""
    survivor = clerk.register_person(person_data())
    here = other.service("clerk1", today=TODAY)
    dup = here.register_person(person_data())
    here.mark_synced([c["id"] for c in other.outbox_batch(100)])
    page = [
        *as_pulled(store, ("person",)),
        RemoteRecord("person", dup["id"], 2, None, server_seq=99, merged_into=survivor["id"]),
    ]
    report = here.apply_remote(page)
    assert [m["from_id"] for m in report.merged] == [dup["id"]]
    with pytest.raises(localdb.NotFound):
        other.get_person(dup["id"])
    assert other.find_person(survivor["id_number"])["id"] == survivor["id"]


def test_staff_accounts_come_from_the_server_with_their_password_hash(other) -> None:
    from argon2 import PasswordHasher

    here = other.service("boss", today=TODAY)
    hashed = PasswordHasher().hash("dawa-pw")
    here.apply_remote(
        [
            RemoteRecord(
                "user",
                "0190f000-0000-7000-8000-0000000000aa",
                1,
                {
                    "username": "dawa",
                    "role": "reviewer",
                    "password_hash": hashed,
                    "active": True,
                    "county_code": "540102",
                },
            )
        ]
    )
    assert other.verify_login("dawa", "dawa-pw") == "reviewer"
    here.apply_remote(
        [
            RemoteRecord(
                "user",
                "0190f000-0000-7000-8000-0000000000aa",
                2,
                {
                    "username": "dawa",
                    "role": "reviewer",
                    "password_hash": hashed,
                    "active": False,
                    "county_code": "540102",
                },
            )
        ]
    )
    assert other.verify_login("dawa", "dawa-pw") is None


def test_an_unknown_entity_is_refused_and_nothing_is_written(other) -> None:
    from forms.errors import ValidationFailed

    here = other.service("boss", today=TODAY)
    before = outbox_size(other)
    with pytest.raises(ValidationFailed):
        here.apply_remote([RemoteRecord("counter", "x", 1, {"id": "x"})], state={"pull.cursor": "5"})
    assert "pull.cursor" not in other.sync_state()
    assert outbox_size(other) == before


def test_a_malformed_pulled_record_refuses_the_page_with_a_code(store, clerk) -> None:
    """A pulled record is input too: one missing its fields is a coded refusal, and nothing of the
    page (the good record beside it, the cursor) is written."""
    from forms.errors import ValidationFailed

    good = as_pulled_one(store, clerk)
    bad = RemoteRecord("person", "0190f000-0000-7000-8000-0000000000bb", 1, {"id_number": "x"}, server_seq=2)
    with pytest.raises(ValidationFailed) as caught:
        clerk.apply_remote([good, bad], state={"pull.cursor": "2"})
    assert caught.value.issues[0].code == "sync.pulled_invalid" and caught.value.issues[0].message("bo")
    assert "pull.cursor" not in store.sync_state()


def as_pulled_one(store: localdb.Store, clerk) -> RemoteRecord:
    from tests.support.store_data import employer_data, uscc

    data = {
        **to_wire(
            "employer",
            {
                **employer_data(uscc=uscc(org="MA6T7777")),
                "id": "0190f000-0000-7000-8000-0000000000cc",
                "version": 1,
            },
        )
    }
    return RemoteRecord("employer", data["id"], 1, data, server_seq=1)

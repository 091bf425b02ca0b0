"""Every counter of a county ends equal (issue 24, finding 3): a counter whose change lost a collision
takes the server's row, a person the server refused for another county leaves the county's records,
and the count repair never applies a child before its parent. Real counters, the real server (in
process), SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sync.protocol import PullRequest, PullResponse
from tests.support.store_data import TODAY, application_data, employer_data, id_number, person_data
from tests.sync.test_engine import sound, view


def test_a_counter_whose_transition_lost_takes_the_servers_row(with_employer) -> None:
    """A1 starts the review and approves offline (v3 here) while A2 withdraws and syncs first (v2 on
    the server): A1 ends with the server's withdrawn row, and its approval stays as a conflict item
    with both values."""
    a, b = with_employer["a"], with_employer["b"]
    p = a.svc().register_person(person_data(id_number=id_number(seq=110)))
    app = a.svc().create_application(application_data(id_number=p["id_number"]))
    a.sync()
    b.sync()
    a.svc("rev1").start_review(app["id"])
    a.svc("rev1").approve(app["id"])
    b.svc().withdraw(app["id"], "申请人撤回")
    b.sync()
    report = a.sync()
    assert report.conflicts >= 1 and not report.in_step
    b.sync()
    assert a.store.get_application(app["id"])["status"] == "withdrawn"
    assert view(a.store) == view(b.store)
    items = [c for c in a.store.conflicts() if c["entity_id"] == app["id"] and c["kind"] == "status"]
    assert items and {(c["local_value"], c["server_value"]) for c in items} >= {("approved", "withdrawn")}
    sound(a.store)
    again = a.sync()
    assert (again.pushed, again.pulled, again.rejected) == (0, 0, 0)


class Counting:
    """The server's session, counting what each pull carried."""

    def __init__(self, inner: Any):
        self.inner = inner
        self.records = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def pull(self, req: PullRequest) -> PullResponse:
        page = self.inner.pull(req)
        self.records += len(page.records)
        return page


def test_a_person_refused_for_another_county_leaves_this_countys_records(with_employer) -> None:
    """Counter c (540103) holds the ID number; counter a (540102) registers it offline. The server
    refuses a's person with a conflict: a keeps it visible as a refused change with the conflict item,
    but no longer among the county's persons, so a and b agree and idle syncs pull nothing."""
    a, b, c = with_employer["a"], with_employer["b"], with_employer["c"]
    number = id_number(seq=120)
    c.svc("boss").register_employer({**_employer_540103()})
    c.svc().register_person(
        person_data(id_number=number, county_code="540103", employer_uscc=_employer_540103()["uscc"])
    )
    c.sync()
    mine = a.svc().register_person(person_data(id_number=number))
    report = a.sync()
    assert report.conflicts >= 1
    b.sync()
    assert view(a.store) == view(b.store)
    [refusal] = [r for r in a.store.refused_changes() if r["entity_id"] == mine["id"]]
    assert refusal["errors"][0]["code"] == "person.registered_in_other_county"
    assert refusal["payload"]["id_number"] == number  # what the clerk typed is kept, visible
    assert [i["kind"] for i in a.store.conflicts() if i["entity_id"] == mine["id"]] == ["other_county"]
    sound(a.store)
    counting = Counting(a.transport)
    a.transport = counting
    for _ in range(2):
        idle = a.sync()
        assert (idle.pushed, idle.pulled, idle.repaired, idle.mismatched) == (0, 0, [], {})
    assert counting.records == 0  # nothing re-downloaded
    assert a.sync(retry_refused=True).retried == 0  # another county's number: no admin can fix it here


def _employer_540103() -> dict[str, Any]:
    from tests.support.store_data import employer_data, uscc

    return employer_data(uscc=uscc(county="540103", org="MA6T5555"), county_code="540103")


class CommitsMeanwhile:
    """The server's session; after the first repair pull of one entity, another counter commits a new
    person with its enrollment (the race of finding 3c)."""

    def __init__(self, inner: Any, meanwhile: Any):
        self.inner = inner
        self.meanwhile = meanwhile
        self.done = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def pull(self, req: PullRequest) -> PullResponse:
        page = self.inner.pull(req)
        if req.cursor == 0 and req.entities and not self.done:
            self.done = True
            self.meanwhile()
        return page


def test_the_count_repair_never_applies_a_child_before_its_parent(with_employer) -> None:
    a, b = with_employer["a"], with_employer["b"]
    for k in range(3):
        a.svc().register_person(person_data(id_number=id_number(seq=130 + 2 * k)))
    a.sync()
    b.svc("boss").set_sync_state({"pull.cursor": "999999"})  # pages lost: a repair is due

    def another_counter_registers() -> None:
        a.svc().register_person(person_data(id_number=id_number(seq=140)))
        a.sync()

    b.transport = CommitsMeanwhile(b.transport, another_counter_registers)
    report = b.sync()  # no FOREIGN KEY IntegrityError
    assert "person" in report.repaired
    b.transport = b.transport.inner
    b.sync()
    assert view(b.store) == view(a.store)
    assert len(view(b.store)["persons"]) == 4
    sound(b.store)


def test_a_change_refused_for_a_reason_the_admin_fixed_lands_when_sent_again(with_employer, server) -> None:
    """dawa is a clerk of counter a but not staff on the server: her person is refused
    (sync.unknown_actor) and not sent again on its own. The central admin adds her; a sync with
    retry_refused sends it again under a new change id, and it lands at every counter."""
    a, b = with_employer["a"], with_employer["b"]
    a.svc("boss").add_user("dawa", "clerk", None)
    mine = a.store.service("dawa", today=TODAY).register_person(person_data(id_number=id_number(seq=150)))
    first = a.sync()
    assert first.rejected == 1
    [refusal] = a.store.refused_changes()
    assert refusal["errors"][0]["code"] == "sync.unknown_actor"
    server.add_user("540102", "dawa", "clerk", "pw-dawa")
    assert a.sync().pushed == 0  # not sent again by itself
    again = a.sync(retry_refused=True)
    assert (again.retried, again.pushed, again.rejected) == (1, 1, 0)
    assert a.store.refused_changes() == []
    b.sync()
    assert b.store.get_person(mine["id"])["id_number"] == mine["id_number"]
    assert view(a.store) == view(b.store)
    sound(a.store)
    assert a.sync(retry_refused=True).retried == 0  # nothing left to send again


def test_a_person_refused_for_a_missing_employer_lands_with_its_employer_when_sent_again(
    counters, server
) -> None:
    """dawa (not staff on the server) registers an employer and clerk1 a person of it: the employer is
    refused (sync.unknown_actor), so the person is refused for an employer the server does not have
    (employer.unknown). Once the admin adds dawa, one sync with retry_refused sends both again in the
    order they were made, and both land at every counter of the county."""
    a, b = counters["a"], counters["b"]
    a.svc("boss").add_user("dawa", "clerk", None)
    a.store.service("dawa", today=TODAY).register_employer(employer_data())
    mine = a.svc().register_person(person_data(id_number=id_number(seq=160)))
    first = a.sync()
    assert first.rejected == 2
    codes = {r["entity"]: r["errors"][0]["code"] for r in a.store.refused_changes()}
    assert codes == {"employer": "sync.unknown_actor", "person": "employer.unknown"}
    server.add_user("540102", "dawa", "clerk", "pw-dawa")
    again = a.sync(retry_refused=True)
    assert (again.retried, again.pushed, again.rejected) == (2, 2, 0)
    assert a.store.refused_changes() == []
    b.sync()
    assert b.store.get_person(mine["id"])["enrollment"]["employer_uscc"] == employer_data()["uscc"]
    assert view(a.store) == view(b.store)
    sound(a.store)

"""A page a server sends that the counter's own checks refuse (issue 24, finding 1), end to end: the
real server in process, its page tampered with on the way. The sync stops with the coded refusal
naming the record, nothing of the page is written, the cursor stays; once honest pages come again the
counter is in step, and `doctor` finds it sound."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from localdb.pullcheck import PageRefused
from sync.protocol import PullRequest, PullResponse
from tests.support.store_data import TODAY, application_data, id_number, person_data
from tests.sync.test_engine import sound, view


class Tampering:
    """The server's session; ``tamper`` rewrites each record of a pulled page."""

    def __init__(self, inner: Any, tamper: Any):
        self.inner = inner
        self.tamper = tamper

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def pull(self, req: PullRequest) -> PullResponse:
        page = self.inner.pull(req)
        return replace(page, records=tuple(self.tamper(r) for r in page.records))


def _approved_999999(r: Any) -> Any:
    if r.entity != "application" or r.data is None:
        return r
    decision = {**r.data["decision"], "allowance": "999999.00"}
    return replace(r, data={**r.data, "decision": decision})


def test_a_tampered_allowance_is_refused_end_to_end_and_the_counter_recovers(with_employer) -> None:
    a, b = with_employer["a"], with_employer["b"]
    p = a.svc().register_person(person_data(id_number=id_number(seq=170)))
    app = a.svc().create_application(application_data(id_number=p["id_number"]))
    a.svc("rev1").start_review(app["id"])
    a.svc("rev1").approve(app["id"])
    a.sync()
    cursor = b.store.sync_state().get("pull.cursor")
    honest = b.transport
    b.transport = Tampering(honest, _approved_999999)
    with pytest.raises(PageRefused) as caught:
        b.sync()
    [issue] = [i for i in caught.value.issues if i.code == "sync.pulled_decision_mismatch"]
    assert (
        app["receipt_no"] in issue.message("zh")
        and issue.message("bo")
        and "999999.00" in issue.message("en")
    )
    assert b.store.sync_state().get("pull.cursor") == cursor  # the cursor stays
    assert b.store.find_person(p["id_number"]) is None  # nothing of the page, the person neither
    [kept] = [c for c in b.store.conflicts() if c["kind"] == "pulled_decision"]
    assert kept["entity_id"] == app["id"]
    sound(b.store)
    # honest pages again: everything lands with the engine's decision
    b.transport = honest
    b.sync()
    assert view(b.store) == view(a.store)
    assert b.store.get_application(app["id"])["decision"]["allowance"] == app["decision"]["allowance"]
    # the counter's own item is resolved here (the engine's decision stands), and b is in step
    b.store.service("rev1", today=TODAY).resolve_conflict(kept["id"], "local")
    assert b.sync().in_step
    sound(b.store)


def _another_county(r: Any) -> Any:
    if r.entity != "person" or r.data is None:
        return r
    return replace(r, data={**r.data, "county_code": "540103"})


def test_another_countys_person_in_a_page_is_refused_end_to_end(with_employer) -> None:
    a, b = with_employer["a"], with_employer["b"]
    a.svc().register_person(person_data(id_number=id_number(seq=172)))
    a.sync()
    b.transport = Tampering(b.transport, _another_county)
    with pytest.raises(PageRefused) as caught:
        b.sync()
    assert caught.value.issues[0].code == "sync.pulled_out_of_county"
    assert view(b.store)["persons"] == []
    sound(b.store)

"""Hostile and concurrent input to the server in process: any well-formed but nonsensical signed
change is answered (rejected with codes), never a crash; two counters pushing at once get distinct,
gap-free-in-order server sequence numbers (the per-county write lock)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central.service import CentralServer
from sync.protocol import PullRequest
from tests.support.central_data import SimCounter
from tests.support.store_data import uscc

World = dict[str, SimCounter]

_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.text(max_size=12),
    st.lists(st.text(max_size=4), max_size=3),
    st.dictionaries(st.text(max_size=6), st.text(max_size=6), max_size=3),
)
_keys = st.sampled_from(
    [
        "id_number",
        "name_zh",
        "county_code",
        "category",
        "enrollment",
        "person_id",
        "form",
        "decision",
        "receipt_no",
        "status",
        "status_from",
        "resolution",
        "record_id",
        "uscc",
        "phone",
        "event_date",
        "reason",
    ]
)


@pytest.mark.parametrize("backend", ["sqlite"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    entity=st.sampled_from(["employer", "person", "enrollment", "application", "print", "conflict"]),
    op=st.sampled_from(["create", "update", "transition", "resolve"]),
    data=st.dictionaries(_keys, _values, max_size=8),
    base=st.one_of(st.none(), st.integers(0, 5)),
)
def test_nonsense_changes_are_answered_with_codes(
    world: World, entity: str, op: str, data: dict[str, Any], base: int | None
) -> None:
    a = world["a"]
    change = a.change(entity, "x-1", op, data, actor="adm1", base_version=base, changed=tuple(data))
    (result,) = a.push(change)
    assert result.status in {"rejected", "applied", "conflict", "duplicate"}
    if result.status == "rejected":
        assert result.errors and all(e["code"] and e["message_zh"] for e in result.errors)
        assert "sync.internal" not in [e["code"] for e in result.errors]


@pytest.mark.parametrize("backend", ["sqlite"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    which=st.sampled_from(["person", "application", "enrollment"]),
    key=st.sampled_from(
        [
            "id_number",
            "category",
            "county_code",
            "form",
            "decision",
            "receipt_no",
            "person_id",
            "status",
            "enrollment",
            "event_date",
            "birth_date",
            "babies",
        ]
    ),
    value=_values,
)
def test_a_valid_record_with_one_field_spoiled_is_answered_with_codes(
    world: World, which: str, key: str, value: Any
) -> None:
    a = world["a"]
    if not hasattr(a, "_seeded"):
        emp = a.employer("clerk1")
        per = a.person("clerk1", emp.entity_id)
        a.push(emp, per)
        a._seeded = (emp, per)  # type: ignore[attr-defined]
    emp, per = a._seeded  # type: ignore[attr-defined]
    if which == "person":
        base = a.person("clerk1", emp.entity_id, seq=40)
    elif which == "enrollment":
        base = a.person("clerk1", emp.entity_id, seq=42)
        value = {**base.data["enrollment"], key: value}
        key = "enrollment"
    else:
        base = a.application("clerk1", per, event_date="2026-07-01")
        if key in ("babies", "birth_date"):
            value = {**base.data["form"], key: value}
            key = "form"
    spoiled = a.change(base.entity, base.entity_id, "create", {**base.data, key: value}, actor="clerk1")
    (result,) = a.push(spoiled)
    assert result.status in {"rejected", "applied", "conflict", "duplicate"}
    if result.status == "rejected":
        assert result.errors and all(e["code"] and e["message_bo"] for e in result.errors)
        assert "sync.internal" not in [e["code"] for e in result.errors]


def test_the_same_change_twice_in_one_batch_is_answered_once(world: World) -> None:
    a = world["a"]
    emp = a.employer("clerk1")
    first, second = a.push(emp, emp)
    assert first == second and first.status == "applied"
    assert a.proto.counts().counts["employer"] == 1


def test_concurrent_pushes_of_one_county_get_ordered_sequence_numbers(
    world_server: tuple[CentralServer, World],
) -> None:
    _, world = world_server
    a, b = world["a"], world["b"]
    batches = {
        "a": [a.employer("clerk1", uscc=uscc("540102", f"MA6A{i:04d}")) for i in range(30)],
        "b": [b.employer("clerk2", uscc=uscc("540102", f"MA6B{i:04d}")) for i in range(30)],
    }
    errors: list[BaseException] = []

    def run(name: str) -> None:
        c = world[name]
        try:
            for i in range(0, 30, 5):
                results = c.push(*batches[name][i : i + 5])
                assert all(r.status == "applied" for r in results)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    records = [r for r in a.proto.pull(PullRequest(0, 5000)).records if r.entity == "employer"]
    seqs = [r.server_seq for r in records]
    assert len(records) == 60 and len(set(seqs)) == 60 and seqs == sorted(seqs)

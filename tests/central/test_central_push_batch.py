"""A push batch's creates are validated completely and then inserted together (one executemany per
table). A change the database itself refuses at that insert must still fail alone, as it did when every
change had its own savepoint: the batch is rolled back and applied again change by change
(docs/sync-protocol.md, "Push")."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.support.central_data import SimCounter

World = dict[str, SimCounter]


def _enrollment(pid: str, employer_id: str, enrollment_id: str) -> dict[str, Any]:
    return {
        "id": enrollment_id,
        "person_id": pid,
        "employer_id": employer_id,
        "category": "employee",
        "maternity_coverage": True,
        "contribution_base": "6500.00",
        "flexible_scheme": None,
        "insured_since": "2015-03-01",
        "ended_on": None,
    }


def test_a_change_the_database_refuses_at_the_batch_insert_fails_alone(
    world: World, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    a = world["a"]
    emp = a.employer("clerk1")
    first = a.person("clerk1", emp.entity_id, seq=2)
    # an enrollment id longer than the column (64): nothing in the rules looks at its length;
    # PostgreSQL refuses the row, SQLite stores it
    odd_pid = "p-odd"
    odd = a.person(
        "clerk1",
        emp.entity_id,
        seq=4,
        pid=odd_pid,
        enrollment=_enrollment(odd_pid, emp.entity_id, "e" * 100),
    )
    last = a.person("clerk1", emp.entity_id, seq=6)
    with caplog.at_level(logging.WARNING, logger="central.service"):
        results = a.push(emp, first, odd, last)
    replayed = [r for r in caplog.records if "change by change" in r.getMessage()]
    again = a.push(emp, first, odd, last)
    if backend == "postgresql":
        assert [r.status for r in results] == ["applied", "applied", "rejected", "applied"]
        assert [e["code"] for e in results[2].errors] == ["sync.internal"]
        assert a.proto.counts().counts["person"] == 2
        assert a.proto.counts().counts["enrollment"] == 2
        assert len(replayed) == 1  # the batch insert failed and the batch was applied change by change
    else:
        assert [r.status for r in results] == ["applied"] * 4
        assert a.proto.counts().counts["person"] == 3
        assert replayed == []
    # the others are remembered; the refused one (a server fault) is processed again, with the same answer
    assert again == results


def test_a_batch_of_creates_sees_its_own_earlier_rows(world: World) -> None:
    """Rows staged earlier in a batch are seen by its later changes: the same ID number twice in one
    batch is one person and an alias, and a print of a person created in the batch finds it."""
    a = world["a"]
    emp = a.employer("clerk1")
    per = a.person("clerk1", emp.entity_id, seq=8)
    twin = a.person("clerk1", emp.entity_id, seq=8)
    printed = a.change(
        "print",
        "print-1",
        "create",
        {"id": "print-1", "record_id": twin.entity_id, "kind": "enrollment_confirmation", "copy_no": 1},
        actor="clerk1",
    )
    results = a.push(emp, per, twin, printed)
    assert [r.status for r in results] == ["applied", "applied", "duplicate", "applied"]
    assert results[2].merged_into == per.entity_id
    assert a.proto.counts().counts["person"] == 1
    assert a.proto.counts().counts["print"] == 1

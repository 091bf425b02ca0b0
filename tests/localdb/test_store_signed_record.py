"""The record proves itself (issue 16, finding 2): each write's audit chain head is signed with the
counter's key (``audit_heads``, schema 0006), so a chain rewritten without the key fails ``audit
verify`` and ``doctor``; and ``doctor`` names every business row that differs from its last audit
event (a decision edited with sqlite3 used to pass and print as a signed slip)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import localdb
from liangxian.cli import main
from liangxian.keys import provision_counter_key
from localdb import audit, maintenance
from localdb.errors import RecordTampered
from localdb.signing import Signer
from tests.support.hostile import rewrite_chain
from tests.support.store_data import application_data, person_data


@pytest.fixture
def signed(store, memory_keyring):
    provision_counter_key(store, "boss")
    return store


@pytest.fixture
def filled(signed, clerk, reviewer):
    clerk.register_person(person_data())
    app = clerk.create_application(application_data())
    reviewer.start_review(app["id"])
    clerk.record_print(app["id"], "receipt")
    return app


def _verify(path, **kw) -> audit.ChainReport:
    conn = sqlite3.connect(path)
    try:
        return audit.verify(conn, **kw)
    finally:
        conn.close()


def test_every_write_signs_the_chain_head(signed, filled) -> None:
    report = _verify(signed.path, trusted_public_key=signed.counter.public_key_b64)
    assert report.ok and report.signed_through == report.events and report.signed_heads >= 4
    conn = sqlite3.connect(signed.path)
    (last_head,) = conn.execute("SELECT max(seq) FROM audit_heads").fetchone()
    (last_event,) = conn.execute("SELECT max(seq) FROM audit_events").fetchone()
    conn.close()
    assert last_head == last_event
    doctor = maintenance.doctor(signed.path)
    assert doctor["ok"] and doctor["audit"]["signed"] and doctor["warnings"] == []


@pytest.mark.parametrize("heads", ["keep", "unsigned", "resigned"])
def test_a_rewritten_chain_fails_without_the_key(signed, filled, heads, capsys) -> None:
    """The hash chain is unkeyed SHA-256: an attacker edits a decision's amount, the event that
    records it and recomputes every hash. The signed heads no longer match; replacing them with
    unsigned ones or signing them with another key fails too."""
    signed.close()
    intruder = Signer.from_private(signed._counter_id, Ed25519PrivateKey.generate())
    rewrite_chain(
        signed.path,
        "UPDATE persons SET name_zh = '王五'",
        "person.register",
        {"name_zh": "王五"},
        heads=heads,
        signer=intruder,
    )
    report = _verify(signed.path)
    codes = {p.code for p in report.problems}
    expected = {
        "keep": "audit.head_mismatch",
        "unsigned": "audit.head_unsigned",
        "resigned": "audit.head_unknown_key",
    }[heads]
    assert expected in codes and not report.ok
    assert not {"audit.edited", "audit.link_broken"} & codes  # the unkeyed chain itself is consistent
    assert main(["audit", "verify", "--db", str(signed.path)]) == 1
    assert not json.loads(capsys.readouterr().out)["ok"]
    assert not maintenance.doctor(signed.path)["ok"]


def test_a_chain_resigned_with_a_replaced_counter_key_fails_against_the_keyring(signed, filled) -> None:
    """Rewritten, re-signed with the intruder's key and that key put in the counters table: the
    counters row no longer matches its audit, and the keyring's key is not the stored one."""
    signed.close()
    intruder = Signer.from_private(signed._counter_id, Ed25519PrivateKey.generate())
    conn = sqlite3.connect(signed.path)
    conn.execute("UPDATE counters SET public_key_b64 = ?", (intruder.public_key_b64,))
    conn.commit()
    conn.close()
    rewrite_chain(
        signed.path,
        "UPDATE persons SET name_zh = '王五'",
        "person.register",
        {"name_zh": "王五"},
        heads="resigned",
        signer=intruder,
    )
    report = maintenance.doctor(signed.path)  # the keyring (memory) holds the real key
    assert not report["ok"]
    assert "audit.key_mismatch" in {p["code"] for p in report["audit"]["problems"]}
    assert {"entity": "counter", "code": "record.edited"}.items() <= report["records"]["problems"][0].items()


def test_without_a_keyring_heads_are_unsigned_and_doctor_says_so(store, clerk) -> None:
    clerk.register_person(person_data())
    report = maintenance.doctor(store.path, trusted_public_key=None)
    assert report["ok"] and not report["audit"]["signed"]
    assert report["warnings"] == ["audit.unsigned", "audit.no_keyring_key"]
    assert report["audit"]["heads"] >= 1 and report["audit"]["signed_heads"] == 0


def _sql(path, statement: str, *params) -> None:
    conn = sqlite3.connect(path)
    conn.execute(statement, params)
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    ("statement", "entity", "fields"),
    [
        ("UPDATE decisions SET allowance = '999999.00'", "decision", ["allowance"]),
        (
            'UPDATE decisions SET decision_json = replace(decision_json, \'"allowance":"\', '
            '\'"allowance":"9\')',
            "decision",
            ["decision_json", "allowance"],  # and the column no longer agrees with the JSON
        ),
        ("UPDATE applications SET status = 'approved'", "application", ["status"]),
        ("UPDATE persons SET name_zh = '王五'", "person", ["name_zh"]),
        ("UPDATE enrollments SET contribution_base = '99999.00'", "enrollment", ["contribution_base"]),
        ("UPDATE employers SET avg_monthly_wage = '99999.00'", "employer", ["avg_monthly_wage"]),
        ("UPDATE print_records SET copy_no = 5", "print", ["copy_no"]),
        ("UPDATE users SET role = 'admin' WHERE username = 'clerk1'", "user", ["role"]),
    ],
)
def test_doctor_names_a_business_row_edited_outside_the_program(
    signed, filled, statement, entity, fields
) -> None:
    before = maintenance.doctor(signed.path)["records"]
    assert before["ok"] and before["problems"] == [] and before["checked"] >= 8
    _sql(signed.path, statement)
    report = maintenance.doctor(signed.path)
    assert not report["ok"] and not report["records"]["ok"]
    problems = report["records"]["problems"]
    assert [(p["entity"], p["code"], p["fields"]) for p in problems] == [(entity, "record.edited", fields)]
    assert report["audit"]["ok"]  # the chain itself is untouched: only the row check sees this


def test_a_row_no_audit_event_describes_is_named(signed, filled) -> None:
    _sql(
        signed.path,
        "INSERT INTO print_records VALUES ('pr-forged', ?, 'approval_slip', 0, '2026-11-28T00:00:00Z', 'boss')",
        filled["id"],
    )
    problems = maintenance.doctor(signed.path)["records"]["problems"]
    assert problems == [{"entity": "print", "id": "pr-forged", "code": "record.unaudited", "fields": []}]


def test_printing_can_refuse_a_record_doctor_would_flag(signed, filled) -> None:
    """What the print path calls before signing a slip: Store.assert_untampered."""
    signed.assert_untampered("application", filled["id"])
    _sql(signed.path, "UPDATE decisions SET allowance = '999999.00'")
    with pytest.raises(RecordTampered) as exc:
        signed.assert_untampered("application", filled["id"])
    err = exc.value
    assert err.code == "record.tampered" and err.params["entity"] == "decision"
    assert "审计" in err.message("zh") and err.message("bo") and "allowance" in err.message("en")


def test_the_migration_keeps_the_old_history_and_signs_from_the_next_write(tmp_path, memory_keyring) -> None:
    """A 0003 database has no heads: it passes, unsigned; the first write after the upgrade signs a
    head whose hash covers every earlier event."""
    from localdb import db

    path = tmp_path / "v3.db"
    engine = db.make_engine(path)
    db.upgrade(engine, "0003")
    engine.dispose()
    store = localdb.init_store(
        tmp_path / "fresh.db",
        region="lhasa",
        county_code="540102",
        counter_no=3,
        admin_username="boss",
        admin_password=None,
    )
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("ATTACH ? AS fresh", (str(tmp_path / "fresh.db"),))
    for table in ("counties", "counters", "settings", "users", "audit_events", "outbox"):
        cols = ", ".join(r[1] for r in conn.execute(f"PRAGMA table_info({table})"))  # 0003's columns
        conn.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM fresh.{table}")
    conn.commit()
    conn.close()
    assert _verify(path).heads is None and _verify(path).ok
    store = localdb.open_store(path)
    provision_counter_key(store, "boss")  # a write: the head after it is signed
    store.close()
    report = _verify(path)
    assert report.ok and report.signed_through == report.events and report.heads == 1


def test_doctor_says_in_words_that_the_record_is_unsigned(store, clerk, capsys) -> None:
    clerk.register_person(person_data())
    store.close()
    assert main(["doctor", "--db", str(store.path)]) == 0
    captured = capsys.readouterr()
    assert "audit.unsigned" in json.loads(captured.out)["warnings"]
    assert "签名" in captured.err and "མིང་རྟགས" in captured.err

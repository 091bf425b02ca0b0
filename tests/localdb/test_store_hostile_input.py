"""Hostile input at the command line (issue 16, findings 6 and 7): every one of these crashed with a
traceback and exit 1, or cost a minute of CPU inside the write transaction. Each is now refused before
any work, with a coded bilingual error and exit 2; a crash that remains would be exit 70."""

from __future__ import annotations

import argparse
import json
import logging
import sqlite3
import threading
import time

import pytest

from liangxian.cli import EXIT_INTERNAL, main, run_guarded
from tests.support.credentials import as_user
from tests.support.store_data import application_data, person_data


def run(capsys, *argv: str) -> tuple[int, dict, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def refused(code: int, out: dict, expected: str) -> dict:
    assert code == 2, out
    err = out["errors"][0]
    assert err["code"] == expected, out
    assert err["message_zh"] and err["message_bo"] and err["message_en"]
    return err


def entitle_text(capsys, monkeypatch, text: str) -> tuple[int, dict, str]:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    return run(capsys, "entitle", "-")


def _employee(**over: object) -> dict:
    data = {
        "region": "lhasa",
        "category": "employee",
        "event": "birth",
        "event_date": "2023-06-15",
        "babies": 1,
        "employer_avg_monthly_wage": "6543.21",
        "contribution_months": 24,
    }
    data.update(over)
    return data


def _raw(data: dict, field: str, literal: str) -> str:
    """``data`` as JSON with ``field``'s value replaced by a raw literal."""
    return json.dumps({**data, field: "@@"}).replace('"@@"', literal)


def test_an_exponent_of_a_million_is_refused_at_once(capsys, monkeypatch) -> None:
    """contribution_months: 1e1000000 (160 bytes) cost 57 s of CPU."""
    started = time.perf_counter()
    code, out, _ = entitle_text(capsys, monkeypatch, _raw(_employee(), "contribution_months", "1e1000000"))
    assert time.perf_counter() - started < 2
    refused(code, out, "int.range")


def test_an_integer_literal_over_4300_digits_is_refused(capsys, monkeypatch) -> None:
    code, out, _ = entitle_text(capsys, monkeypatch, _raw(_employee(), "babies", "9" * 5000))
    refused(code, out, "json.number_too_long")
    code, out, _ = entitle_text(
        capsys, monkeypatch, _raw(_employee(), "contribution_months", '"' + "9" * 30 + '"')
    )
    refused(code, out, "int.range")


@pytest.mark.parametrize("literal", ["1e26", "100000000000000000000000000", '"100000000000000000000000000"'])
def test_money_of_1e26_and_more_is_too_large(capsys, monkeypatch, literal: str) -> None:
    code, out, _ = entitle_text(capsys, monkeypatch, _raw(_employee(), "employer_avg_monthly_wage", literal))
    refused(code, out, "money.too_large")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(capsys, monkeypatch, literal: str) -> None:
    code, out, _ = entitle_text(capsys, monkeypatch, _raw(_employee(), "contribution_months", literal))
    refused(code, out, "json.syntax")


def test_json_size_and_depth_are_bounded(capsys, monkeypatch) -> None:
    code, out, _ = entitle_text(capsys, monkeypatch, json.dumps({**_employee(), "hospital": "x" * 1_100_000}))
    refused(code, out, "json.too_large")
    code, out, _ = entitle_text(capsys, monkeypatch, "[" * 40 + "]" * 40)
    refused(code, out, "json.too_deep")
    code, out, _ = entitle_text(capsys, monkeypatch, '["[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["]')
    refused(code, out, "form.not_object")  # brackets inside a string are not nesting


def test_lone_surrogates_are_refused(store, tmp_path, capsys) -> None:
    db = str(store.path)
    store.close()
    path = tmp_path / "p.json"
    path.write_text(json.dumps(person_data(name_zh="\ud800")), encoding="utf-8")  # json escapes it
    code, out, _ = run(capsys, "register", "person", "--db", db, *as_user(tmp_path, "clerk1"), str(path))
    refused(code, out, "text.surrogate")
    code, out, _ = run(capsys, "check-id", "11010519491231002\udcff")  # a byte that is not UTF-8
    refused(code, out, "text.surrogate")


@pytest.mark.parametrize("limit", ["1e23", "100000000000000000000000", "0", "-1"])
def test_search_limit_is_bounded(store, capsys, limit: str) -> None:
    code, out, err = run(capsys, "search", "--db", str(store.path), "--json", "--limit", limit, "zx")
    e = refused(code, out, "cli.usage")
    assert "--limit" in e["message_en"] and "命令行" in e["message_zh"]
    assert "Traceback" not in err


def test_argparse_errors_are_coded_and_bilingual(capsys) -> None:
    for argv in (["search"], ["entitle"], ["init", "--db", "x"], ["check-id"], ["nonsense"]):
        code, out, err = run(capsys, *argv)
        e = refused(code, out, "cli.usage")
        assert e["message_bo"] != e["message_en"]
        assert "usage:" in err


def test_verify_a_100_kb_payload_and_a_passwd_database(tmp_path, capsys) -> None:
    keys = tmp_path / "keys.json"
    keys.write_text("{}", encoding="utf-8")
    code, out, err = run(capsys, "verify", "LX1." + "A" * 100_000, "--keys", str(keys))
    refused(code, out, "verify.payload_format")
    code, out, err = run(capsys, "verify", "LX1.abc", "--db", "/etc/passwd")
    refused(code, out, "print.store_unavailable")
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    code, out, err = run(capsys, "verify", "LX1.abc", "--keys", str(deep))
    refused(code, out, "verify.keys_file")
    assert "Traceback" not in err


def test_an_unexpected_exception_is_exit_70_with_a_coded_message(capsys, caplog) -> None:
    """A crash is never exit 1 (that is "not genuine" for verify): a coded internal error, the
    traceback in the log and not on stdout."""

    def broken(args: argparse.Namespace) -> int:
        raise ZeroDivisionError("boom")

    with caplog.at_level(logging.ERROR, logger="liangxian"):
        code = run_guarded(argparse.Namespace(func=broken, command="entitle"))
    out = capsys.readouterr().out
    assert code == EXIT_INTERNAL == 70
    err = json.loads(out)["errors"][0]
    assert err["code"] == "internal.error" and "ZeroDivisionError" in err["message_en"]
    assert err["message_zh"] and err["message_bo"]
    assert "Traceback" not in out
    assert any(r.exc_info for r in caplog.records)


def test_a_busy_database_is_store_busy_and_nothing_is_written(store, tmp_path, capsys, monkeypatch) -> None:
    """Another writer holds the lock past the busy timeout: store.busy, exit 2, not an
    OperationalError traceback."""
    from localdb import db as localdb_db

    path = store.path
    store.close()
    monkeypatch.setattr(localdb_db, "BUSY_TIMEOUT_MS", 200)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        p = tmp_path / "p.json"
        p.write_text(json.dumps(person_data()), encoding="utf-8")
        code, out, _ = run(
            capsys, "register", "person", "--db", str(path), *as_user(tmp_path, "clerk1"), str(p)
        )
    finally:
        holder.rollback()
        holder.close()
    refused(code, out, "store.busy")
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM persons").fetchone()[0] == 0
    conn.close()


def test_validation_and_the_decision_run_outside_the_write_transaction(store, clerk, monkeypatch) -> None:
    """While an application is parsed, validated and decided, another writer is not held up: the
    write lock is taken only for the inserts. Measured by holding the decision and writing meanwhile."""
    import forms.entitlement as entitlement

    clerk.register_person(person_data())
    real_decide = entitlement.decide
    inside = threading.Event()
    release = threading.Event()

    def slow_decide(facts):  # the real decision, made to take long
        inside.set()
        release.wait(10)
        return real_decide(facts)

    monkeypatch.setattr(entitlement, "decide", slow_decide)
    result: dict = {}
    worker = threading.Thread(target=lambda: result.update(app=clerk.create_application(application_data())))
    worker.start()
    assert inside.wait(10)
    other = sqlite3.connect(store.path, timeout=0.5, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # would time out if create_application held the write lock
        other.execute("ROLLBACK")
    finally:
        other.close()
        release.set()
        worker.join(20)
    assert result["app"]["receipt_no"]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("gestation_weeks", " " * 200_000 + "x", "application.gestation_format"),  # was quadratic
        ("gestation_weeks", "15" + "\t" * 200_000, "application.gestation_format"),
    ],
)
def test_long_text_values_are_refused_in_linear_time(
    capsys, monkeypatch, field: str, value: str, code: str
) -> None:
    started = time.perf_counter()
    code_, out, _ = entitle_text(
        capsys, monkeypatch, json.dumps({**_employee(event="miscarriage"), field: value})
    )
    assert time.perf_counter() - started < 2
    refused(code_, out, code)


def test_the_json_depth_scan_is_linear_on_unterminated_strings(capsys, monkeypatch) -> None:
    """'"\\"\\"\\…' made the string-skipping scan retry from every quote (quadratic: 14 s for 40 KB)."""
    started = time.perf_counter()
    code, out, _ = entitle_text(capsys, monkeypatch, '"\\' * 490_000)
    assert time.perf_counter() - started < 2
    refused(code, out, "json.syntax")

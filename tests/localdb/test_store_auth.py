"""Every command acting as a user proves it (issue 16, finding 5): ``--password-file`` (owner-only) or
``--password-stdin``; a wrong or missing password is exit 2, coded and bilingual, and nothing is
written. Run against the real store of tests/localdb (a copy of its template counter)."""

from __future__ import annotations

import argparse
import io
import json
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from liangxian.cli import build_parser, main
from tests.support.credentials import PASSWORDS, as_user, password_file
from tests.support.store_data import person_data


def run(capsys, *argv: str) -> tuple[int, dict]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def _counts(db: Path) -> tuple[int, int, int]:
    conn = sqlite3.connect(db)
    try:
        return tuple(
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("users", "persons", "audit_events")
        )  # type: ignore[return-value]
    finally:
        conn.close()


def _assert_refused(code: int, out: dict, expected: str) -> None:
    assert code == 2, out
    err = out["errors"][0]
    assert err["code"] == expected
    assert err["message_zh"] and err["message_bo"] and err["message_en"]
    assert err["message_zh"] != err["message_en"] and err["message_bo"] != err["message_en"]


def test_user_add_without_a_password_makes_no_admin(store, tmp_path, capsys) -> None:
    """The finding: `user add --as chief intruder admin` made a new admin with no proof at all."""
    db = store.path
    store.close()
    before = _counts(db)
    code, out = run(capsys, "user", "add", "--db", str(db), "--as", "boss", "intruder", "admin")
    _assert_refused(code, out, "auth.password_required")
    assert _counts(db) == before


def test_a_wrong_password_is_refused_and_nothing_is_written(store, tmp_path, capsys) -> None:
    db = store.path
    store.close()
    before = _counts(db)
    new_pw = password_file(tmp_path, "new-user-pw", "new")
    args = ["user", "add", "--db", str(db), "intruder", "admin", "--new-password-file", new_pw]
    code, out = run(capsys, *args, *as_user(tmp_path, "boss", "guess"))
    _assert_refused(code, out, "auth.login_failed")
    code, out = run(capsys, *args, *as_user(tmp_path, "nobody", "guess"))
    _assert_refused(code, out, "auth.login_failed")  # an unknown user reads the same as a wrong password
    person = tmp_path / "p.json"
    person.write_text(json.dumps(person_data()), encoding="utf-8")
    code, out = run(
        capsys, "register", "person", "--db", str(db), *as_user(tmp_path, "clerk1", "x"), str(person)
    )
    _assert_refused(code, out, "auth.login_failed")
    assert _counts(db) == before
    code, out = run(capsys, *args, *as_user(tmp_path, "boss"))
    assert code == 0 and out["username"] == "intruder"


def test_a_password_file_others_can_read_is_refused(store, tmp_path, capsys) -> None:
    db = store.path
    store.close()
    pw = Path(password_file(tmp_path, PASSWORDS["clerk1"]))
    pw.chmod(0o644)
    person = tmp_path / "p.json"
    person.write_text(json.dumps(person_data()), encoding="utf-8")
    before = _counts(db)
    argv = ["register", "person", "--db", str(db), "--as", "clerk1", "--password-file", str(pw), str(person)]
    code, out = run(capsys, *argv)
    _assert_refused(code, out, "auth.password_file_insecure")
    pw.chmod(0o640)
    _assert_refused(*run(capsys, *argv), "auth.password_file_insecure")
    code, out = run(capsys, *argv[:-3], "--password-file", str(tmp_path / "missing"), str(person))
    _assert_refused(code, out, "auth.password_file_unreadable")
    assert _counts(db) == before
    pw.chmod(0o600)
    code, out = run(capsys, *argv)
    assert code == 0 and out["name_zh"] == person_data()["name_zh"]


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8"))


def test_password_stdin_is_the_first_line_and_the_record_comes_from_a_file(
    store, tmp_path, capsys, monkeypatch
) -> None:
    db = store.path
    store.close()
    person = tmp_path / "p.json"
    person.write_text(json.dumps(person_data()), encoding="utf-8")
    _stdin(monkeypatch, json.dumps(person_data()))
    code, out = run(capsys, "register", "person", "--db", str(db), "--as", "clerk1", "--password-stdin", "-")
    _assert_refused(code, out, "auth.stdin_taken")
    _stdin(monkeypatch, "")
    code, out = run(
        capsys, "register", "person", "--db", str(db), "--as", "clerk1", "--password-stdin", str(person)
    )
    _assert_refused(code, out, "auth.password_required")
    _stdin(monkeypatch, PASSWORDS["clerk1"] + "\nignored\n")
    code, out = run(
        capsys, "register", "person", "--db", str(db), "--as", "clerk1", "--password-stdin", str(person)
    )
    assert code == 0, out
    # user add: the acting admin's password, then the new user's, both from standard input
    _stdin(monkeypatch, f"{PASSWORDS['boss']}\nnew-clerk-pw\n")
    code, out = run(
        capsys,
        "user",
        "add",
        "--db",
        str(db),
        "--as",
        "boss",
        "--password-stdin",
        "clerk2",
        "clerk",
        "--new-password-stdin",
    )
    assert code == 0, out
    import localdb

    with localdb.open_store(db) as st:
        assert st.verify_login("clerk2", "new-clerk-pw") == "clerk"


def test_init_requires_the_admin_password(tmp_path, capsys, memory_keyring) -> None:
    """`init` without a password made a passwordless admin."""
    db = tmp_path / "c.db"
    base = [
        "init",
        "--db",
        str(db),
        "--region",
        "lhasa",
        "--county",
        "540102",
        "--counter",
        "3",
        "--admin",
        "boss",
    ]
    code, out = run(capsys, *base)
    _assert_refused(code, out, "auth.password_required")
    assert not db.exists()
    code, out = run(capsys, *base, "--password-file", password_file(tmp_path, "admin-pw"))
    assert code == 0, out
    import localdb

    with localdb.open_store(db) as st:
        assert st.verify_login("boss", "admin-pw") == "admin"


def _subparsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _subparsers(sub, (*path, name))
    yield path, parser


def test_every_command_with_as_takes_a_password() -> None:
    """One mechanism for all: every subcommand that acts as a user (``--as``) has the password options
    of liangxian.auth, as does init."""
    acting = []
    for path, parser in _subparsers(build_parser()):
        dests = {a.dest for a in parser._actions}
        if "user" in dests or path == ("init",):
            acting.append(path)
            assert {"password_file", "password_stdin"} <= dests, path
    assert ("init",) in acting and ("register",) in acting and ("user", "add") in acting
    assert len(acting) >= 6


def test_password_file_must_be_owned_by_the_caller(tmp_path) -> None:
    from liangxian.auth import PasswordFileInsecure, PasswordFileUnreadable, read_password_file

    link = tmp_path / "link"
    target = Path(password_file(tmp_path, "pw"))
    os.symlink(target, link)
    with pytest.raises(PasswordFileUnreadable):
        read_password_file(str(link))  # a symlink is not followed
    with pytest.raises(PasswordFileUnreadable):
        read_password_file(str(tmp_path))  # a directory
    target.chmod(0o604)
    with pytest.raises(PasswordFileInsecure):
        read_password_file(str(target))

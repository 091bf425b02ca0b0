"""The store's CLI: init (with and without a keyring), register person|employer|application with JSON
out and the exit-2 error envelope, key create, seed and search, backup/restore/doctor."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from liangxian.cli import main
from tests.support.credentials import PASSWORDS, as_user, password_file
from tests.support.store_data import ROOT, TODAY, application_data, bad_uscc, employer_data, person_data, uscc


def run(capsys, *argv: str) -> tuple[int, object, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out.strip() else None, captured.err


def write(tmp_path: Path, name: str, data: object) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def init_args(db: Path, pw_dir: Path | None = None) -> list[str]:
    return [
        "init",
        "--password-file",
        password_file(pw_dir or db.parent, PASSWORDS["boss"], "init"),
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


def test_init_makes_the_counter_key_when_a_keyring_exists(tmp_path, capsys, real_keyring) -> None:
    """In the real OS keyring (gnome-keyring's Secret Service, tests/conftest.py)."""
    code, out, err = run(capsys, *init_args(tmp_path / "c.db"))
    assert code == 0, err
    counter = out["counter"]
    assert (counter["county_code"], counter["counter_no"]) == ("540102", 3)
    assert counter["public_key_b64"] and len(counter["public_key_b64"]) == 44
    assert real_keyring.get_password("liangxian", f"counter-signing-key:{counter['id']}")


def test_init_without_a_keyring_warns_bilingually_and_continues(tmp_path, capsys) -> None:
    old = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        code, out, err = run(capsys, *init_args(tmp_path / "c.db"))
    finally:
        keyring.set_keyring(old)
    assert code == 0
    assert out["counter"]["public_key_b64"] is None
    assert "密钥环" in err and "ལྡེ་མིག" in err


def test_init_where_no_database_can_be_made_is_a_json_error(tmp_path, capsys) -> None:
    """--db inside a regular file: exit 2 with store.create_failed, not an OSError traceback."""
    (tmp_path / "a-file").write_text("x")
    code, out, _ = run(capsys, *init_args(tmp_path / "a-file" / "c.db", tmp_path))
    assert code == 2
    assert out["errors"][0]["code"] == "store.create_failed"
    assert out["errors"][0]["message_zh"] and out["errors"][0]["message_bo"]


def test_init_refuses_bad_settings_with_json_errors(tmp_path, capsys) -> None:
    args = init_args(tmp_path / "c.db")
    args[args.index("--county") + 1] = "999999"
    code, out, _ = run(capsys, *args)
    assert code == 2 and out["errors"][0]["field"] == "county_code"


def test_register_person_employer_application(store, tmp_path, capsys) -> None:
    db = str(store.path)
    store.close()
    e = write(tmp_path, "e.json", employer_data(uscc=uscc(org="MA6T2222"), name_zh="拉萨高原商贸有限公司"))
    code, emp, err = run(capsys, "register", "employer", "--db", db, *as_user(tmp_path, "clerk1"), e)
    assert code == 0, err
    assert emp["id"] and emp["uscc"] == uscc(org="MA6T2222") and emp["avg_monthly_wage"] == "9000.00"
    code, person, err = run(
        capsys,
        "register",
        "person",
        "--db",
        db,
        *as_user(tmp_path, "clerk1"),
        write(tmp_path, "p.json", person_data()),
    )
    assert code == 0, err
    assert person["id"] and person["name_zh"] == "张晓"
    data = application_data(event_date="2026-09-01", filed_on=TODAY.isoformat())
    code, app, err = run(
        capsys,
        "register",
        "application",
        "--db",
        db,
        *as_user(tmp_path, "clerk1"),
        write(tmp_path, "a.json", data),
    )
    assert code == 0, err
    assert app["receipt_no"].startswith("540102-03-") and app["status"] == "received"
    assert app["decision"]["eligible"] is True


def test_register_duplicate_person_exits_2_with_the_existing_record(store, tmp_path, capsys, clerk) -> None:
    existing = clerk.register_person(person_data())
    db = str(store.path)
    code, out, _ = run(
        capsys,
        "register",
        "person",
        "--db",
        db,
        *as_user(tmp_path, "clerk1"),
        write(tmp_path, "p.json", person_data()),
    )
    assert code == 2
    assert out["errors"][0]["code"] == "person.duplicate"
    assert out["existing"]["id"] == existing["id"]


def test_register_a_second_claim_for_the_same_event_exits_2_with_the_existing_application(
    store, tmp_path, capsys, clerk
) -> None:
    clerk.register_person(person_data())
    existing = clerk.create_application(application_data())
    db = str(store.path)
    args = ("register", "application", "--db", db, *as_user(tmp_path, "clerk1"))
    code, out, _ = run(capsys, *args, write(tmp_path, "a.json", application_data()))
    assert code == 2
    assert out["errors"][0]["code"] == "application.duplicate"
    assert out["errors"][0]["field"] == "event_date"
    assert all(existing["receipt_no"] in out["errors"][0][f"message_{lang}"] for lang in ("zh", "bo", "en"))
    assert out["existing"]["id"] == existing["id"]
    assert out["existing"]["receipt_no"] == existing["receipt_no"]
    # the other claim type for the same birth is another claim
    medical = application_data(claim_type="medical", medical_amount="3200.00")
    code, app, err = run(capsys, *args, write(tmp_path, "m.json", medical))
    assert code == 0, err
    assert app["claim_type"] == "medical" and app["receipt_no"] != existing["receipt_no"]


def test_register_invalid_input_exits_2_naming_fields(store, tmp_path, capsys) -> None:
    db = str(store.path)
    code, out, _ = run(
        capsys,
        "register",
        "person",
        "--db",
        db,
        *as_user(tmp_path, "clerk1"),
        write(tmp_path, "p.json", person_data(phone="12345", category="astronaut")),
    )
    assert code == 2
    by_field = {e["field"]: e for e in out["errors"]}
    assert by_field["phone"]["code"] == "phone.format" and by_field["category"]["code"] == "category.unknown"
    assert all(e["message_zh"] and e["message_bo"] for e in out["errors"])
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    code, out, _ = run(capsys, "register", "person", "--db", db, *as_user(tmp_path, "clerk1"), str(bad))
    assert code == 2 and out["errors"][0]["code"] == "json.syntax"


def test_register_as_an_unknown_user_or_with_the_wrong_role(store, tmp_path, capsys) -> None:
    db = str(store.path)
    code, out, _ = run(
        capsys,
        "register",
        "person",
        "--db",
        db,
        *as_user(tmp_path, "ghost"),
        write(tmp_path, "p.json", person_data()),
    )
    assert code == 2 and out["errors"][0]["code"] == "auth.login_failed"
    e = write(tmp_path, "e.json", employer_data(uscc=bad_uscc(org="MA6T7777"), name_zh="试点单位"))
    code, out, _ = run(
        capsys,
        "register",
        "employer",
        "--db",
        db,
        *as_user(tmp_path, "clerk1"),
        "--override-reason",
        "试点",
        e,
    )
    assert code == 2 and out["errors"][0]["code"] == "auth.forbidden"
    code, out, _ = run(
        capsys, "register", "employer", "--db", db, *as_user(tmp_path, "boss"), "--override-reason", "试点", e
    )
    assert code == 0 and out["uscc_override_reason"] == "试点"


def test_seed_search_doctor_backup_restore(store, tmp_path, capsys, memory_keyring) -> None:
    db = str(store.path)
    store.close()
    code, _, err = run(capsys, "key", "create", "--db", db, *as_user(tmp_path, "boss"))  # backups are signed
    assert code == 0, err
    code, out, err = run(
        capsys, "seed", "--db", db, *as_user(tmp_path, "boss"), "--persons", "300", "--applications", "10"
    )
    assert code == 0, err
    assert out["persons"] == 300 and out["applications"] == 10
    code, found, _ = run(capsys, "search", "--db", db, "--json", "zx")
    assert (
        code == 0
        and found
        and set(found[0]) >= {"id", "name_zh", "name_bo", "id_masked", "category", "score"}
    )
    assert all("*" in r["id_masked"] for r in found)
    assert [r["score"] for r in found] == sorted((r["score"] for r in found), reverse=True)
    code, report, _ = run(capsys, "doctor", "--db", db)
    assert (
        code == 0 and report["integrity"] == "ok" and report["audit"]["ok"] and report["pending_outbox"] > 300
    )
    code, out, _ = run(capsys, "backup", "--db", db, "--out", str(tmp_path / "b.db"))
    assert code == 0 and Path(out["backup"]).exists() and out["signed"] and Path(out["manifest"]).exists()
    code, out, _ = run(capsys, "backup", "--db", db, "--out", str(tmp_path / "b.db"))
    assert code == 2 and out["errors"][0]["code"] == "store.backup_failed"
    code, out, _ = run(
        capsys,
        "register",
        "person",
        "--db",
        db,
        *as_user(tmp_path, "clerk1"),
        write(tmp_path, "p.json", person_data()),
    )
    assert code == 0
    code, out, _ = run(capsys, "restore", "--db", db, "--from", str(tmp_path / "b.db"))
    assert code == 0 and out["previous_kept_as"]
    code, found, _ = run(capsys, "search", "--db", db, "--json", person_data()["id_number"])
    assert found == []  # the person registered after the backup is gone after the restore
    code, found, _ = run(
        capsys, "search", "--db", out["previous_kept_as"], "--json", person_data()["id_number"]
    )
    assert len(found) == 1  # and kept in the copy of the replaced database


def test_subprocess_init_and_key_create_with_the_real_secret_service(tmp_path, secret_service) -> None:
    """init on a machine without a keyring, then key create once gnome-keyring runs: separate
    processes sharing the real Secret Service (scripts/secret-service.sh)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    db = tmp_path / "c.db"
    cli = [sys.executable, "-m", "liangxian"]
    first = subprocess.run([*cli, *init_args(db)], env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["counter"]["public_key_b64"] is None
    assert "liangxian key create" in first.stderr
    env.update(secret_service)  # DBUS_SESSION_BUS_ADDRESS and the Secret Service backend
    made = subprocess.run(
        [*cli, "key", "create", "--db", str(db), *as_user(tmp_path, "boss")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    counter = json.loads(made.stdout)["counter"]
    again = subprocess.run(
        [*cli, "key", "create", "--db", str(db), *as_user(tmp_path, "boss")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(again.stdout)["counter"]["public_key_b64"] == counter["public_key_b64"]  # kept
    lookup = subprocess.run(
        ["secret-tool", "lookup", "service", "liangxian", "username", f"counter-signing-key:{counter['id']}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert lookup.returncode == 0 and len(lookup.stdout.strip()) == 44  # in gnome-keyring, not a file


@pytest.mark.parametrize("query", ["--help"])
def test_help_lists_the_store_commands(capsys, query) -> None:
    with pytest.raises(SystemExit):
        main([query])
    out = capsys.readouterr().out
    for name in ("init", "register", "audit", "backup", "restore", "doctor", "seed", "search", "key"):
        assert name in out


def test_seed_twice_with_the_same_seed_reuses_its_employers(store, tmp_path, capsys) -> None:
    """The second run's employers are already on file: they are used, not a crash (IndexError from an
    empty employer list, as a traceback)."""
    db = str(store.path)
    store.close()
    for _ in range(2):
        code, out, err = run(
            capsys, "seed", "--db", db, *as_user(tmp_path, "boss"), "--persons", "20", "--applications", "0"
        )
        assert code == 0, err
        assert out["employers"] >= 3


def test_seed_makes_only_the_counters_own_countys_records(store, tmp_path, capsys) -> None:
    """A 540102 counter seeds persons and employers of 540102 only (born anywhere in the region),
    so a sync refuses none of them as out of county."""
    import sqlite3

    db = str(store.path)
    store.close()
    code, _out, err = run(
        capsys, "seed", "--db", db, *as_user(tmp_path, "boss"), "--persons", "60", "--applications", "3"
    )
    assert code == 0, err
    conn = sqlite3.connect(db)
    try:
        persons = dict(conn.execute("SELECT county_code, count(*) FROM persons GROUP BY county_code"))
        employers = dict(conn.execute("SELECT county_code, count(*) FROM employers GROUP BY county_code"))
        usccs = {row[0][2:8] for row in conn.execute("SELECT uscc FROM employers")}
        born = {row[0][:6] for row in conn.execute("SELECT id_number FROM persons")}
    finally:
        conn.close()
    assert set(persons) == {"540102"} and persons["540102"] == 60
    assert set(employers) == {"540102"} and usccs == {"540102"}
    assert len(born) > 1  # ID numbers still say where each was born

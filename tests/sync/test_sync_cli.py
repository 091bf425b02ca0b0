"""The counter's sync commands, exact contract: `enroll --db --server --code` (secrets in the keyring),
`sync --db [--json]` printing {pushed, pulled, rejected, conflicts, duplicates_merged, cursor} with exit
0 in step, 1 when changes were refused or conflicts wait, 3 with no link; `conflicts --db --json` and
`conflicts resolve ID --as USER --take local|remote`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import localdb
from central.service import CentralServer
from liangxian.cli import main
from tests.support.credentials import PASSWORDS, as_user
from tests.support.live_server import LiveServer, free_port
from tests.support.store_data import TODAY, employer_data, id_number, person_data

pytestmark = pytest.mark.heavy
KEYS = ("pushed", "pulled", "rejected", "conflicts", "duplicates_merged", "cursor")


def run(capsys, *argv: str) -> tuple[int, object]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


@pytest.fixture
def live(tmp_path: Path, secret_service: dict[str, str]) -> Iterator[tuple[CentralServer, LiveServer]]:
    central = CentralServer(str(tmp_path / "central.db"))
    central.init("lhasa")
    central.add_county("540102")
    for user, role in (("boss", "admin"), ("clerk1", "clerk"), ("rev1", "reviewer")):
        central.add_user("540102", user, role, "pw-" + user)
    srv = LiveServer(central.url, log_path=tmp_path / "serve.log", keyring_env=secret_service).start()
    yield central, srv
    srv.stop()
    central.close()


def new_counter(tmp_path: Path, name: str, number: int) -> Path:
    path = tmp_path / f"{name}.db"
    store = localdb.init_store(
        path,
        region="lhasa",
        county_code="540102",
        counter_no=number,
        admin_username="boss",
        admin_password=PASSWORDS["boss"],
    )
    from liangxian.keys import provision_counter_key

    provision_counter_key(store, "boss")
    store.service("boss").add_user("clerk1", "clerk", PASSWORDS["clerk1"])
    store.service("boss").add_user("rev1", "reviewer", PASSWORDS["rev1"])
    store.close()
    return path


def test_enroll_sync_and_conflicts_from_the_command_line(tmp_path, capsys, memory_keyring, live) -> None:
    central, srv = live
    a, b = new_counter(tmp_path, "a", 1), new_counter(tmp_path, "b", 2)
    code_a = central.add_counter("540102", 1)["enrollment_code"]
    code, out = run(
        capsys,
        "enroll",
        "--db",
        str(a),
        *as_user(tmp_path, "boss"),
        "--server",
        srv.url,
        "--code",
        code_a,
        "--server-key",
        srv.fingerprint,
    )
    assert code == 0 and out["county_code"] == "540102" and out["counter_no"] == 1
    assert any(k[1].startswith("sync-token:") for k in memory_keyring.items)  # the token is in the keyring
    assert "sync-token" not in a.read_bytes().decode("latin-1")
    # the code is usable once
    code, out = run(
        capsys,
        "enroll",
        "--db",
        str(a),
        *as_user(tmp_path, "boss"),
        "--server",
        srv.url,
        "--code",
        code_a,
        "--server-key",
        srv.fingerprint,
    )
    assert code == 2 and out["errors"][0]["code"].startswith("enroll.")
    # a code for counter 1 does not enroll counter 2
    code, out = run(
        capsys,
        "enroll",
        "--db",
        str(b),
        *as_user(tmp_path, "boss"),
        "--server",
        srv.url,
        "--server-key",
        srv.fingerprint,
        "--code",
        central.add_counter("540102", 1)["enrollment_code"],
    )
    assert code == 2 and out["errors"][0]["message_bo"]
    code, out = run(
        capsys,
        "enroll",
        "--db",
        str(b),
        *as_user(tmp_path, "boss"),
        "--server",
        srv.url,
        "--server-key",
        srv.fingerprint,
        "--code",
        central.add_counter("540102", 2)["enrollment_code"],
    )
    assert code == 0

    with localdb.open_store(a) as store:
        store.service("boss", today=TODAY).register_employer(employer_data())
        p = store.service("clerk1", today=TODAY).register_person(person_data(id_number=id_number(seq=8)))
    code, out = run(capsys, "sync", "--db", str(a), "--json")
    assert code == 0 and set(out) == set(KEYS) and out["pushed"] == 2 and out["rejected"] == 0
    code, out = run(capsys, "sync", "--db", str(b), "--json")
    assert code == 0 and out["pulled"] >= 2

    # the same phone corrected at both counters: a conflict waits (exit 1) and is listed
    with localdb.open_store(a) as store:
        store.service("clerk1", today=TODAY).update_person(p["id"], 1, {"phone": "13900000001"})
    with localdb.open_store(b) as store:
        store.service("clerk1", today=TODAY).update_person(p["id"], 1, {"phone": "13900000002"})
    assert run(capsys, "sync", "--db", str(a), "--json")[0] == 0
    code, out = run(capsys, "sync", "--db", str(b), "--json")
    assert code == 1 and out["conflicts"] == 1
    # staff accounts came from the server with the sync: they log in with the server's passwords now
    code, items = run(capsys, "conflicts", "--db", str(b), "--json")
    assert code == 0 and [(i["field"], i["local_value"], i["server_value"]) for i in items] == [
        ("phone", "13900000002", "13900000001")
    ]
    code, out = run(
        capsys,
        "conflicts",
        "resolve",
        items[0]["id"],
        "--db",
        str(b),
        *as_user(tmp_path, "clerk1", "pw-clerk1"),
        "--take",
        "local",
    )
    assert code == 2 and out["errors"][0]["code"] == "auth.forbidden"
    code, out = run(
        capsys,
        "conflicts",
        "resolve",
        items[0]["id"],
        "--db",
        str(b),
        *as_user(tmp_path, "rev1", "pw-rev1"),
        "--take",
        "local",
    )
    assert code == 0
    assert run(capsys, "sync", "--db", str(b), "--json")[0] == 0
    assert run(capsys, "sync", "--db", str(a), "--json")[0] == 0
    with localdb.open_store(a) as store:
        assert store.get_person(p["id"])["phone"] == "13900000002"

    # no link: exit 3 with a coded bilingual error, nothing lost
    srv.stop()
    with localdb.open_store(a) as store:
        store.service("clerk1", today=TODAY).update_person(
            p["id"], store.get_person(p["id"])["version"], {"phone": "13700000000"}
        )
    code, out = run(capsys, "sync", "--db", str(a), "--json", "--retries", "1")
    assert code == 3 and out["errors"][0]["code"] == "sync.no_link" and out["errors"][0]["message_bo"]
    with localdb.open_store(a) as store:
        assert store.pending_outbox_count() == 1


def test_sync_before_enrollment_is_a_coded_error(tmp_path, capsys, memory_keyring) -> None:
    a = new_counter(tmp_path, "a", 1)
    code, out = run(capsys, "sync", "--db", str(a), "--json")
    assert code == 2 and out["errors"][0]["code"] == "sync.not_enrolled"


def test_enroll_with_no_server_is_no_link(tmp_path, capsys, memory_keyring) -> None:
    a = new_counter(tmp_path, "a", 1)
    code, out = run(
        capsys,
        "enroll",
        "--db",
        str(a),
        *as_user(tmp_path, "boss"),
        "--server",
        f"http://127.0.0.1:{free_port()}",
        "--code",
        "x",
        "--server-key",
        "K7Q2-M9XD-4HTP-R8WN-3FJC-6BNA",
    )
    assert code == 3 and out["errors"][0]["code"] == "sync.no_link"


def test_a_new_office_following_the_readme_gets_every_change_to_the_server(
    tmp_path, capsys, real_keyring, secret_service
) -> None:
    """`init --admin admin`, work offline (the admin adds a clerk, who registers), then the central
    admin's `counter add`, `enroll`, `sync`: the counter's users were offered at enrollment and became
    the county's staff, so nothing is refused, and a second counter of the county gets it all."""
    from tests.support.credentials import password_file

    central = CentralServer(str(tmp_path / "central.db"))
    central.init("lhasa")
    central.add_county("540102")  # no staff yet: a new office
    srv = LiveServer(central.url, log_path=tmp_path / "serve.log", keyring_env=secret_service).start()
    try:
        db = tmp_path / "office.db"
        pw = password_file(tmp_path, "admin-pw", "admin")
        code, _out = run(
            capsys,
            *("init", "--db", str(db), "--region", "lhasa", "--county", "540102", "--counter", "1"),
            *("--admin", "admin", "--password-file", pw),
        )
        assert code == 0
        with localdb.open_store(db) as store:
            store.service("admin").add_user("zhuoma", "clerk", "pw-zhuoma")
            store.service("admin", today=TODAY).register_employer(employer_data())
            zhuoma = store.service("zhuoma", today=TODAY)
            for k in range(3):
                zhuoma.register_person(person_data(id_number=id_number(seq=200 + 2 * k)))
        enrollment = central.add_counter("540102", 1)["enrollment_code"]
        code, out = run(
            capsys,
            *("enroll", "--db", str(db), "--as", "admin", "--password-file", pw),
            *("--server", srv.url, "--code", enrollment, "--server-key", srv.fingerprint),
        )
        assert code == 0, out
        code, out = run(capsys, "sync", "--db", str(db), "--json")
        assert code == 0 and out["rejected"] == 0 and out["pushed"] == 4, out
        assert set(out) == set(KEYS)
        from sqlalchemy import select
        from sqlalchemy.orm import Session

        from central import models as cm

        with Session(central.engine) as s:
            staff = dict(s.execute(select(cm.StaffUser.username, cm.StaffUser.role)).all())
        assert staff == {"admin": "admin", "zhuoma": "clerk"}  # not the machine account "sync"
        with localdb.open_store(db) as store:  # their own passwords still work here
            assert store.verify_login("zhuoma", "pw-zhuoma") == "clerk"
            assert store.verify_login("admin", "admin-pw") == "admin"
        # a second counter of the county pulls all of it, and logs zhuoma in with her password
        other = new_counter(tmp_path, "b", 2)
        code, out = run(
            capsys,
            *("enroll", "--db", str(other), *as_user(tmp_path, "boss")),
            *("--server", srv.url, "--code", central.add_counter("540102", 2)["enrollment_code"]),
            *("--server-key", srv.fingerprint),
        )
        assert code == 0
        code, out = run(capsys, "sync", "--db", str(other), "--json")
        assert code == 0 and out["pulled"] >= 7
        with localdb.open_store(other) as store:
            assert store.entity_counts()["person"] == 3
            assert store.verify_login("zhuoma", "pw-zhuoma") == "clerk"
    finally:
        srv.stop()
        central.close()


def test_an_enrollment_code_beginning_with_a_dash_is_given_as_code_equals(
    tmp_path, capsys, real_keyring, live
) -> None:
    """An older server issued codes beginning with "-" (1 in 64): ``--code CODE`` reads one as an
    option (a usage error), ``--code=CODE`` enrolls with it. New codes never begin with "-"."""
    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from central import models as m
    from central.service import sha256

    central, srv = live
    a = new_counter(tmp_path, "a", 1)
    issued = central.add_counter("540102", 1)
    assert not issued["enrollment_code"].startswith("-")
    old = "-" + issued["enrollment_code"][1:]
    with Session(central.engine) as s, s.begin():
        s.execute(
            update(m.EnrollmentCode)
            .where(m.EnrollmentCode.code_sha256 == sha256(issued["enrollment_code"]))
            .values(code_sha256=sha256(old))
        )
    login = as_user(tmp_path, "boss")
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "enroll",
                "--db",
                str(a),
                *login,
                "--server",
                srv.url,
                "--code",
                old,
                "--server-key",
                srv.fingerprint,
            ]
        )
    out = json.loads(capsys.readouterr().out)
    assert exc.value.code == 2 and out["errors"][0]["code"] == "cli.usage"
    code, out = run(
        capsys,
        *("enroll", "--db", str(a), *login, "--server", srv.url, f"--code={old}"),
        *("--server-key", srv.fingerprint),
    )
    assert code == 0 and out["county_code"] == "540102" and out["counter_no"] == 1
    with localdb.open_store(a) as store:
        counter_id = store.counter_info.id
    assert real_keyring.get_password("liangxian", f"sync-token:{counter_id}")  # the real Secret Service


def test_sync_retry_refused_sends_again_what_an_admin_fixed_on_the_server(
    tmp_path, capsys, memory_keyring, live
) -> None:
    """A user added at the counter after enrollment is not staff on the server: her work is refused
    (exit 1) and a plain sync does not send it again. `--retry-refused` before the fix is refused
    again; after `central user add` it lands (exit 0, the same JSON keys) and reaches counter b."""
    central, srv = live
    a, b = new_counter(tmp_path, "a", 1), new_counter(tmp_path, "b", 2)
    for path, number in ((a, 1), (b, 2)):
        code, out = run(
            capsys,
            *("enroll", "--db", str(path), *as_user(tmp_path, "boss"), "--server", srv.url),
            *("--code", central.add_counter("540102", number)["enrollment_code"]),
            *("--server-key", srv.fingerprint),
        )
        assert code == 0, out
    with localdb.open_store(a) as store:
        store.service("boss", today=TODAY).register_employer(employer_data())
        store.service("boss").add_user("dawa", "clerk", "pw-dawa")
        mine = store.service("dawa", today=TODAY).register_person(person_data(id_number=id_number(seq=260)))
    code, out = run(capsys, "sync", "--db", str(a), "--json")
    assert code == 1 and out["rejected"] == 1 and set(out) == set(KEYS), out
    code, out = run(capsys, "sync", "--db", str(a), "--json")
    assert code == 1 and (out["pushed"], out["rejected"]) == (0, 0), out  # not sent again by itself
    code, out = run(capsys, "sync", "--db", str(a), "--json", "--retry-refused")
    assert code == 1 and out["rejected"] == 1, out  # not fixed yet: refused again, still kept
    with localdb.open_store(a) as store:
        [refusal] = store.refused_changes()
        assert refusal["errors"][0]["code"] == "sync.unknown_actor"
    central.add_user("540102", "dawa", "clerk", "pw-dawa")
    code, out = run(capsys, "sync", "--db", str(a), "--json", "--retry-refused")
    assert code == 0 and (out["pushed"], out["rejected"]) == (1, 0) and set(out) == set(KEYS), out
    with localdb.open_store(a) as store:
        assert store.refused_changes() == []
    code, out = run(capsys, "sync", "--db", str(b), "--json")
    assert code == 0, out
    with localdb.open_store(b) as store:
        assert store.get_person(mine["id"])["id_number"] == mine["id_number"]

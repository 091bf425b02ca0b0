"""``liangxian central …`` (exact contract of issue 10) on a SQLite path and on a PostgreSQL URL, run
as the real command in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from central.service import CentralServer
from sync.protocol import normalise_fingerprint, server_key_fingerprint
from tests.support.central_data import SimCounter

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> tuple[int, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "liangxian", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else None


def test_the_organisation_commands(db_url: str, secret_service: dict[str, str]) -> None:
    rc, out = cli("central", "init", "--db", db_url, "--region", "lhasa")
    assert rc == 0 and out["region"] == "lhasa"
    assert cli("central", "init", "--db", db_url, "--region", "lhasa")[0] == 0  # again: nothing changes
    assert cli("central", "county", "add", "--db", db_url, "--code", "540102") == (
        0,
        {"county_code": "540102", "region": "lhasa"},
    )
    rc, out = cli(
        "central",
        "counter",
        "add",
        "--db",
        db_url,
        "--county",
        "540102",
        "--counter",
        "3",
        env=secret_service,
    )
    assert rc == 0
    assert set(out) >= {"enrollment_code", "expires_at", "counter_id", "county_code", "counter_no"}
    # the server key's fingerprint beside the code: the key made in the keyring on first use, then kept
    rc, key = cli("central", "key", "--db", db_url, env=secret_service)
    assert rc == 0 and out["server_key_fingerprint"] == key["server_key_fingerprint"]
    assert normalise_fingerprint(key["server_key_fingerprint"]) == key["server_key_fingerprint"]
    assert server_key_fingerprint(key["server_key_b64"]) == key["server_key_fingerprint"]
    rc, user = cli(
        "central",
        "user",
        "add",
        "--db",
        db_url,
        "--county",
        "540102",
        "--username",
        "rev1",
        "--role",
        "reviewer",
        "--password-stdin",
        stdin="s3cret\n",
    )
    assert rc == 0 and (user["username"], user["role"]) == ("rev1", "reviewer")

    server = CentralServer(db_url)
    try:
        counter = SimCounter("540102", 3)
        token = server.enroll(counter.enroll_request(out["enrollment_code"])).token
        assert server.session(token).counts().counts["user"] == 1
        rc, revoked = cli(
            "central", "counter", "revoke", "--db", db_url, "--county", "540102", "--counter", "3"
        )
        assert rc == 0 and revoked["revoked_credentials"] == 1
        from sync.protocol import SyncRefused

        with pytest.raises(SyncRefused):
            server.session(token)
    finally:
        server.close()


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("county", "add", "--code", "320703"), "central.county_not_in_region"),
        (("county", "add", "--code", "540102"), "central.exists"),
        (("counter", "add", "--county", "540199", "--counter", "1"), "central.county_unknown"),
        (("counter", "revoke", "--county", "540102", "--counter", "9"), "central.counter_unknown"),
        (
            ("user", "add", "--county", "540102", "--username", "x", "--role", "boss", "--password-stdin"),
            "choice.unknown",
        ),
    ],
)
def test_refusals_are_bilingual_coded_errors_with_exit_2(
    tmp_path: Path, args: tuple[str, ...], code: str
) -> None:
    db = str(tmp_path / "c.db")
    server = CentralServer(db)
    server.init("lhasa")
    server.add_county("540102")
    server.close()
    sub, *rest = args
    rc, out = cli("central", sub, *rest[:1], "--db", db, *rest[1:], stdin="pw\n")
    assert rc == 2
    assert [e["code"] for e in out["errors"]] == [code]
    assert out["errors"][0]["message_zh"] and out["errors"][0]["message_bo"]


def test_a_database_that_is_not_a_server_is_refused(tmp_path: Path) -> None:
    rc, out = cli("central", "county", "add", "--db", str(tmp_path / "none.db"), "--code", "540102")
    assert rc == 2 and out["errors"][0]["code"] == "central.not_initialised"
    assert not (tmp_path / "none.db").exists()
    rc, out = cli("central", "init", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/x", "--region", "lhasa")
    assert rc == 2 and out["errors"][0]["code"] == "central.db_failed"
    rc, out = cli("central", "init", "--db", str(tmp_path / "x.db"), "--region", "mars")
    assert rc == 2 and out["errors"][0]["code"] == "region.unknown"

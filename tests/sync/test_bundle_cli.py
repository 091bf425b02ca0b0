"""The bundle commands, exact contract: `export-bundle --db PATH --out FILE` prints {bundle_id, changes,
file, bytes}; `central import-bundle --db URL FILE --out REPLY` prints {counter_id, county_code,
counter_no, bundle_id, changes, applied, rejected, conflicts, duplicates, records, cursor, reply};
`import-bundle --db PATH REPLY` prints the sync summary, exit 0 in step; a refused bundle is the
common error envelope with exit 2. The counter enrolls over HTTP once, then never talks to the server
again."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import localdb
from tests.support.credentials import as_user
from tests.support.live_server import ROOT
from tests.support.store_data import TODAY, employer_data, id_number, person_data
from tests.sync.test_sync_cli import KEYS, live, new_counter, run  # noqa: F401  (fixture)


def test_export_import_and_reply_from_the_command_line(tmp_path, capsys, memory_keyring, live) -> None:  # noqa: F811
    central, srv = live
    a = new_counter(tmp_path, "a", 1)
    code, _ = run(
        capsys,
        "enroll",
        "--db",
        str(a),
        *as_user(tmp_path, "boss"),
        "--server",
        srv.url,
        "--server-key",
        srv.fingerprint,
        "--code",
        central.add_counter("540102", 1)["enrollment_code"],
    )
    assert code == 0
    srv.stop()  # no link from here on
    store = localdb.open_store(a)
    store.service("boss", today=TODAY).register_employer(employer_data())
    store.service("clerk1", today=TODAY).register_person(person_data(id_number=id_number(seq=90)))
    store.close()
    out_file = tmp_path / "stick" / "a.lxb"
    out_file.parent.mkdir()
    code, out = run(capsys, "export-bundle", "--db", str(a), "--out", str(out_file))
    assert code == 0 and set(out) == {"bundle_id", "changes", "file", "bytes"} and out["changes"] == 2
    assert stat.S_IMODE(os.stat(out_file).st_mode) == 0o600
    reply = tmp_path / "stick" / "a-reply.lxb"
    # at the server's machine: its key is in that machine's keyring
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "liangxian",
            "central",
            "import-bundle",
            "--db",
            central.url,
            str(out_file),
            "--out",
            str(reply),
        ],
        env=srv.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    code, summary = done.returncode, json.loads(done.stdout)
    assert code == 0 and summary["applied"] == 2 and summary["bundle_id"] == out["bundle_id"]
    assert set(summary) == {
        "counter_id",
        "county_code",
        "counter_no",
        "bundle_id",
        "changes",
        "applied",
        "rejected",
        "conflicts",
        "duplicates",
        "records",
        "cursor",
        "reply",
    }
    code, report = run(capsys, "import-bundle", "--db", str(a), str(reply))
    assert code == 0 and tuple(report) == KEYS and report["pushed"] == 2
    # the same reply again: refused, coded, bilingual, exit 2
    code, err = run(capsys, "import-bundle", "--db", str(a), str(reply))
    assert code == 2 and err["errors"][0]["code"] == "bundle.replayed" and err["errors"][0]["message_bo"]
    # a truncated bundle at the server: refused, exit 2
    (tmp_path / "cut.lxb").write_bytes(out_file.read_bytes()[:100])
    code, err = run(
        capsys,
        "central",
        "import-bundle",
        "--db",
        central.url,
        str(tmp_path / "cut.lxb"),
        "--out",
        str(tmp_path / "x"),
    )
    assert code == 2 and err["errors"][0]["code"] == "bundle.truncated"

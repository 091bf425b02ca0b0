"""Bundles on a USB stick (issue 11): two counters of one county and the server converge with no link at
all between the counters and the server — each counter exports a bundle, the server imports it and
writes a reply, the counter applies the reply — and every bundle that is not right is refused with a
coded bilingual error and changes nothing. Real counter databases, the real server (SQLite file), real
files; the command-line path is driven as a user would type it."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from central.bundles import import_bundle
from central.service import CentralServer
from sync import bundle as b
from sync.offline import counter_box_key, export_bundle, import_reply
from sync.protocol import PullRequest
from tests.support.store_data import employer_data, id_number, person_data
from tests.sync.conftest import Counter
from tests.sync.test_engine import busy_day, view

pytestmark = [
    pytest.mark.parametrize("server", ["sqlite"], indirect=True),
    pytest.mark.usefixtures("memory_keyring"),
]


_SERVER_KEY: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _the_server_key(server_key: Any) -> None:
    _SERVER_KEY["key"] = server_key


def server_import(server: CentralServer, path: Path, out: Path) -> dict[str, Any]:
    """``central import-bundle``: the reply signed by the server key the counters enrolled with."""
    return import_bundle(server, path, out, signing_key=_SERVER_KEY["key"])


def enrolled_offline(server: CentralServer, c: Counter) -> None:
    """What ``liangxian enroll`` leaves in the counter's sync state for bundles."""
    info = server.info()
    c.svc("boss").set_sync_state(
        {"server.id": info.server_id, "server.box_public_key": info.box_public_key_b64}
    )


def export(c: Counter, path: Path) -> dict[str, Any]:
    box = counter_box_key(c.store.counter_info.id)
    return export_bundle(c.store, path, username="boss", key=c.key, box_key=box)


def apply(c: Counter, path: Path) -> Any:
    box = counter_box_key(c.store.counter_info.id)
    return import_reply(c.store, path, username="boss", key=c.key, box_key=box)


def by_stick(server: CentralServer, c: Counter, root: Path, n: int) -> tuple[dict[str, Any], Any]:
    """One round: export, import at the server, apply the reply."""
    out, reply = root / f"{c.name}-{n}.lxb", root / f"{c.name}-{n}-reply.lxb"
    export(c, out)
    summary = server_import(server, out, reply)
    return summary, apply(c, reply)


def server_view(server: CentralServer, c: Counter) -> dict[str, Any]:
    """The county's persons and applications as the server holds them (the same shape as ``view``)."""
    s = server.session(c.token)
    records, cursor = [], 0
    while True:
        page = s.pull(PullRequest(cursor, 5000, ("person", "application")))
        records.extend(page.records)
        cursor = page.cursor
        if not page.more:
            break
    persons = sorted(
        (r.entity_id, r.data["id_number"], r.data["name_zh"], r.data["phone"], r.version)
        for r in records
        if r.entity == "person" and r.merged_into is None
    )
    apps = sorted(
        (r.entity_id, r.data["receipt_no"], r.data["person_id"], r.data["status"], r.version)
        for r in records
        if r.entity == "application"
    )
    return {"persons": persons, "applications": apps}


@pytest.fixture
def offline(server: CentralServer, counters: dict[str, Counter]) -> dict[str, Counter]:
    for c in counters.values():
        enrolled_offline(server, c)
    return counters


def test_a_round_trip_by_stick_between_two_counters_and_the_server_ends_equal(
    server: CentralServer, offline: dict[str, Counter], tmp_path: Path
) -> None:
    a, bb = offline["a"], offline["b"]
    a.svc("boss").register_employer(employer_data())
    by_stick(server, a, tmp_path, 0)
    by_stick(server, bb, tmp_path, 0)
    busy_day(a, 10)
    busy_day(a, 12)
    mine = busy_day(bb, 14)
    bb.svc("rev1").approve(mine["application"]["id"])
    summary, report = by_stick(server, a, tmp_path, 1)
    assert (summary["changes"], summary["applied"], summary["rejected"]) == (6, 6, 0)
    assert report.pushed == 6 and a.store.pending_outbox_count() == 0
    by_stick(server, bb, tmp_path, 1)
    by_stick(server, a, tmp_path, 2)
    assert view(a.store) == view(bb.store) == server_view(server, a)
    assert len(view(a.store)["persons"]) == 3 and len(view(a.store)["applications"]) == 3
    # a second round moves nothing
    for c in (a, bb):
        summary, again = by_stick(server, c, tmp_path, 3)
        assert (summary["changes"], summary["records"]) == (0, 0)
        assert (again.pushed, again.pulled, again.rejected) == (0, 0, 0) and again.in_step
    assert view(a.store) == view(bb.store) == server_view(server, a)


def test_importing_the_same_bundle_twice_changes_nothing(
    server: CentralServer, offline: dict[str, Counter], tmp_path: Path
) -> None:
    a = offline["a"]
    a.svc("boss").register_employer(employer_data())
    busy_day(a, 20)
    out = tmp_path / "a.lxb"
    export(a, out)
    first = server_import(server, out, tmp_path / "r1.lxb")
    before = server_view(server, a)
    second = server_import(server, out, tmp_path / "r2.lxb")
    assert server_view(server, a) == before
    assert (first["applied"], second["applied"], second["changes"]) == (4, 4, 4)  # the stored answers
    # either reply applies; the other is then refused as a replay
    report = apply(a, tmp_path / "r2.lxb")
    assert report.pushed == 4
    with pytest.raises(b.BundleError) as err:
        apply(a, tmp_path / "r1.lxb")
    assert err.value.code == "bundle.replayed"


def test_exported_changes_stay_unsent_until_the_reply_and_later_work_waits(
    server: CentralServer, offline: dict[str, Counter], tmp_path: Path
) -> None:
    a = offline["a"]
    a.svc("boss").register_employer(employer_data())
    pending = a.store.pending_outbox_count()
    export(a, tmp_path / "a.lxb")
    assert a.store.pending_outbox_count() == pending  # a lost stick loses nothing
    server_import(server, tmp_path / "a.lxb", tmp_path / "r.lxb")
    a.svc().register_person(person_data(id_number=id_number(seq=60)))  # made after the export
    report = apply(a, tmp_path / "r.lxb")
    assert report.pushed == 1 and a.store.pending_outbox_count() == 1


def test_bundle_files_are_created_owner_only(
    server: CentralServer, offline: dict[str, Counter], tmp_path: Path
) -> None:
    a = offline["a"]
    a.svc("boss").register_employer(employer_data())
    export(a, tmp_path / "a.lxb")
    server_import(server, tmp_path / "a.lxb", tmp_path / "r.lxb")
    for name in ("a.lxb", "r.lxb"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o600
    assert "卓玛" not in (tmp_path / "a.lxb").read_text(encoding="utf-8")


# --- refusals ----------------------------------------------------------------------------------------


def _refused(code: str, call: Any) -> b.BundleError:
    with pytest.raises(b.BundleError) as err:
        call()
    assert err.value.code == code
    [issue] = err.value.to_json()
    assert issue["message_zh"] and issue["message_bo"] and issue["message_en"] != issue["code"]
    return err.value


def _flip(raw: bytes, where: int) -> bytes:
    obj = json.loads(raw)
    ct = bytearray(b.unb64(obj["ciphertext"]))
    ct[where] ^= 0x01
    obj["ciphertext"] = b.b64(bytes(ct))
    return json.dumps(obj).encode()


def test_a_tampered_or_truncated_counter_bundle_is_refused_and_changes_nothing(
    server: CentralServer, offline: dict[str, Counter], tmp_path: Path
) -> None:
    a = offline["a"]
    a.svc("boss").register_employer(employer_data())
    out = tmp_path / "a.lxb"
    export(a, out)
    raw = out.read_bytes()
    before = server.session(a.token).counts().counts
    (tmp_path / "t.lxb").write_bytes(_flip(raw, 40))
    _refused("bundle.tampered", lambda: server_import(server, tmp_path / "t.lxb", tmp_path / "x.lxb"))
    obj = json.loads(raw)
    obj["from"] = offline["b"].store.counter_info.id  # the header edited: the AEAD refuses it
    (tmp_path / "h.lxb").write_bytes(json.dumps(obj).encode())
    _refused("bundle.tampered", lambda: server_import(server, tmp_path / "h.lxb", tmp_path / "x.lxb"))
    (tmp_path / "cut.lxb").write_bytes(raw[: len(raw) // 2])
    _refused("bundle.truncated", lambda: server_import(server, tmp_path / "cut.lxb", tmp_path / "x.lxb"))
    assert server.session(a.token).counts().counts == before
    assert not (tmp_path / "x.lxb").exists()


def test_a_bundle_for_another_server_or_signed_by_another_key_is_refused(
    server: CentralServer, offline: dict[str, Counter], tmp_path: Path
) -> None:
    a = offline["a"]
    a.svc("boss").register_employer(employer_data())
    other = CentralServer(str(tmp_path / "other.db"))
    other.init("lhasa")
    out = tmp_path / "a.lxb"
    export(a, out)
    _refused("bundle.wrong_server", lambda: server_import(other, out, tmp_path / "x.lxb"))
    other.close()
    # signed with a key that is not the enrolled one
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    box = counter_box_key(a.store.counter_info.id)
    export_bundle(
        a.store, tmp_path / "forged.lxb", username="boss", key=Ed25519PrivateKey.generate(), box_key=box
    )
    _refused(
        "bundle.bad_signature", lambda: server_import(server, tmp_path / "forged.lxb", tmp_path / "x.lxb")
    )
    assert not (tmp_path / "x.lxb").exists()


def test_a_reply_for_another_counter_tampered_or_replayed_is_refused_and_changes_nothing(
    server: CentralServer, offline: dict[str, Counter], tmp_path: Path
) -> None:
    a, bb = offline["a"], offline["b"]
    a.svc("boss").register_employer(employer_data())
    bb.svc("boss").register_employer(employer_data())
    export(a, tmp_path / "a.lxb")
    server_import(server, tmp_path / "a.lxb", tmp_path / "ra.lxb")
    raw = (tmp_path / "ra.lxb").read_bytes()
    pending = bb.store.pending_outbox_count()
    _refused("bundle.wrong_counter", lambda: apply(bb, tmp_path / "ra.lxb"))
    assert bb.store.pending_outbox_count() == pending and bb.store.sync_runs() == []
    (tmp_path / "t.lxb").write_bytes(_flip(raw, 3))
    _refused("bundle.tampered", lambda: apply(a, tmp_path / "t.lxb"))
    (tmp_path / "cut.lxb").write_bytes(raw[:-40])
    _refused("bundle.truncated", lambda: apply(a, tmp_path / "cut.lxb"))
    pending = a.store.pending_outbox_count()
    _refused("bundle.wrong_kind", lambda: apply(a, tmp_path / "a.lxb"))
    assert a.store.pending_outbox_count() == pending and a.store.sync_runs() == []
    apply(a, tmp_path / "ra.lxb")
    assert a.store.pending_outbox_count() == 0
    runs = len(a.store.sync_runs())
    _refused("bundle.replayed", lambda: apply(a, tmp_path / "ra.lxb"))
    assert len(a.store.sync_runs()) == runs


def test_a_reply_forged_without_the_servers_private_key_is_refused(
    server: CentralServer, offline: dict[str, Counter], tmp_path: Path
) -> None:
    """Anyone may know the counter's box public key (it travels in every bundle); a reply sealed with
    it but without the server's static key does not open."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    a = offline["a"]
    a.svc("boss").register_employer(employer_data())
    export(a, tmp_path / "a.lxb")
    server_import(server, tmp_path / "a.lxb", tmp_path / "ra.lxb")
    box = counter_box_key(a.store.counter_info.id)
    forged = b.seal(
        {"counter_id": a.store.counter_info.id},
        kind=b.REPLY,
        sender=server.info().server_id,
        recipient=a.store.counter_info.id,
        recipient_key=box.public_key(),
        static_key=X25519PrivateKey.generate(),
    )
    (tmp_path / "f.lxb").write_bytes(forged)
    _refused("bundle.tampered", lambda: apply(a, tmp_path / "f.lxb"))


def test_an_application_refused_by_the_server_comes_back_in_the_reply_with_its_reason(
    server: CentralServer, offline: dict[str, Counter], tmp_path: Path
) -> None:
    a = offline["a"]
    a.svc("boss").register_employer(employer_data())
    a.svc("boss").add_user("dawa", "reviewer", None)  # a clerk on the server
    work = busy_day(a, 80)
    a.store.service("dawa").approve(work["application"]["id"])
    summary, report = by_stick(server, a, tmp_path, 1)
    assert summary["rejected"] == 1 and report.rejected == 1
    [refusal] = [r for r in a.store.refused_changes() if r["entity"] == "application"]
    assert refusal["errors"][0]["message_bo"]

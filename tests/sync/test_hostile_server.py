"""A counter against a central server that lies (issue 24, findings 1 and 2): a real HTTP server of our
own on loopback (tests/support/hostile_server.py) answering from the real server behind it and
tampering with what it sends. The counter trusts only answers signed by the server key it learned at
enrollment (the fingerprint its admin typed), and nothing an answer says is taken beyond the counter's
bounds. Each refusal is coded, nothing of the refused answer is written and the cursor stays."""

from __future__ import annotations

import json
import resource
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import localdb
from central.service import CentralServer
from forms.errors import CodedError
from liangxian.cli import main
from liangxian.keys import store_secret
from liangxian.syncjobs import SERVER_URL, SYNC_ACCOUNT, TOKEN
from sync import bundle as b
from sync.engine import CURSOR, LOCAL_ONLY, SERVER_KEY, SyncEngine, SyncReport
from sync.http import HttpSync, enroll, is_loopback
from sync.offline import counter_box_key, export_bundle, import_reply
from sync.protocol import (
    MAX_REPLY_BYTES,
    SIGNATURE_HEADER,
    EnrollRequest,
    PullRequest,
    SyncUnavailable,
    public_key_of,
    server_key_fingerprint,
    sign_answer,
)
from tests.support.credentials import as_user
from tests.support.hostile_server import HostileServer, gzip_bomb, signed_raw
from tests.support.store_data import employer_data, id_number, person_data
from tests.sync.conftest import Counter
from tests.sync.test_engine import view
from tests.sync.test_sync_cli import new_counter

pytestmark = [
    pytest.mark.parametrize("server", ["sqlite"], indirect=True),
    pytest.mark.usefixtures("memory_keyring"),
]
ROUTES = ("/v1/hello", "/v1/push", "/v1/pull", "/v1/counts")


def over(h: HostileServer, c: Counter, **kw: Any) -> SyncReport:
    """One sync of counter ``c`` with the server at ``h``'s address, trusting the key it enrolled with."""
    key = c.store.sync_state()[SERVER_KEY]
    with HttpSync(h.url, c.token, server_key=key, timeout=10, retries=1, backoff=0.01) as t:
        return SyncEngine(c.store, t, username="boss", key=c.key, **kw).run()


def state(c: Counter) -> dict[str, Any]:
    """Everything a forged answer could change at the counter."""
    with c.store._read() as s:
        receipts = s.connection().exec_driver_sql("SELECT day, last FROM receipt_sequences").all()
    return {
        **view(c.store),
        "users": sorted((u["username"], u["role"], u["active"]) for u in c.store.users()),
        "cursor": c.store.sync_state().get(CURSOR, "0"),
        "receipts": sorted(receipts),
        # changes waiting for the server (the counter's own set-up never goes: it is marked at once)
        "outbox": sorted(i["id"] for i in c.store.pending_changes(10_000) if i["entity"] not in LOCAL_ONLY),
    }


def busy_county(b_counter: Counter, persons: int = 3) -> None:
    """Another counter of the county registers an employer and persons and syncs (in process)."""
    boss = b_counter.svc("boss")
    boss.register_employer(employer_data())
    for k in range(persons):
        b_counter.svc().register_person(person_data(id_number=id_number(seq=300 + 2 * k)))
    assert b_counter.sync().in_step


def refused(code: str, call: Any) -> CodedError:
    with pytest.raises(CodedError) as caught:
        call()
    assert [i.code for i in caught.value.issues] == [code], caught.value.issues
    issue = caught.value.issues[0]
    assert issue.message("zh") and issue.message("bo") and issue.message("en")
    return caught.value


def forged_admin(route: str, msg: dict[str, Any]) -> dict[str, Any]:
    """What the fake server on the LAN did: a new admin with a known password on every pull page."""
    if route == "/v1/pull":
        seq = msg["cursor"] + 1
        msg["records"].append(
            {
                "server_seq": seq,
                "entity": "user",
                "entity_id": "u-forged",
                "version": 1,
                "data": {
                    "id": "u-forged",
                    "username": "intruder",
                    "role": "admin",
                    "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
                    "active": True,
                    "version": 1,
                },
            }
        )
        msg["cursor"] = msg["last_seq"] = max(msg["last_seq"], seq)
    return msg


# --- finding 1: the server is authenticated ----------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("spoil", ["unsigned", "other_key"])
def test_an_answer_not_signed_by_the_server_key_is_refused_and_nothing_is_written(
    server: CentralServer, counters: dict[str, Counter], server_key: Ed25519PrivateKey, route: str, spoil: str
) -> None:
    a, bb = counters["a"], counters["b"]
    busy_county(bb)
    a.svc("boss").register_employer(employer_data())  # work waiting to go
    before = state(a)
    # the forged page (a new admin with a known password) is the spoiled answer itself
    tamper = forged_admin if route == "/v1/pull" else (lambda _r, msg: msg)
    with HostileServer(server, server_key, tamper=tamper, bad={route: spoil}) as h:
        refused("sync.bad_server_signature", lambda: over(h, a))
    after = state(a)
    if route in ("/v1/hello", "/v1/push", "/v1/pull"):
        # refused before anything was acknowledged (hello, push) or pulled (pull; the push went through)
        assert {k: v for k, v in after.items() if k != "outbox"} == {
            k: v for k, v in before.items() if k != "outbox"
        }
        assert after["outbox"] == (before["outbox"] if route != "/v1/pull" else [])
    else:  # the sanity check's counts: the genuine pages before it are in, nothing of the answer
        assert after["persons"] == view(bb.store)["persons"]
    assert "intruder" not in [u[0] for u in after["users"]]


def test_a_replayed_genuine_answer_is_refused(
    server: CentralServer, counters: dict[str, Counter], server_key: Ed25519PrivateKey
) -> None:
    """A man in the middle keeps a genuine, signed pull page and sends it again for a later request:
    its signature covers the counter's fresh nonce, so it verifies for no other request."""
    a, bb = counters["a"], counters["b"]
    busy_county(bb, 1)
    with HostileServer(server, server_key, bad={"/v1/pull": "replayed"}) as h:
        first = over(h, a)
        assert first.pulled > 0
        bb.svc().register_person(person_data(id_number=id_number(seq=700)))
        assert bb.sync().in_step
        before = state(a)
        refused("sync.bad_server_signature", lambda: over(h, a))
    assert state(a) == before


def test_a_page_signed_for_another_counter_is_refused(
    server: CentralServer, counters: dict[str, Counter], server_key: Ed25519PrivateKey
) -> None:
    """Counter c's genuine page (another county's staff), sent to counter a: the signature covers
    the bearer token's hash, so it does not verify for a."""
    a, c = counters["a"], counters["c"]
    stolen: dict[str, Any] = {}

    def capture(route: str) -> tuple[bytes, dict[str, str]] | None:
        return stolen.get(route)

    with HostileServer(server, server_key, raw=capture) as h:
        with HttpSync(h.url, c.token, server_key=public_key_of(server_key), retries=1) as t:
            t._t.call("POST", "/v1/pull", {"cursor": 0, "limit": 1000, "entities": None}, what="pull")
        body = h.requests[-1].body
        page = h.answer("POST", "/v1/pull", c.token, body)
        data = json.dumps(page).encode()
        # genuinely signed by the server key, for c's request (c's token, c's nonce)
        sig = sign_answer(
            server_key,
            method="POST",
            path="/v1/pull",
            token=c.token,
            nonce="n",
            request_body=body,
            answer_body=data,
        )
        stolen["/v1/pull"] = (data, {SIGNATURE_HEADER: sig})
        before = state(a)
        refused("sync.bad_server_signature", lambda: over(h, a))
    assert state(a) == before


def test_enroll_sends_the_code_only_to_the_server_key_typed(
    server: CentralServer, server_key: Ed25519PrivateKey, tmp_path: Path, capsys: Any
) -> None:
    db = new_counter(tmp_path, "n", 5)
    code = server.add_counter("540102", 5)["enrollment_code"]
    real = server_key_fingerprint(public_key_of(server_key))

    def enroll_cli(url: str, fingerprint: str, *extra: str) -> tuple[int, Any]:
        rc = main(
            [
                "enroll",
                "--db",
                str(db),
                *as_user(tmp_path, "boss"),
                "--server",
                url,
                "--code",
                code,
                "--server-key",
                fingerprint,
                *extra,
            ]
        )
        out = capsys.readouterr().out
        return rc, json.loads(out) if out.strip() else None

    # a fake server with a key of its own: the fingerprint does not match, the code is never sent
    with HostileServer(server, Ed25519PrivateKey.generate()) as fake:
        rc, out = enroll_cli(fake.url, real)
        assert rc == 2 and out["errors"][0]["code"] == "enroll.server_key_mismatch"
        assert out["errors"][0]["message_bo"]
        assert [r.path for r in fake.requests] == ["/v1/key"]
    # a fake server offering the real public key but unable to sign with it
    with HostileServer(server, Ed25519PrivateKey.generate(), offered_key=public_key_of(server_key)) as fake:
        rc, out = enroll_cli(fake.url, real)
        assert rc == 2 and out["errors"][0]["code"] == "sync.bad_server_signature"
        assert [r.path for r in fake.requests] == ["/v1/key"]
    # a typo in the fingerprint is a coded refusal before anything is sent
    rc, out = enroll_cli("http://127.0.0.1:9", "not-a-fingerprint")
    assert rc == 2 and out["errors"][0]["code"] == "enroll.server_key_format"
    with localdb.open_store(db) as store:
        assert not store.sync_state().get(SERVER_URL)
    # the real server (its answers signed by its key): enrolled, the key kept; typed in lower case
    with HostileServer(server, server_key) as honest:
        rc, out = enroll_cli(honest.url, real.lower().replace("-", " "))
        assert rc == 0 and out["server_key_fingerprint"] == real
        assert [r.path for r in honest.requests] == ["/v1/key", "/v1/enroll"]
    with localdb.open_store(db) as store:
        assert store.sync_state()[SERVER_KEY] == public_key_of(server_key)


def test_enroll_refuses_plain_http_to_another_machine(
    server: CentralServer, server_key: Ed25519PrivateKey, tmp_path: Path, capsys: Any
) -> None:
    db = new_counter(tmp_path, "n", 6)
    rc = main(
        [
            "enroll",
            "--db",
            str(db),
            *as_user(tmp_path, "boss"),
            "--server",
            "http://192.0.2.1:8750",
            "--code",
            "x",
            "--server-key",
            server_key_fingerprint(public_key_of(server_key)),
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert rc == 2 and out["errors"][0]["code"] == "enroll.insecure_http"
    assert [
        is_loopback(u)
        for u in ("http://127.0.0.1:1", "http://localhost", "http://[::1]:8", "http://10.0.0.1")
    ] == [
        True,
        True,
        True,
        False,
    ]
    # --insecure-http lets it try (the answers must still be signed): here nobody answers
    req = EnrollRequest("x", "n", "540102", 6, public_key_of(Ed25519PrivateKey.generate()))
    with pytest.raises(SyncUnavailable):
        enroll(
            "http://192.0.2.1:8750",
            req,
            server_key_fingerprint=server_key_fingerprint(public_key_of(server_key)),
            insecure_http=True,
            timeout=0.5,
            retries=1,
        )


def test_a_reply_bundle_not_signed_by_the_server_key_is_refused(
    server: CentralServer, counters: dict[str, Counter], server_key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    """Someone with the server's box key (a stolen database backup) but not its signing key seals a
    reply: it opens, but does not verify, and nothing of it is written."""
    from central.bundles import import_bundle

    a = counters["a"]
    a.svc("boss").register_employer(employer_data())
    box = counter_box_key(a.store.counter_info.id)
    export_bundle(a.store, tmp_path / "a.lxb", username="boss", key=a.key, box_key=box)
    forger = Ed25519PrivateKey.generate()
    import_bundle(server, tmp_path / "a.lxb", tmp_path / "forged.lxb", signing_key=forger)
    before = state(a)
    refused(
        "sync.bad_server_signature",
        lambda: import_reply(a.store, tmp_path / "forged.lxb", username="boss", key=a.key, box_key=box),
    )
    assert state(a) == before
    # the genuine reply applies
    import_bundle(server, tmp_path / "a.lxb", tmp_path / "reply.lxb", signing_key=server_key)
    assert import_reply(a.store, tmp_path / "reply.lxb", username="boss", key=a.key, box_key=box).pushed == 1


# --- finding 2: bounded ------------------------------------------------------------------------------


def test_a_cursor_beyond_the_servers_last_sequence_or_going_back_is_refused(
    server: CentralServer, counters: dict[str, Counter], server_key: Ed25519PrivateKey
) -> None:
    """A signed page claiming cursor 2**62 (later corrections would never be pulled) or going back."""
    a, bb = counters["a"], counters["b"]
    busy_county(bb, 1)

    def far(route: str, msg: dict[str, Any]) -> dict[str, Any]:
        if route == "/v1/pull":
            msg["cursor"] = 2**62
        return msg

    def ahead(route: str, msg: dict[str, Any]) -> dict[str, Any]:  # the announced mark moved along too
        if route == "/v1/pull":
            msg["cursor"] = msg["last_seq"] = msg["last_seq"] + 1000
        return msg

    for lie in (far, ahead):
        before = state(a)
        with HostileServer(server, server_key, tamper=lie) as h:
            refused("sync.out_of_bounds", lambda h=h: over(h, a))
        assert state(a) == before
    with HostileServer(server, server_key) as h:
        assert over(h, a).pulled > 0
    cursor = int(state(a)["cursor"])

    def back(route: str, msg: dict[str, Any]) -> dict[str, Any]:
        if route == "/v1/pull":
            msg["cursor"] = 1
        return msg

    with HostileServer(server, server_key, tamper=back) as h:
        refused("sync.out_of_bounds", lambda: over(h, a))
    assert int(state(a)["cursor"]) == cursor


def test_more_forever_is_bounded(
    server: CentralServer, counters: dict[str, Counter], server_key: Ed25519PrivateKey
) -> None:
    """``more: true`` on an empty page is refused at once; ``more: true`` with records stops after
    ``max_pages`` pages (``report.more``) and the next sync resumes at the stored cursor."""
    a, bb = counters["a"], counters["b"]
    busy_county(bb, 4)

    def looping(route: str, msg: dict[str, Any]) -> dict[str, Any]:
        if route == "/v1/pull":
            msg["more"] = True
        return msg

    with HostileServer(server, server_key) as h:
        first = over(h, a, page=2, max_pages=3)
        assert first.more and not first.in_step and first.pulled == 6
        assert sum(1 for r in h.requests if r.path == "/v1/pull") == 3
        assert int(state(a)["cursor"]) > 0
        rest = over(h, a, page=2, max_pages=100)
    assert not rest.more and rest.in_step
    assert view(a.store) == view(bb.store)
    # in step: the looping server's next page is empty, with more "waiting": refused at once
    before = state(a)
    with HostileServer(server, server_key, tamper=looping) as h:
        refused("sync.out_of_bounds", lambda: over(h, a))
        assert sum(1 for r in h.requests if r.path == "/v1/pull") == 1  # it was 2,010 pulls in 60 s
    assert state(a) == before


def test_sync_says_more_to_do_with_exit_3_and_resumes(
    server: CentralServer,
    counters: dict[str, Counter],
    server_key: Ed25519PrivateKey,
    capsys: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, bb = counters["a"], counters["b"]
    busy_county(bb, 4)
    a.svc("boss").add_user(SYNC_ACCOUNT, "clerk", None)
    store_secret(TOKEN, a.store.counter_info.id, a.token)

    def small_pages(route: str, msg: dict[str, Any]) -> dict[str, Any]:  # a server may send fewer
        if route == "/v1/pull" and len(msg["records"]) > 2:
            msg["records"] = msg["records"][:2]
            msg["cursor"], msg["more"] = msg["records"][-1]["server_seq"], True
        return msg

    monkeypatch.setattr("sync.engine.MAX_PAGES", 2)
    with HostileServer(server, server_key, tamper=small_pages) as h:
        a.svc("boss").set_sync_state({SERVER_URL: h.url})
        codes = []
        for _ in range(10):
            codes.append(main(["sync", "--db", str(a.store.path), "--json"]))
            out = json.loads(capsys.readouterr().out)
            assert tuple(out) == ("pushed", "pulled", "rejected", "conflicts", "duplicates_merged", "cursor")
            if codes[-1] != 3:
                break
    assert codes[0] == 3 and codes[-1] == 0 and len(codes) > 2
    assert view(a.store) == view(bb.store)


def test_a_page_with_more_records_than_asked_is_refused(
    server: CentralServer, counters: dict[str, Counter], server_key: Ed25519PrivateKey
) -> None:
    a, bb = counters["a"], counters["b"]
    busy_county(bb, 3)
    holder: dict[str, HostileServer] = {}

    def ignores_limit(route: str, msg: dict[str, Any]) -> dict[str, Any]:
        if route != "/v1/pull":
            return msg
        asked = PullRequest.from_json(json.loads(holder["h"].requests[-1].body))
        return server.session(a.token).pull(PullRequest(asked.cursor, 1000, asked.entities)).to_json()

    before = state(a)
    with HostileServer(server, server_key, tamper=ignores_limit) as h:
        holder["h"] = h
        refused("sync.out_of_bounds", lambda: over(h, a, page=2))
    assert state(a) == before


def test_a_gzip_bomb_stops_at_the_limit(
    server: CentralServer, counters: dict[str, Counter], server_key: Ed25519PrivateKey
) -> None:
    """A pull answer of half a megabyte that inflates to 512 MiB: the counter stops reading at
    MAX_REPLY_BYTES (it took 886 MB before), refuses it, and writes nothing."""
    a = counters["a"]
    bomb = gzip_bomb(512 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024

    def pull_bomb(route: str) -> tuple[bytes, dict[str, str]] | None:
        return (bomb, {"Content-Encoding": "gzip"}) if route == "/v1/pull" else None

    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
    before = state(a)
    with HostileServer(server, server_key, raw=pull_bomb) as h:
        refused("sync.reply_too_large", lambda: over(h, a))
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert grown_mib < 3 * MAX_REPLY_BYTES / 2**20
    assert state(a) == before


def test_an_answer_declared_too_large_is_refused_before_it_is_read(
    server: CentralServer, counters: dict[str, Counter], server_key: Ed25519PrivateKey
) -> None:
    a = counters["a"]
    big = b"[" + b" " * (MAX_REPLY_BYTES + 10) + b"]"

    def huge(route: str) -> tuple[bytes, dict[str, str]] | None:
        return (big, {}) if route == "/v1/hello" else None

    with HostileServer(server, server_key, raw=huge) as h:
        refused("sync.reply_too_large", lambda: over(h, a))


def test_a_receipt_high_water_mark_beyond_the_receipt_format_is_refused(
    server: CentralServer, counters: dict[str, Counter], server_key: Ed25519PrivateKey
) -> None:
    """2**62 would make receipt numbers like …-4611686018427387905: refused, no sequence raised."""
    a = counters["a"]
    for marks in ({"20261120": 2**62}, {"20261120": 10_000}, {"2026112": 5}, {"20261340": 5}):

        def high(route: str, msg: dict[str, Any], marks: dict[str, int] = marks) -> dict[str, Any]:
            if route == "/v1/hello":
                msg["receipt_high_water"] = marks
            return msg

        before = state(a)
        with HostileServer(server, server_key, tamper=high) as h:
            refused("sync.malformed", lambda h=h: over(h, a))
        assert state(a) == before

    # within the format it is taken
    def nine(route: str, msg: dict[str, Any]) -> dict[str, Any]:
        return {**msg, "receipt_high_water": {"20261120": 9}} if route == "/v1/hello" else msg

    with HostileServer(server, server_key, tamper=nine) as h:
        over(h, a)
    assert ("20261120", 9) in state(a)["receipts"]


def test_a_5000_digit_cursor_is_a_coded_refusal_not_an_internal_error(
    server: CentralServer, counters: dict[str, Counter], server_key: Ed25519PrivateKey, capsys: Any
) -> None:
    """Even signed by the server key, a page whose cursor has 5,000 digits is refused with a code
    (it was an exit 70 with a traceback)."""
    a = counters["a"]
    a.svc("boss").add_user(SYNC_ACCOUNT, "clerk", None)
    store_secret(TOKEN, a.store.counter_info.id, a.token)
    page = b'{"records":[],"cursor":' + b"9" * 5000 + b',"more":false,"last_seq":1}'
    holder: dict[str, HostileServer] = {}

    def digits(route: str) -> tuple[bytes, dict[str, str]] | None:
        return signed_raw(holder["h"], server_key, page) if route == "/v1/pull" else None

    with HostileServer(server, server_key, raw=digits) as h:
        holder["h"] = h
        a.svc("boss").set_sync_state({SERVER_URL: h.url})
        rc = main(["sync", "--db", str(a.store.path), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 2 and out["errors"][0]["code"] == "sync.malformed" and out["errors"][0]["message_bo"]
    assert state(a)["cursor"] == "0"


def test_a_bundle_gzip_bomb_stops_at_the_limit(
    server: CentralServer, counters: dict[str, Counter], server_key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    """A reply whose plaintext is a 300 KB gzip stream inflating to 300 MB: refused at the limit."""
    a = counters["a"]
    box = counter_box_key(a.store.counter_info.id)
    info = server.info()
    bomb = gzip_bomb(300 * 1024 * 1024)
    sealed = _seal_plaintext(
        bomb,
        sender=info.server_id,
        recipient=a.store.counter_info.id,
        recipient_key=box.public_key(),
        static_key=b.x25519_private(info.box_private_key_b64),
    )
    (tmp_path / "bomb.lxb").write_bytes(sealed)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(b.BundleError) as caught:
        import_reply(a.store, tmp_path / "bomb.lxb", username="boss", key=a.key, box_key=box)
    assert caught.value.code == "bundle.inflated_too_large"
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert grown_mib < 100


def _seal_plaintext(
    plain: bytes, *, sender: str, recipient: str, recipient_key: Any, static_key: Any
) -> bytes:
    """``bundle.seal`` with a plaintext of our choosing (an already compressed bomb)."""
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from sync.protocol import canonical_json

    eph = X25519PrivateKey.generate()
    eph_raw = eph.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    rcpt_raw = recipient_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    secret = eph.exchange(recipient_key) + static_key.exchange(recipient_key)
    nonce = os.urandom(12)
    header = {
        "format": b.FORMAT,
        "kind": b.REPLY,
        "from": sender,
        "to": recipient,
        "ephemeral_public_key": b.b64(eph_raw),
        "nonce": b.b64(nonce),
    }
    sealed = AESGCM(b._key(secret, b.REPLY, eph_raw, rcpt_raw)).encrypt(nonce, plain, canonical_json(header))
    return canonical_json({**header, "ciphertext": b.b64(sealed)}) + b"\n"


def test_a_counter_enrolled_before_server_keys_is_told_to_enroll_again(
    server: CentralServer, counters: dict[str, Counter], server_key: Ed25519PrivateKey
) -> None:
    a = counters["a"]
    a.svc("boss").set_sync_state({SERVER_KEY: ""})
    with HostileServer(server, server_key) as h:
        refused("sync.server_key_unknown", lambda: HttpSync(h.url, a.token, server_key=""))

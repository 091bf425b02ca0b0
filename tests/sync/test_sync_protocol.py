"""The wire schema (docs/sync-protocol.md): round trips, signatures, and a strict parser that answers
every malformed message with a coded ProtocolError, never another exception."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.protocol import (
    MAX_BATCH,
    AuditLink,
    Change,
    ChangeResult,
    Counts,
    EnrollRequest,
    EnrollResponse,
    Hello,
    HelloResponse,
    ProtocolError,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    Record,
    parse_body,
    sign_change,
    verify_change,
)


def _key() -> tuple[Ed25519PrivateKey, str]:
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return key, base64.b64encode(raw).decode()


def _change(**over: Any) -> Change:
    values: dict[str, Any] = {
        "change_id": "0190c0de-0000-7000-8000-000000000001",
        "counter_id": "counter-a",
        "entity": "person",
        "entity_id": "p-1",
        "op": "update",
        "base_version": 1,
        "version": 2,
        "changed": ("phone",),
        "data": {"id": "p-1", "phone": "13800138000", "nested": {"list": [1, "二", None, True]}},
        "actor": "clerk1",
        "at": "2026-11-20T02:00:00Z",
        "audit": AuditLink(1, 7, "h7", "h6"),
    }
    values.update(over)
    return Change(**values)


def test_every_message_round_trips_through_json() -> None:
    change = _change()
    messages = [
        PushRequest("counter-a", (change,)),
        PushResponse((ChangeResult("c", "conflict", 3, None, ("k1",), ({"code": "x", "field": "f"},)),)),
        PullRequest(10, 500, ("person", "user")),
        PullResponse(
            (Record(5, "person", "p-1", 2, {"id": "p-1"}), Record(6, "person", "p-2", 1, None, "p-1")),
            6,
            True,
            9,
        ),
        Hello("counter-a", 1, 7, "h7"),
        HelloResponse(
            "srv",
            1,
            "lhasa",
            "540102",
            3,
            AuditLink(1, 7, "h7", "h6"),
            {"20261120": 4},
            "2026-11-20T02:00:00Z",
        ),
        Counts({"person": 3, "user": 1}),
        EnrollRequest("code", "counter-a", "540102", 3, _key()[1]),
        EnrollResponse("srv", "tok", "2027-11-20T00:00:00Z", "lhasa", "540102", 3, _key()[1]),
        EnrollResponse("srv", "tok", "2027-11-20T00:00:00Z", "lhasa", "540102", 3, _key()[1], _key()[1]),
    ]
    for msg in messages:
        wire = json.loads(json.dumps(msg.to_json()))
        back = type(msg).from_json(wire)
        if isinstance(msg, PushResponse):
            # errors are filled to the five keys of the common envelope
            assert back.results[0].errors[0]["code"] == "x"
            assert set(back.results[0].errors[0]) == {
                "code",
                "field",
                "message_zh",
                "message_bo",
                "message_en",
            }
        else:
            assert back == msg, type(msg).__name__


def test_signature_covers_everything_but_itself() -> None:
    key, pub = _key()
    signed = sign_change(_change(), key)
    assert verify_change(signed, pub)
    assert Change.from_json(signed.to_json()).signature == signed.signature
    tampered = Change.from_json({**signed.to_json(), "data": {**signed.data, "phone": "13900139000"}})
    assert not verify_change(tampered, pub)
    assert not verify_change(signed, _key()[1])  # another counter's key
    assert not verify_change(signed, "not-a-key")
    assert b'"signature"' not in signed.signing_bytes()


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d.update(extra=1), "change.extra"),
        (lambda d: d.pop("actor"), "change.actor"),
        (lambda d: d.update(version="2"), "change.version"),
        (lambda d: d.update(version=True), "change.version"),
        (lambda d: d.update(op="delete"), "change.op"),
        (lambda d: d.update(entity="table"), "change.entity"),
        (lambda d: d.update(entity_id="x" * 65), "change.entity_id"),
        (lambda d: d.update(changed=["f"] * 201), "change.changed"),
        (lambda d: d.update(data=[]), "change.data"),
        (lambda d: d.update(data={"s": "x" * (64 * 1024 + 1)}), "change.data.s"),
        (lambda d: d["audit"].update(seq=-1), "change.audit.seq"),
    ],
)
def test_a_malformed_change_is_a_coded_error_naming_the_field(mutate: Any, path: str) -> None:
    raw = _change().to_json()
    mutate(raw)
    with pytest.raises(ProtocolError) as caught:
        Change.from_json(raw)
    assert caught.value.to_json()[0]["code"] == "sync.malformed"
    assert caught.value.to_json()[0]["field"] == path
    assert caught.value.to_json()[0]["message_zh"] != "error.sync.malformed"


def test_data_nested_too_deeply_is_refused() -> None:
    deep: Any = "leaf"
    for _ in range(20):
        deep = {"d": deep}
    with pytest.raises(ProtocolError):
        Change.from_json({**_change().to_json(), "data": deep})
    with pytest.raises(ProtocolError):
        parse_body(b"[" * 100_000 + b"]" * 100_000)


def test_a_batch_over_the_limit_is_its_own_code() -> None:
    raw = {"counter_id": "c", "changes": [_change().to_json()] * (MAX_BATCH + 1)}
    with pytest.raises(ProtocolError) as caught:
        PushRequest.from_json(raw)
    assert caught.value.code == "sync.batch_too_large"


def test_pull_limit_is_bounded() -> None:
    with pytest.raises(ProtocolError):
        PullRequest.from_json({"cursor": 0, "limit": 5001})
    with pytest.raises(ProtocolError):
        PullRequest.from_json({"cursor": 0, "limit": 0})


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)
_PARSERS = [
    PushRequest,
    PushResponse,
    PullRequest,
    PullResponse,
    Hello,
    HelloResponse,
    Counts,
    EnrollRequest,
    EnrollResponse,
]


@settings(max_examples=300, deadline=None)
@given(raw=_json, which=st.sampled_from(_PARSERS))
def test_fuzzed_input_is_parsed_or_refused_with_a_code(raw: Any, which: Any) -> None:
    try:
        which.from_json(raw)
    except ProtocolError as exc:
        assert exc.to_json()[0]["code"] in {"sync.malformed", "sync.batch_too_large"}


@settings(max_examples=300, deadline=None)
@given(
    key=st.sampled_from(list(_change().to_json())),
    value=_json,
)
def test_fuzzed_change_fields_are_parsed_or_refused_with_a_code(key: str, value: Any) -> None:
    raw = {**_change().to_json(), key: value}
    try:
        Change.from_json(raw)
    except ProtocolError as exc:
        assert exc.to_json()[0]["code"] == "sync.malformed"


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=200))
def test_fuzzed_bytes_are_parsed_or_refused_with_a_code(body: bytes) -> None:
    try:
        PushRequest.from_json(parse_body(body))
    except ProtocolError:
        pass

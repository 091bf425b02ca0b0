"""The signed QR payload: compact, verifies offline with the counter's public key, and any change to
the number, amount, date, ID hash or counter fails."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from printing import seal
from tests.printing.printing_helpers import KEY

COUNTER = "540102-03"
PAYLOAD = seal.Payload(
    kind="approval",
    number="540102-03-20261120-0001-A",
    id_hash=seal.id_hash("540102-03-20261120-0001-A", "540102199003150026"),
    amount=seal.amount_text(Decimal("25600")),
    date="2026-11-20",
    counter=COUNTER,
)
KEYS = {COUNTER: KEY.public_key()}


def test_payload_is_compact_and_verifies() -> None:
    text = seal.sign(PAYLOAD, KEY)
    assert len(text) < 200
    assert text.startswith("LX1|A|540102-03-20261120-0001-A|")
    assert seal.verify(text, KEYS) == PAYLOAD


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("25600.00", "26500.00"),  # the amount
        ("20261120-0001", "20261120-0002"),  # the document number
        ("2026-11-20|", "2026-11-21|"),  # the date
    ],
)
def test_a_changed_field_fails(old: str, new: str) -> None:
    text = seal.sign(PAYLOAD, KEY)
    tampered = text.replace(old, new, 1)
    assert tampered != text
    with pytest.raises(seal.SealError) as exc:
        seal.verify(tampered, KEYS)
    assert exc.value.code == "verify.signature_invalid"


def test_another_counters_key_does_not_verify() -> None:
    other = Ed25519PrivateKey.generate()
    with pytest.raises(seal.SealError) as exc:
        seal.verify(seal.sign(PAYLOAD, other), KEYS)
    assert exc.value.code == "verify.signature_invalid"


def test_unknown_counter_is_reported() -> None:
    with pytest.raises(seal.SealError) as exc:
        seal.verify(seal.sign(PAYLOAD, KEY), {"someone-else": KEY.public_key()})
    assert exc.value.code == "verify.counter_unknown"


@pytest.mark.parametrize(
    "text", ["", "hello", "LX1|Z|a|b|c|d|e|f", "LX1|A|n|h|1.00|2026-01-01|c|!!", "LX2|A|n|h|-|d|c|s"]
)
def test_malformed_payloads_are_refused(text: str) -> None:
    with pytest.raises(seal.SealError) as exc:
        seal.verify(text, KEYS)
    assert exc.value.code == "verify.payload_format"


def test_id_hash_binds_the_document_to_one_id_number() -> None:
    number = PAYLOAD.number
    assert seal.id_hash(number, "540102199003150026") == PAYLOAD.id_hash
    assert seal.id_hash(number, "540102199003150042") != PAYLOAD.id_hash
    # salted per document: the same person on two papers gives two hashes
    assert seal.id_hash(number + "x", "540102199003150026") != PAYLOAD.id_hash


def test_keys_file_round_trip_and_plain_mapping(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(seal.keys_document(KEYS)), encoding="utf-8")
    loaded = seal.load_keys_file(path)
    assert seal.verify(seal.sign(PAYLOAD, KEY), loaded) == PAYLOAD
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({COUNTER: seal.public_key_b64(KEY.public_key())}), encoding="utf-8")
    assert seal.verify(seal.sign(PAYLOAD, KEY), seal.load_keys_file(plain)) == PAYLOAD


@pytest.mark.parametrize(
    "content", ["not json", "[1, 2]", '{"counters": [{"id": "x", "public_key_b64": "@@"}]}']
)
def test_bad_keys_files_are_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "keys.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(seal.SealError) as exc:
        seal.load_keys_file(path)
    assert exc.value.code == "verify.keys_file"


def test_a_separator_in_a_field_is_refused() -> None:
    bad = seal.Payload("receipt", "A|B", "h", "-", "2026-01-01", COUNTER)
    with pytest.raises(seal.SealError):
        seal.sign(bad, KEY)

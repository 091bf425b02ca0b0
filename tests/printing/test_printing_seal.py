"""The signed QR payload: compact, verifies offline with the counter's public key, and any change to
the number, amount, date, ID tag, masked ID, name or counter fails. The ID number cannot be
recovered from a version-2 paper in less than a day of one CPU (issue 16, finding 4); version-1
papers (whose ID could be recovered in a fraction of a second) still verify."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from stdnum.cn import ric as stdnum_ric

from printing import seal
from tests.printing.printing_helpers import KEY

COUNTER = "540102-03"
ID = "540102199003150026"
PAYLOAD = seal.Payload(
    kind="approval",
    number="540102-03-20261120-0001-A",
    id_hash=seal.id_tag("540102-03-20261120-0001-A", ID),
    amount=seal.amount_text(Decimal("25600")),
    date="2026-11-20",
    counter=COUNTER,
    id_masked=seal.paper_mask(ID),
    name="卓玛",
)
LEGACY = seal.Payload(
    kind="approval",
    number=PAYLOAD.number,
    id_hash=seal.legacy_id_hash(PAYLOAD.number, ID),
    amount=PAYLOAD.amount,
    date=PAYLOAD.date,
    counter=COUNTER,
    version=seal.LEGACY_VERSION,
)
KEYS = {COUNTER: KEY.public_key()}


def test_payload_is_compact_and_verifies() -> None:
    text = seal.sign(PAYLOAD, KEY)
    assert len(text.encode()) < 240
    assert text.startswith("LX2|A|540102-03-20261120-0001-A|540102************|卓玛|a1.")
    assert seal.verify(text, KEYS) == PAYLOAD


def test_a_version_1_payload_still_verifies_and_checks_its_id_number() -> None:
    text = seal.sign(LEGACY, KEY)
    assert text.startswith("LX1|A|540102-03-20261120-0001-A|")
    payload = seal.verify(text, KEYS)
    assert payload == LEGACY and payload.version == "LX1"
    assert seal.id_matches(payload, ID) and not seal.id_matches(payload, "540102199003150042")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("25600.00", "26500.00"),  # the amount
        ("20261120-0001", "20261120-0002"),  # the document number
        ("2026-11-20|", "2026-11-21|"),  # the date
        ("|卓玛|", "|卓玛玛|"),  # the name
        ("540102*****", "540103*****"),  # the masked ID number
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
    "text",
    [
        "",
        "hello",
        "LX1|Z|a|b|c|d|e|f",
        "LX1|A|n|h|1.00|2026-01-01|c|!!",
        "LX2|A|n|h|-|d|c|s",
        "LX3|A|n|m|x|h|-|d|c|s",
        "LX2|A|n|m|x|h|-|d|c|" + "s" * 3000,
    ],
)
def test_malformed_payloads_are_refused(text: str) -> None:
    with pytest.raises(seal.SealError) as exc:
        seal.verify(text, KEYS)
    assert exc.value.code == "verify.payload_format"


def test_id_tag_binds_the_document_to_one_id_number() -> None:
    number = PAYLOAD.number
    assert seal.id_matches(PAYLOAD, ID) and seal.id_matches(PAYLOAD, ID.lower())
    assert not seal.id_matches(PAYLOAD, "540102199003150042")
    # salted per document: the same person on two papers gives two tags
    assert seal.id_tag(number + "x", ID) != PAYLOAD.id_hash


def _legacy_candidates(head: str, tail: str, first: dt.date, last: dt.date) -> Iterator[str]:
    """ID numbers with the first 6 and last 4 characters a version-1 paper showed: only the birth
    date is hidden, and the check character rules out 10 dates in 11."""
    day = first
    while day <= last:
        body = f"{head}{day:%Y%m%d}{tail[:3]}"
        if stdnum_ric.calc_check_digit(body + "0") == tail[3]:
            yield body + tail[3]
        day += dt.timedelta(days=1)


def test_a_version_1_paper_gave_the_id_number_away_in_a_second() -> None:
    """The finding reproduced: the old paper showed the first 6 and last 4 characters and the QR
    an SHA-256 tag; trying every birth date since 1900 finds the number in well under a second."""
    shown_head, shown_tail = ID[:6], ID[-4:]
    started = time.perf_counter()
    found = [
        n
        for n in _legacy_candidates(shown_head, shown_tail, dt.date(1900, 1, 1), dt.date(2026, 11, 20))
        if seal.legacy_id_hash(LEGACY.number, n) == LEGACY.id_hash
    ]
    assert found == [ID]
    assert time.perf_counter() - started < 5


def test_recovering_the_id_number_from_a_version_2_paper_costs_more_than_a_day() -> None:
    """The paper and the QR show the first 6 characters only; the sex is known (even 17th digit on
    an allowance). An applicant aged 16–55 leaves 40 × 365 birth dates × 500 sequence numbers
    (the check character follows from them) = 7.3 million candidates; each costs one argon2id."""
    assert PAYLOAD.id_masked == "540102************" and ID[6:] not in seal.sign(PAYLOAD, KEY)
    timings = []
    for n in range(3):
        started = time.perf_counter()
        seal.id_tag.__wrapped__(PAYLOAD.number, f"54010219900315{n:03d}X")  # uncached: one real guess
        timings.append(time.perf_counter() - started)
    per_guess = min(timings)
    candidates = 40 * 365 * 500
    expected_days = candidates / 2 * per_guess / 86_400  # on average half the candidates are tried
    logging.getLogger(__name__).info("argon2id a1: %.3f s per guess, %.1f CPU-days", per_guess, expected_days)
    assert expected_days > 1, f"{per_guess:.3f} s per guess: {expected_days:.2f} days"


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
    for bad in (
        seal.Payload("receipt", "A|B", "h", "-", "2026-01-01", COUNTER, "540102************", "卓玛"),
        seal.Payload("receipt", "A", "h", "-", "2026-01-01", COUNTER, "540102************", "卓|玛"),
        seal.Payload("receipt", "A", "h", "-", "2026-01-01", COUNTER, "540102************", ""),
    ):
        with pytest.raises(seal.SealError):
            seal.sign(bad, KEY)

"""The signed QR payload printed on every document, and its offline verification.

Compact text, ``|``-separated, signed with the counter's Ed25519 key::

    LX1|R|LYG-20261128-0001|k3Jx0V1b9yQp2w|-|2026-11-28|ctr-01|<signature>

fields: version, kind (R receipt, A approval, N rejection notice, E enrollment), document number,
hash of the ID number, amount in yuan (``-`` when the document has none), date of issue, counter id,
then the base64url Ed25519 signature (no padding) over everything before the last ``|``.

The ID hash is SHA-256 over ``"<document number>|<ID number>"``, first 12 bytes, base64url: it lets a
verifier holding the ID card confirm whose paper it is without printing the number. It is salted per
document so equal IDs do not give equal hashes across papers; it is not a secret (the paper already
shows the first 6 and last 4 digits), only a binding.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VERSION = "LX1"
KIND_CODES = {"receipt": "R", "approval": "A", "rejection": "N", "enrollment": "E"}
KINDS_BY_CODE = {v: k for k, v in KIND_CODES.items()}
NO_AMOUNT = "-"


class SealError(ValueError):
    """A payload or key set that cannot be checked; ``code`` is stable (i18n ``error.<code>``)."""

    def __init__(self, code: str, **params: object):
        self.code = code
        self.params = params
        super().__init__(code)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def id_hash(document_number: str, id_number: str) -> str:
    digest = hashlib.sha256(f"{document_number}|{id_number.strip().upper()}".encode()).digest()
    return _b64(digest[:12])


@dataclass(frozen=True)
class Payload:
    kind: str  # receipt | approval | rejection | enrollment
    number: str
    id_hash: str
    amount: str  # "25600.00" or "-"
    date: str  # ISO date of issue
    counter: str

    def body(self) -> str:
        for name in ("number", "amount", "date", "counter"):
            value = getattr(self, name)
            if "|" in value or not value:
                raise SealError("verify.payload_format", field=name)
        return "|".join(
            (VERSION, KIND_CODES[self.kind], self.number, self.id_hash, self.amount, self.date, self.counter)
        )

    def to_json(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "number": self.number,
            "id_hash": self.id_hash,
            "amount": self.amount,
            "date": self.date,
            "counter": self.counter,
        }


def amount_text(amount: Decimal | None) -> str:
    return NO_AMOUNT if amount is None else format(amount.quantize(Decimal("0.01")), "f")


def sign(payload: Payload, key: Ed25519PrivateKey) -> str:
    """The full QR text: payload body and signature."""
    body = payload.body()
    return f"{body}|{_b64(key.sign(body.encode()))}"


def parse(text: str) -> tuple[Payload, str, bytes]:
    """``(payload, signed body, signature)``; raises SealError ``verify.payload_format``."""
    parts = text.strip().split("|")
    if len(parts) != 8 or parts[0] != VERSION or parts[1] not in KINDS_BY_CODE:
        raise SealError("verify.payload_format", field="payload")
    _v, kind_code, number, hashed, amount, date, counter, sig_text = parts
    if amount != NO_AMOUNT:
        try:
            Decimal(amount)
        except InvalidOperation as exc:
            raise SealError("verify.payload_format", field="amount") from exc
    try:
        signature = _unb64(sig_text)
    except ValueError as exc:
        raise SealError("verify.payload_format", field="signature") from exc
    if len(signature) != 64:
        raise SealError("verify.payload_format", field="signature")
    payload = Payload(KINDS_BY_CODE[kind_code], number, hashed, amount, date, counter)
    return payload, "|".join(parts[:-1]), signature


def verify(text: str, keys: Mapping[str, Ed25519PublicKey]) -> Payload:
    """The payload if its signature is good under the key of the counter it names.

    Raises SealError: ``verify.payload_format``, ``verify.counter_unknown`` or
    ``verify.signature_invalid``."""
    payload, body, signature = parse(text)
    key = keys.get(payload.counter)
    if key is None:
        raise SealError("verify.counter_unknown", counter=payload.counter)
    try:
        key.verify(signature, body.encode())
    except InvalidSignature as exc:
        raise SealError("verify.signature_invalid", number=payload.number) from exc
    return payload


def public_key_b64(key: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def keys_document(keys: Mapping[str, Ed25519PublicKey]) -> dict:
    """The JSON written as ``public-keys.json``."""
    return {
        "format": "liangxian-counter-keys/1",
        "counters": [{"id": cid, "public_key_b64": public_key_b64(k)} for cid, k in sorted(keys.items())],
    }


def load_keys_file(path: Path) -> dict[str, Ed25519PublicKey]:
    """Counter public keys from JSON: ``{"counters": [{"id", "public_key_b64"}, …]}`` or a plain
    ``{counter_id: public_key_b64}`` object. Raises SealError ``verify.keys_file``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SealError("verify.keys_file", path=str(path), detail=str(exc)) from exc
    rows: list[tuple[str, str]] = []
    if isinstance(data, dict) and isinstance(data.get("counters"), list):
        for row in data["counters"]:
            if not isinstance(row, dict):
                raise SealError("verify.keys_file", path=str(path), detail="counters[] must be objects")
            cid = row.get("id") or row.get("counter_id")
            key = row.get("public_key_b64") or row.get("public_key")
            rows.append((str(cid), str(key)))
    elif isinstance(data, dict):
        rows = [(str(k), str(v)) for k, v in data.items() if k != "format"]
    else:
        raise SealError("verify.keys_file", path=str(path), detail="not a JSON object")
    return keys_from_b64(rows, where=str(path))


def keys_from_b64(rows: list[tuple[str, str]], where: str = "") -> dict[str, Ed25519PublicKey]:
    keys: dict[str, Ed25519PublicKey] = {}
    for cid, b64 in rows:
        try:
            keys[cid] = Ed25519PublicKey.from_public_bytes(base64.b64decode(b64, validate=True))
        except ValueError as exc:
            raise SealError("verify.keys_file", path=where, detail=f"bad key for {cid}") from exc
    return keys

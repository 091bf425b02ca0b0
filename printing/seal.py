"""The signed QR payload printed on every document, and its offline verification.

Compact text, ``|``-separated, signed with the counter's Ed25519 key (version 2, since 2026-12)::

    LX2|A|LS01-20260928-A0042|540102************|扎西卓玛|a1.Xk3Jx0V1b9yQp2wQ5Hn1Tg|18282.55|2026-09-28|lhasa-540102-01|<signature>

fields: version, kind (R receipt, A approval, N rejection notice, E enrollment), document number,
the ID number as printed (``paper_mask``: the first 6 characters only), the applicant's Chinese name,
the ID tag, amount in yuan (``-`` when the document has none), date of issue, counter id, then the
base64url Ed25519 signature (no padding) over everything before the last ``|``.

The ID tag binds the paper to one ID number (``verify --id-number``) without letting the number be
recovered from the paper: it is argon2id (parameter set ``a1``: 3 passes over 128 MiB, one lane)
over the ID number, salted with the document number, so that every guess costs about 0.3 s of one
CPU and the ~7 million candidates the paper leaves open cost weeks (printing/README.md gives the
figures). Version 1 (``LX1``, documents printed before) carried an unsalted-in-effect SHA-256 tag
over ``"<number>|<ID number>"`` and showed the last 4 characters: its ID could be recovered in
0.1 s. Its signatures still verify and its ``--id-number`` check still works.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VERSION = "LX2"
LEGACY_VERSION = "LX1"
KIND_CODES = {"receipt": "R", "approval": "A", "rejection": "N", "enrollment": "E"}
KINDS_BY_CODE = {v: k for k, v in KIND_CODES.items()}
NO_AMOUNT = "-"
MAX_PAYLOAD = 2000  # characters: a real payload is under 300; a scanner never reads more


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


#: argon2id parameter sets of the ID tag, by the name the tag starts with. A new set gets a new name,
#: so papers printed with an older one keep verifying. ``a1``: measured 0.25–0.35 s per guess on one
#: core of the counter PCs' class (AMD EPYC, shared) — see printing/README.md.
ID_TAG_PARAMS: dict[str, dict[str, int]] = {
    "a1": {"time_cost": 3, "memory_cost": 128 * 1024, "parallelism": 1, "hash_len": 16},
}
ID_TAG_SET = "a1"


def _normal_id(id_number: str) -> str:
    return id_number.strip().upper()


def legacy_id_hash(document_number: str, id_number: str) -> str:
    """The version-1 tag (``LX1`` papers): first 12 bytes of SHA-256 over ``"number|ID"``."""
    digest = hashlib.sha256(f"{document_number}|{_normal_id(id_number)}".encode()).digest()
    return _b64(digest[:12])


@lru_cache(maxsize=64)  # a preview and the print that follows it hash the same pair once
def id_tag(document_number: str, id_number: str, param_set: str = ID_TAG_SET) -> str:
    """The version-2 ID tag: ``<set>.<base64url argon2id(ID number, salt from the document number)>``."""
    from argon2.low_level import Type, hash_secret_raw

    params = ID_TAG_PARAMS[param_set]
    salt = hashlib.sha256(f"liangxian-id|{document_number}".encode()).digest()[:16]
    raw = hash_secret_raw(_normal_id(id_number).encode(), salt, type=Type.ID, **params)
    return f"{param_set}.{_b64(raw)}"


def paper_mask(id_number: str) -> str:
    """The ID number as printed and signed: the first 6 characters (the issuing division), the rest
    starred. The birth date, sequence and check character stay off the paper (printing/README.md)."""
    number = _normal_id(id_number)
    return number[:6] + "*" * (len(number) - 6)


def id_matches(payload: Payload, id_number: str) -> bool:
    """Whether ``id_number`` is the one the payload was signed for (slow for version 2, by design)."""
    if payload.version == LEGACY_VERSION:
        return legacy_id_hash(payload.number, id_number) == payload.id_hash
    param_set = payload.id_hash.split(".", 1)[0]
    if param_set not in ID_TAG_PARAMS:
        raise SealError("verify.payload_format", field="id_hash")
    if payload.id_masked and paper_mask(id_number) != payload.id_masked:
        return False
    return id_tag(payload.number, id_number, param_set) == payload.id_hash


@dataclass(frozen=True)
class Payload:
    kind: str  # receipt | approval | rejection | enrollment
    number: str
    id_hash: str  # version 2: the argon2id ID tag; version 1: the SHA-256 tag
    amount: str  # "25600.00" or "-"
    date: str  # ISO date of issue
    counter: str
    id_masked: str = ""  # version 2: the ID number as printed (paper_mask)
    name: str = ""  # version 2: the applicant's Chinese name as printed
    version: str = VERSION

    def body(self) -> str:
        names = ["number", "amount", "date", "counter"]
        if self.version == VERSION:
            names += ["id_masked", "name"]
        for name in names:
            value = getattr(self, name)
            if not value or any(ch in value for ch in "|\r\n"):
                raise SealError("verify.payload_format", field=name)
        code = KIND_CODES[self.kind]
        if self.version == LEGACY_VERSION:
            fields = (LEGACY_VERSION, code, self.number, self.id_hash, self.amount, self.date, self.counter)
        else:
            fields = (VERSION, code, self.number, self.id_masked, self.name, self.id_hash, self.amount,
                      self.date, self.counter)  # fmt: skip
        return "|".join(fields)

    def to_json(self) -> dict[str, str]:
        out = {
            "version": self.version,
            "kind": self.kind,
            "number": self.number,
            "id_hash": self.id_hash,
            "amount": self.amount,
            "date": self.date,
            "counter": self.counter,
        }
        if self.version != LEGACY_VERSION:
            out |= {"id_masked": self.id_masked, "name": self.name}
        return out


def amount_text(amount: Decimal | None) -> str:
    return NO_AMOUNT if amount is None else format(amount.quantize(Decimal("0.01")), "f")


def sign(payload: Payload, key: Ed25519PrivateKey) -> str:
    """The full QR text: payload body and signature."""
    body = payload.body()
    return f"{body}|{_b64(key.sign(body.encode()))}"


def parse(text: str) -> tuple[Payload, str, bytes]:
    """``(payload, signed body, signature)``; raises SealError ``verify.payload_format``."""
    if len(text) > MAX_PAYLOAD:
        raise SealError("verify.payload_format", field="payload")
    parts = text.strip().split("|")
    expected = {VERSION: 10, LEGACY_VERSION: 8}.get(parts[0])
    if expected is None or len(parts) != expected or parts[1] not in KINDS_BY_CODE:
        raise SealError("verify.payload_format", field="payload")
    masked = name = ""
    if parts[0] == VERSION:
        _v, kind_code, number, masked, name, hashed, amount, date, counter, sig_text = parts
    else:
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
    payload = Payload(KINDS_BY_CODE[kind_code], number, hashed, amount, date, counter, masked, name, parts[0])
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

"""Bundles: a sync carried on a USB stick where a county has no link at all for weeks.

Two kinds of file, both one JSON object (``format: liangxian-bundle/1``):

- a **counter bundle** (counter → server): every unsent change of one counter, each signed as for a
  push, with the counter's ``hello``, its pull cursor and its own box public key; the whole body is
  signed by the counter's Ed25519 key (the one enrolled on the server) and encrypted to the server's
  X25519 public key (``server.box_public_key``, received at enrollment);
- a **reply bundle** (server → counter): the answers to those changes, the county's records since the
  counter's cursor, the server's counts, encrypted to the counter's box public key that came in the
  (signed) counter bundle.

Encryption (no home-made cipher: ``cryptography``'s X25519, HKDF-SHA256 and AES-256-GCM): a fresh
X25519 key per bundle; the AES key is HKDF over the X25519 secret(s), bound to both public keys; the
clear header (format, kind, from, to, ephemeral key, nonce) is the AEAD's associated data, so a bundle
moved to another counter or edited anywhere fails to open. A counter bundle is authenticated by the
counter's signature; a reply is signed by the server key (the Ed25519 key whose fingerprint the
counter's admin typed at enrollment: ``sign_body``, checked by the counter before anything of it is
read), and the static-static secret X25519(server box key, counter box key) is mixed into its key too.
The plaintext is gzip-compressed JSON, inflated with a limit (``MAX_INFLATED``, and at most
``MAX_RATIO`` times the compressed size): a gzip bomb stops there (``bundle.inflated_too_large``).

This module is shared by the counter (``sync.offline``) and the server (``central.bundles``) and knows
neither's database.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import os
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from forms.errors import CodedError, Issue, error
from sync.protocol import canonical_json

FORMAT: Final = "liangxian-bundle/1"
COUNTER: Final = "counter"
REPLY: Final = "reply"
#: a bundle file larger than this is refused before it is read (weeks of a county's work fit easily)
MAX_FILE: Final = 512 * 1024 * 1024
#: what a bundle's plaintext may inflate to at most (weeks of a county's records fit), and at most this
#: many times its compressed size (JSON compresses some 5-20 times; a bomb a thousand times)
MAX_INFLATED: Final = 256 * 1024 * 1024
MAX_RATIO: Final = 100
_INFLATED_FLOOR: Final = 8 * 1024 * 1024
_HEADER_KEYS: Final = ("format", "kind", "from", "to", "ephemeral_public_key", "nonce")


class BundleError(CodedError, ValueError):
    """A bundle refused as a whole (``bundle.*``); nothing was changed."""

    def __init__(self, code: str, field: str = "bundle", **params: object):
        self.code = code
        self.field = field
        self.params = params
        super().__init__(code)

    @property
    def issues(self) -> list[Issue]:
        return [error(self.code, self.field, **self.params)]


# --- keys --------------------------------------------------------------------------------------------


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def unb64(text: str, what: str = "bundle") -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, AttributeError) as exc:
        raise BundleError("bundle.malformed", what, detail="bad base64") from exc


def x25519_public_b64(key: X25519PrivateKey) -> str:
    return b64(key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def x25519_private_b64(key: X25519PrivateKey) -> str:
    return b64(
        key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
    )


def x25519_private(text: str) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(unb64(text, "key"))


def x25519_public(text: str, what: str = "key") -> X25519PublicKey:
    try:
        return X25519PublicKey.from_public_bytes(unb64(text, what))
    except ValueError as exc:
        raise BundleError("bundle.malformed", what, detail="bad X25519 key") from exc


# --- sealing -----------------------------------------------------------------------------------------


def _key(secret: bytes, kind: str, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=FORMAT.encode() + b"|" + kind.encode() + b"|" + ephemeral + recipient,
    ).derive(secret)


def seal(
    body: Mapping[str, Any],
    *,
    kind: str,
    sender: str,
    recipient: str,
    recipient_key: X25519PublicKey,
    static_key: X25519PrivateKey | None = None,
) -> bytes:
    """The file's bytes: ``body`` (JSON) compressed and encrypted to ``recipient_key``; with
    ``static_key`` the sender's static box key is mixed in too (the reply's authentication)."""
    eph = X25519PrivateKey.generate()
    eph_raw = eph.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    rcpt_raw = recipient_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    secret = eph.exchange(recipient_key)
    if static_key is not None:
        secret += static_key.exchange(recipient_key)
    nonce = os.urandom(12)
    header = {
        "format": FORMAT,
        "kind": kind,
        "from": sender,
        "to": recipient,
        "ephemeral_public_key": b64(eph_raw),
        "nonce": b64(nonce),
    }
    plain = gzip.compress(canonical_json(dict(body)), 6)
    sealed = AESGCM(_key(secret, kind, eph_raw, rcpt_raw)).encrypt(nonce, plain, canonical_json(header))
    return canonical_json({**header, "ciphertext": b64(sealed)}) + b"\n"


def read_header(raw: bytes) -> dict[str, Any]:
    """The clear header of a bundle file (who it is from and to), refusing what is not a bundle or
    was cut short."""
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError("bundle.truncated", "bundle", detail=str(exc)[:120]) from exc
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise BundleError("bundle.malformed", "bundle", detail="not a liangxian bundle")
    for k in (*_HEADER_KEYS, "ciphertext"):
        if not isinstance(obj.get(k), str):
            raise BundleError("bundle.malformed", "bundle", detail=f"missing {k}")
    return obj


def open_sealed(
    obj: Mapping[str, Any],
    *,
    key: X25519PrivateKey,
    static_peer: X25519PublicKey | None = None,
) -> dict[str, Any]:
    """Decrypt a bundle read by ``read_header`` with the recipient's box key (and the sender's static
    public key for a reply). Any change to any byte is ``bundle.tampered``."""
    header = {k: obj[k] for k in _HEADER_KEYS}
    eph_raw = unb64(obj["ephemeral_public_key"])
    try:
        eph = X25519PublicKey.from_public_bytes(eph_raw)
    except ValueError as exc:
        raise BundleError("bundle.tampered") from exc
    rcpt_raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    secret = key.exchange(eph)
    if static_peer is not None:
        secret += key.exchange(static_peer)
    try:
        plain = AESGCM(_key(secret, obj["kind"], eph_raw, rcpt_raw)).decrypt(
            unb64(obj["nonce"]), unb64(obj["ciphertext"]), canonical_json(header)
        )
    except (InvalidTag, ValueError) as exc:
        raise BundleError("bundle.tampered") from exc
    inflated = inflate(plain)
    try:
        body = json.loads(inflated.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise BundleError("bundle.tampered") from exc
    if not isinstance(body, dict):
        raise BundleError("bundle.malformed", "bundle", detail="body is not an object")
    return body


def inflate(data: bytes) -> bytes:
    """gzip ``data`` inflated as a stream, stopping at ``MAX_INFLATED`` bytes or ``MAX_RATIO`` times
    its size (``bundle.inflated_too_large``): never more is held in memory than the limit."""
    limit = min(MAX_INFLATED, max(_INFLATED_FLOOR, MAX_RATIO * len(data)))
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(data, limit + 1)
        if len(out) > limit or inflater.unconsumed_tail:
            raise BundleError("bundle.inflated_too_large", "bundle", limit=limit)
        out += inflater.flush()
    except zlib.error as exc:
        raise BundleError("bundle.tampered") from exc
    if len(out) > limit:
        raise BundleError("bundle.inflated_too_large", "bundle", limit=limit)
    if not inflater.eof:
        raise BundleError("bundle.tampered")
    return out


# --- the Ed25519 signature over the whole body (the counter's on a bundle, the server's on a reply) ---


def sign_body(body: Mapping[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    return {**unsigned, "signature": b64(key.sign(canonical_json(unsigned)))}


def verify_body(body: Mapping[str, Any], public_key_b64: str) -> None:
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    try:
        Ed25519PublicKey.from_public_bytes(unb64(public_key_b64, "key")).verify(
            unb64(str(body.get("signature", ""))), canonical_json(unsigned)
        )
    except (InvalidSignature, ValueError) as exc:
        raise BundleError("bundle.bad_signature") from exc


# --- files -------------------------------------------------------------------------------------------


def write_private(path: str | Path, data: bytes) -> Path:
    """Write a file holding personal data, created 0600 (owner only) and replaced atomically."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def read_file(path: str | Path) -> bytes:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE:
            raise BundleError("bundle.too_large", "file", path=str(path))
        return path.read_bytes()
    except OSError as exc:
        raise BundleError("bundle.unreadable", "file", path=str(path), detail=exc.strerror or "") from exc

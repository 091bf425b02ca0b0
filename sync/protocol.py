"""The sync wire schema, version 1: the one module the counter (``sync.engine``, ``sync.http``) and the
central server (``central``) both import. Design: ``docs/sync-protocol.md``.

Every message is a frozen dataclass with ``to_json()`` (plain JSON values) and ``from_json()``.
``from_json`` is strict — it is what the server runs on bytes from the network, so it is fuzzed: an
unknown key, a value of the wrong type, a string or list over its limit or JSON nested too deeply is a
coded ``ProtocolError`` (``sync.malformed``, naming the field path), never another exception.

Changes are signed by the counter's Ed25519 key over ``Change.signing_bytes()``: canonical JSON
(sorted keys, no spaces, UTF-8) of every field but ``signature``.

Answers are signed by the server's own Ed25519 key (the **server key**; its fingerprint,
``server_key_fingerprint``, is what the counter's admin types at enrollment): ``sign_answer`` over
``answer_signing_bytes`` — what was asked (method, path, a hash of the bearer token, the request's
nonce and a hash of its body) and a hash of the exact answer bytes. So an answer cannot be forged,
moved to another counter or replayed for another request (``docs/sync-protocol.md``).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from forms.errors import CodedError, Issue, error

PROTOCOL_VERSION: Final = 1
MAX_BATCH: Final = 500
MAX_PAGE: Final = 5000
MAX_BODY_BYTES: Final = 4 * 1024 * 1024
#: what the counter reads of one answer at most, before and after inflating it (a page of MAX_PAGE
#: records of the largest kind fits; a gzip bomb stops here)
MAX_REPLY_BYTES: Final = 32 * 1024 * 1024
#: the highest daily receipt sequence (receipt numbers end in four digits: ``…-20261128-0007``)
MAX_RECEIPT_SEQ: Final = 9999
#: the HTTP headers of the signed answer
NONCE_HEADER: Final = "X-Liangxian-Nonce"
SIGNATURE_HEADER: Final = "X-Liangxian-Signature"
MAX_NONCE: Final = 64

#: limits of the free-form ``data`` of a change or record
MAX_DEPTH: Final = 8
MAX_STRING: Final = 64 * 1024
MAX_LIST: Final = 1000
MAX_KEYS: Final = 200
#: limits of the typed fields
MAX_ID: Final = 64
MAX_NAME: Final = 128
MAX_FIELDS: Final = 200

OPS: Final = frozenset({"create", "update", "transition", "resolve"})
STATUSES: Final = frozenset({"applied", "duplicate", "rejected", "conflict"})
#: entities a counter may push
PUSH_ENTITIES: Final = frozenset({"employer", "person", "enrollment", "application", "print", "conflict"})
#: entities the server sends back (push entities plus users and conflict items)
PULL_ENTITIES: Final = frozenset({*PUSH_ENTITIES, "user"})


class ProtocolError(CodedError, ValueError):
    """A message that does not follow the wire schema (``sync.malformed``) or breaks a limit."""

    code = "sync.malformed"

    def __init__(self, path: str, detail: str, *, code: str = "sync.malformed"):
        self.code = code
        self.path = path
        self.detail = detail
        super().__init__(f"{path}: {detail}")

    @property
    def issues(self) -> list[Issue]:
        return [error(self.code, self.path, detail=self.detail)]


class SyncUnavailable(CodedError):
    """The server cannot be reached (no link, timeouts, refused connections, 5xx after retries).
    Nothing was decided: the same request may be sent again. The CLI exits 3."""

    code = "sync.no_link"

    def __init__(self, detail: str = ""):
        self.detail = detail
        super().__init__(detail or self.code)

    @property
    def issues(self) -> list[Issue]:
        return [error(self.code, "server", detail=self.detail)]


class SyncRefused(CodedError):
    """The server refused the request as a whole (401 unknown/revoked/expired credential, 403, 413
    too large, 422 malformed…), with its coded errors. ``status`` is the HTTP status (or the one it
    would have been, in process)."""

    code = "sync.refused"

    def __init__(self, status: int, issues: Iterable[Issue | Mapping[str, str]]):
        self.status = status
        self._issues = list(issues)
        super().__init__(f"{status}: " + ", ".join(self.codes))

    @property
    def codes(self) -> list[str]:
        return [i.code if isinstance(i, Issue) else str(i.get("code", "")) for i in self._issues]

    @property
    def issues(self) -> list[Issue]:
        return [
            i if isinstance(i, Issue) else error(str(i.get("code", "sync.refused")), "") for i in self._issues
        ]

    def to_json(self) -> list[dict[str, str]]:
        return [i.to_json() if isinstance(i, Issue) else dict(i) for i in self._issues]


# --- strict readers ----------------------------------------------------------------------------------


def _fail(path: str, detail: str) -> typing.NoReturn:
    raise ProtocolError(path, detail)


def _obj(raw: Any, path: str, required: Iterable[str], optional: Iterable[str] = ()) -> dict[str, Any]:
    if not isinstance(raw, dict):
        _fail(path, "expected an object")
    req = tuple(required)
    allowed = set(req) | set(optional)
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if unknown:
        _fail(f"{path}.{unknown[0]}" if path else unknown[0], "unknown key")
    for k in req:
        if k not in raw:
            _fail(f"{path}.{k}" if path else k, "required")
    return raw


def _p(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _str(raw: Any, path: str, max_len: int = MAX_ID, *, empty: bool = False) -> str:
    if not isinstance(raw, str):
        _fail(path, "expected a string")
    if len(raw) > max_len:
        _fail(path, f"longer than {max_len}")
    if not empty and not raw:
        _fail(path, "empty")
    return raw


def _opt_str(raw: Any, path: str, max_len: int = MAX_ID) -> str | None:
    return None if raw is None else _str(raw, path, max_len)


def _int(raw: Any, path: str, lo: int = 0, hi: int = 2**62) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        _fail(path, "expected an integer")
    if not lo <= raw <= hi:
        _fail(path, f"out of range {lo}..{hi}")
    return raw


def _opt_int(raw: Any, path: str, lo: int = 0, hi: int = 2**62) -> int | None:
    return None if raw is None else _int(raw, path, lo, hi)


def _list(raw: Any, path: str, max_len: int) -> list[Any]:
    if not isinstance(raw, list):
        _fail(path, "expected a list")
    if len(raw) > max_len:
        _fail(path, f"more than {max_len} items")
    return raw


def _day(raw: Any, path: str) -> str:
    """A business day as ``YYYYMMDD`` (the middle of a receipt number)."""
    import datetime as dt

    value = _str(raw, path, 8)
    try:
        if len(value) != 8 or not value.isascii() or not value.isdigit():
            raise ValueError(value)
        dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        _fail(path, f"not a day YYYYMMDD: {value[:8]!r}")
    return value


def _choice(raw: Any, path: str, allowed: frozenset[str]) -> str:
    value = _str(raw, path, MAX_NAME)
    if value not in allowed:
        _fail(path, f"not one of {sorted(allowed)}")
    return value


def _json_value(raw: Any, path: str, depth: int = 0) -> Any:
    """Free-form JSON (a record's ``data``): only JSON types, bounded depth, sizes and key counts."""
    if depth > MAX_DEPTH:
        _fail(path, f"nested deeper than {MAX_DEPTH}")
    if raw is None or isinstance(raw, bool | int):
        if isinstance(raw, int) and not isinstance(raw, bool) and abs(raw) > 2**63:
            _fail(path, "integer too large")
        return raw
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            _fail(path, "not a finite number")
        return raw
    if isinstance(raw, str):
        return _str(raw, path, MAX_STRING, empty=True)
    if isinstance(raw, list):
        return [_json_value(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(_list(raw, path, MAX_LIST))]
    if isinstance(raw, dict):
        if len(raw) > MAX_KEYS:
            _fail(path, f"more than {MAX_KEYS} keys")
        out = {}
        for k, v in raw.items():
            if not isinstance(k, str) or len(k) > MAX_NAME:
                _fail(path, "bad key")
            out[k] = _json_value(v, _p(path, k), depth + 1)
        return out
    _fail(path, "not a JSON value")


def _data(raw: Any, path: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        _fail(path, "expected an object")
    data: dict[str, Any] = _json_value(raw, path)
    return data


def _b64(raw: Any, path: str, max_len: int = 200) -> str:
    value = _str(raw, path, max_len)
    try:
        base64.b64decode(value.encode("ascii") + b"=" * (-len(value) % 4), altchars=b"-_", validate=False)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        _fail(path, "not base64")
    return value


def canonical_json(obj: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: the bytes a signature covers."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def parse_body(body: bytes) -> Any:
    """JSON from a request/response body, any failure (bad UTF-8, syntax, recursion) a ProtocolError."""
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError("", f"not JSON: {exc}") from None
    except ValueError as exc:  # an integer literal of thousands of digits (int_max_str_digits)
        raise ProtocolError("", f"not JSON: {str(exc)[:80]}") from None
    except RecursionError:
        raise ProtocolError("", "nested too deeply") from None


# --- messages ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditLink:
    """One link of a counter's tamper-evident audit chain: epoch (a restored counter starts a new one),
    sequence number, this event's hash and the previous event's hash."""

    epoch: int
    seq: int
    hash: str
    prev_hash: str

    def to_json(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "seq": self.seq, "hash": self.hash, "prev_hash": self.prev_hash}

    @classmethod
    def from_json(cls, raw: Any, path: str = "audit") -> AuditLink:
        o = _obj(raw, path, ("epoch", "seq", "hash", "prev_hash"))
        return cls(
            epoch=_int(o["epoch"], _p(path, "epoch")),
            seq=_int(o["seq"], _p(path, "seq")),
            hash=_str(o["hash"], _p(path, "hash"), MAX_NAME, empty=True),
            prev_hash=_str(o["prev_hash"], _p(path, "prev_hash"), MAX_NAME, empty=True),
        )


@dataclass(frozen=True)
class Change:
    """One outbox change of a counter: what was done to which record, from which version."""

    change_id: str
    counter_id: str
    entity: str
    entity_id: str
    op: str  # create | update | transition | resolve
    base_version: int | None
    version: int
    changed: tuple[str, ...]
    data: Mapping[str, Any]
    actor: str
    at: str
    audit: AuditLink
    signature: str = ""

    def _body(self) -> dict[str, Any]:
        return {
            "change_id": self.change_id,
            "counter_id": self.counter_id,
            "entity": self.entity,
            "entity_id": self.entity_id,
            "op": self.op,
            "base_version": self.base_version,
            "version": self.version,
            "changed": list(self.changed),
            "data": dict(self.data),
            "actor": self.actor,
            "at": self.at,
            "audit": self.audit.to_json(),
        }

    def signing_bytes(self) -> bytes:
        """Canonical JSON of everything but the signature."""
        return canonical_json(self._body())

    def to_json(self) -> dict[str, Any]:
        return {**self._body(), "signature": self.signature}

    @classmethod
    def from_json(cls, raw: Any, path: str = "change") -> Change:
        keys = (
            "change_id",
            "counter_id",
            "entity",
            "entity_id",
            "op",
            "base_version",
            "version",
            "changed",
            "data",
            "actor",
            "at",
            "audit",
        )
        o = _obj(raw, path, keys, ("signature",))
        return cls(
            change_id=_str(o["change_id"], _p(path, "change_id")),
            counter_id=_str(o["counter_id"], _p(path, "counter_id")),
            entity=_choice(o["entity"], _p(path, "entity"), PUSH_ENTITIES),
            entity_id=_str(o["entity_id"], _p(path, "entity_id")),
            op=_choice(o["op"], _p(path, "op"), OPS),
            base_version=_opt_int(o["base_version"], _p(path, "base_version")),
            version=_int(o["version"], _p(path, "version")),
            changed=tuple(
                _str(v, f"{path}.changed[{i}]", MAX_NAME)
                for i, v in enumerate(_list(o["changed"], _p(path, "changed"), MAX_FIELDS))
            ),
            data=_data(o["data"], _p(path, "data")),
            actor=_str(o["actor"], _p(path, "actor"), MAX_NAME),
            at=_str(o["at"], _p(path, "at"), MAX_NAME),
            audit=AuditLink.from_json(o["audit"], _p(path, "audit")),
            signature=_str(o.get("signature", ""), _p(path, "signature"), 200, empty=True),
        )


def sign_change(change: Change, key: Ed25519PrivateKey) -> Change:
    """The change with its Ed25519 signature (base64url, no padding) over ``signing_bytes()``."""
    sig = key.sign(change.signing_bytes())
    return replace(change, signature=base64.urlsafe_b64encode(sig).rstrip(b"=").decode("ascii"))


def _b64decode(text: str) -> bytes:
    raw = text.encode("ascii")
    raw += b"=" * (-len(raw) % 4)
    if b"+" in raw or b"/" in raw:
        return base64.b64decode(raw, validate=True)
    return base64.urlsafe_b64decode(raw)


def verify_change(change: Change, public_key_b64: str) -> bool:
    """Whether the change's signature verifies with the counter's public key (raw 32 bytes, base64 or
    base64url). Any malformed key or signature is simply False."""
    key = _public_key(public_key_b64)
    if key is None:
        return False
    try:
        key.verify(_b64decode(change.signature), change.signing_bytes())
    except (InvalidSignature, ValueError, TypeError, binascii.Error, UnicodeEncodeError):
        return False
    return True


@functools.lru_cache(maxsize=256)
def _public_key(public_key_b64: str) -> Ed25519PublicKey | None:
    """The counter's key, parsed once per process (a push verifies up to 500 changes with it)."""
    try:
        return Ed25519PublicKey.from_public_bytes(_b64decode(public_key_b64))
    except (ValueError, TypeError, binascii.Error, UnicodeEncodeError):
        return None


# --- the server key and signed answers ---------------------------------------------------------------

#: Crockford's base32: no I, L, O or U, so a fingerprint read aloud or typed is hard to get wrong
_CROCKFORD: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
FINGERPRINT_CHARS: Final = 24  # 120 bits of SHA-256, in six groups of four


class ServerNotTrusted(CodedError):
    """An answer, page or reply bundle the counter refuses before reading it: not signed by the
    server key it learned at enrollment (``sync.bad_server_signature``), a server key that does not
    match the fingerprint the admin typed (``enroll.server_key_mismatch``), or a counter that never
    learned one (``sync.server_key_unknown``). Nothing was written."""

    def __init__(self, code: str, field: str = "server", **params: object):
        self.code = code
        self.field = field
        self.params = params
        super().__init__(code)

    @property
    def issues(self) -> list[Issue]:
        return [error(self.code, self.field, **self.params)]


class OutOfBounds(CodedError):
    """An answer over one of the counter's bounds (``sync.reply_too_large``: bytes before or after
    inflating; ``sync.out_of_bounds``: a cursor beyond the server's last sequence or going back, a page
    with more records than asked, a receipt high-water mark outside the receipt number's format).
    Refused whole: nothing of it is written and the cursor stays."""

    def __init__(self, code: str, field: str, **params: object):
        self.code = code
        self.field = field
        self.params = params
        super().__init__(f"{code}: {field} {params}")

    @property
    def issues(self) -> list[Issue]:
        return [error(self.code, self.field, **self.params)]


def server_key_fingerprint(public_key_b64: str) -> str:
    """What an admin compares and types: 24 characters of Crockford base32 (120 bits of
    SHA-256 over the raw 32-byte public key), in groups of four (``K7Q2-M9XD-…``)."""
    raw = _b64decode(public_key_b64)
    n = int.from_bytes(hashlib.sha256(b"liangxian-server-key/1|" + raw).digest()[:15], "big")
    text = "".join(_CROCKFORD[(n >> (5 * i)) & 31] for i in reversed(range(FINGERPRINT_CHARS)))
    return "-".join(text[i : i + 4] for i in range(0, FINGERPRINT_CHARS, 4))


def normalise_fingerprint(text: str) -> str | None:
    """A typed fingerprint in its printed form: case, spaces and dashes do not matter, and O, I and L
    are read as 0, 1 and 1; None when it cannot be one."""
    t = "".join(text.split()).replace("-", "").upper().translate(str.maketrans("OIL", "011"))
    if len(t) != FINGERPRINT_CHARS or any(c not in _CROCKFORD for c in t):
        return None
    return "-".join(t[i : i + 4] for i in range(0, FINGERPRINT_CHARS, 4))


def public_key_of(key: Ed25519PrivateKey) -> str:
    """The public half of an Ed25519 key: base64 of its raw 32 bytes."""
    from cryptography.hazmat.primitives import serialization

    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def answer_signing_bytes(
    *, method: str, path: str, token: str, nonce: str, request_body: bytes, answer_body: bytes
) -> bytes:
    """What the server key signs for one answer: the request (method, route path, SHA-256 of the
    bearer token, the counter's fresh nonce, SHA-256 of the request body as sent, uncompressed) and
    SHA-256 of the answer body (uncompressed)."""
    return canonical_json(
        {
            "v": "liangxian-answer/1",
            "method": method.upper(),
            "path": path,
            "token_sha256": hashlib.sha256(token.encode("utf-8")).hexdigest(),
            "nonce": nonce,
            "request_sha256": hashlib.sha256(request_body).hexdigest(),
            "answer_sha256": hashlib.sha256(answer_body).hexdigest(),
        }
    )


def sign_answer(key: Ed25519PrivateKey, **what: Any) -> str:
    """The answer's signature (base64url, no padding), sent as ``SIGNATURE_HEADER``."""
    sig = key.sign(answer_signing_bytes(**what))
    return base64.urlsafe_b64encode(sig).rstrip(b"=").decode("ascii")


def verify_answer(public_key_b64: str, signature: str, **what: Any) -> bool:
    """Whether ``signature`` is the server key's over this request and answer; anything malformed is
    simply False."""
    key = _public_key(public_key_b64)
    if key is None or not signature or len(signature) > 200:
        return False
    try:
        key.verify(_b64decode(signature), answer_signing_bytes(**what))
    except (InvalidSignature, ValueError, TypeError, binascii.Error, UnicodeEncodeError):
        return False
    return True


def _issue_json(raw: Any, path: str) -> dict[str, str]:
    keys = ("code", "field", "message_zh", "message_bo", "message_en")
    o = _obj(raw, path, ("code",), keys[1:])
    return {k: _str(o.get(k, ""), _p(path, k), 4096, empty=True) for k in keys}


@dataclass(frozen=True)
class ChangeResult:
    """The server's answer to one change: applied | duplicate | rejected | conflict."""

    change_id: str
    status: str
    version: int | None = None
    merged_into: str | None = None
    conflicts: tuple[str, ...] = ()
    errors: tuple[Mapping[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "change_id": self.change_id,
            "status": self.status,
            "version": self.version,
            "merged_into": self.merged_into,
            "conflicts": list(self.conflicts),
            "errors": [dict(e) for e in self.errors],
        }

    @classmethod
    def from_json(cls, raw: Any, path: str = "result") -> ChangeResult:
        o = _obj(raw, path, ("change_id", "status"), ("version", "merged_into", "conflicts", "errors"))
        return cls(
            change_id=_str(o["change_id"], _p(path, "change_id")),
            status=_choice(o["status"], _p(path, "status"), STATUSES),
            version=_opt_int(o.get("version"), _p(path, "version")),
            merged_into=_opt_str(o.get("merged_into"), _p(path, "merged_into")),
            conflicts=tuple(
                _str(v, f"{path}.conflicts[{i}]")
                for i, v in enumerate(_list(o.get("conflicts", []), _p(path, "conflicts"), MAX_FIELDS))
            ),
            errors=tuple(
                _issue_json(v, f"{path}.errors[{i}]")
                for i, v in enumerate(_list(o.get("errors", []), _p(path, "errors"), 100))
            ),
        )


@dataclass(frozen=True)
class PushRequest:
    counter_id: str
    changes: tuple[Change, ...]

    def to_json(self) -> dict[str, Any]:
        return {"counter_id": self.counter_id, "changes": [c.to_json() for c in self.changes]}

    @classmethod
    def from_json(cls, raw: Any) -> PushRequest:
        o = _obj(raw, "", ("counter_id", "changes"))
        changes = o["changes"]
        if isinstance(changes, list) and len(changes) > MAX_BATCH:
            raise ProtocolError("changes", f"more than {MAX_BATCH} changes", code="sync.batch_too_large")
        return cls(
            counter_id=_str(o["counter_id"], "counter_id"),
            changes=tuple(
                Change.from_json(c, f"changes[{i}]")
                for i, c in enumerate(_list(changes, "changes", MAX_BATCH))
            ),
        )


@dataclass(frozen=True)
class PushResponse:
    results: tuple[ChangeResult, ...]

    def to_json(self) -> dict[str, Any]:
        return {"results": [r.to_json() for r in self.results]}

    @classmethod
    def from_json(cls, raw: Any) -> PushResponse:
        o = _obj(raw, "", ("results",))
        return cls(
            results=tuple(
                ChangeResult.from_json(r, f"results[{i}]")
                for i, r in enumerate(_list(o["results"], "results", MAX_BATCH))
            )
        )


@dataclass(frozen=True)
class PullRequest:
    cursor: int
    limit: int = 1000
    entities: tuple[str, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "cursor": self.cursor,
            "limit": self.limit,
            "entities": list(self.entities) if self.entities is not None else None,
        }

    @classmethod
    def from_json(cls, raw: Any) -> PullRequest:
        o = _obj(raw, "", ("cursor",), ("limit", "entities"))
        entities = o.get("entities")
        return cls(
            cursor=_int(o["cursor"], "cursor"),
            limit=_int(o.get("limit", 1000), "limit", 1, MAX_PAGE),
            entities=None
            if entities is None
            else tuple(
                _choice(e, f"entities[{i}]", PULL_ENTITIES)
                for i, e in enumerate(_list(entities, "entities", len(PULL_ENTITIES)))
            ),
        )


@dataclass(frozen=True)
class Record:
    """The server's current state of one record (``data`` None with ``merged_into`` for a person
    merged into another)."""

    server_seq: int
    entity: str
    entity_id: str
    version: int
    data: Mapping[str, Any] | None
    merged_into: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "server_seq": self.server_seq,
            "entity": self.entity,
            "entity_id": self.entity_id,
            "version": self.version,
            "data": dict(self.data) if self.data is not None else None,
            "merged_into": self.merged_into,
        }

    @classmethod
    def from_json(cls, raw: Any, path: str = "record") -> Record:
        o = _obj(raw, path, ("server_seq", "entity", "entity_id", "version", "data"), ("merged_into",))
        return cls(
            server_seq=_int(o["server_seq"], _p(path, "server_seq")),
            entity=_choice(o["entity"], _p(path, "entity"), PULL_ENTITIES),
            entity_id=_str(o["entity_id"], _p(path, "entity_id")),
            version=_int(o["version"], _p(path, "version")),
            data=None if o["data"] is None else _data(o["data"], _p(path, "data")),
            merged_into=_opt_str(o.get("merged_into"), _p(path, "merged_into")),
        )


@dataclass(frozen=True)
class PullResponse:
    """One page: records after the asked cursor, the cursor to ask next, whether more waits, and the
    county's last sequence when the page was read (``last_seq``: the counter never takes a cursor
    beyond it)."""

    records: tuple[Record, ...]
    cursor: int
    more: bool
    last_seq: int

    def to_json(self) -> dict[str, Any]:
        return {
            "records": [r.to_json() for r in self.records],
            "cursor": self.cursor,
            "more": self.more,
            "last_seq": self.last_seq,
        }

    @classmethod
    def from_json(cls, raw: Any) -> PullResponse:
        o = _obj(raw, "", ("records", "cursor", "more", "last_seq"))
        if not isinstance(o["more"], bool):
            _fail("more", "expected a boolean")
        return cls(
            records=tuple(
                Record.from_json(r, f"records[{i}]")
                for i, r in enumerate(_list(o["records"], "records", MAX_PAGE))
            ),
            cursor=_int(o["cursor"], "cursor"),
            more=o["more"],
            last_seq=_int(o["last_seq"], "last_seq"),
        )


@dataclass(frozen=True)
class Hello:
    counter_id: str
    audit_epoch: int
    audit_seq: int
    audit_hash: str

    def to_json(self) -> dict[str, Any]:
        return {
            "counter_id": self.counter_id,
            "audit_epoch": self.audit_epoch,
            "audit_seq": self.audit_seq,
            "audit_hash": self.audit_hash,
        }

    @classmethod
    def from_json(cls, raw: Any) -> Hello:
        o = _obj(raw, "", ("counter_id", "audit_epoch", "audit_seq", "audit_hash"))
        return cls(
            counter_id=_str(o["counter_id"], "counter_id"),
            audit_epoch=_int(o["audit_epoch"], "audit_epoch"),
            audit_seq=_int(o["audit_seq"], "audit_seq"),
            audit_hash=_str(o["audit_hash"], "audit_hash", MAX_NAME, empty=True),
        )


@dataclass(frozen=True)
class HelloResponse:
    """The server's view of this counter: the last audit link it acknowledged and, per day
    (``YYYYMMDD``), the highest receipt sequence number it has seen from this counter."""

    server_id: str
    protocol: int
    region: str
    county_code: str
    counter_no: int
    acknowledged: AuditLink | None
    receipt_high_water: Mapping[str, int]
    server_time: str

    def to_json(self) -> dict[str, Any]:
        return {
            "server_id": self.server_id,
            "protocol": self.protocol,
            "region": self.region,
            "county_code": self.county_code,
            "counter_no": self.counter_no,
            "acknowledged": self.acknowledged.to_json() if self.acknowledged else None,
            "receipt_high_water": dict(self.receipt_high_water),
            "server_time": self.server_time,
        }

    @classmethod
    def from_json(cls, raw: Any) -> HelloResponse:
        keys = (
            "server_id",
            "protocol",
            "region",
            "county_code",
            "counter_no",
            "acknowledged",
            "receipt_high_water",
            "server_time",
        )
        o = _obj(raw, "", keys)
        hw = o["receipt_high_water"]
        if not isinstance(hw, dict) or len(hw) > 40_000:  # a century of days
            _fail("receipt_high_water", "expected an object")
        return cls(
            server_id=_str(o["server_id"], "server_id"),
            protocol=_int(o["protocol"], "protocol"),
            region=_str(o["region"], "region"),
            county_code=_str(o["county_code"], "county_code"),
            counter_no=_int(o["counter_no"], "counter_no", 0, 99),
            acknowledged=None
            if o["acknowledged"] is None
            else AuditLink.from_json(o["acknowledged"], "acknowledged"),
            receipt_high_water={
                _day(k, "receipt_high_water"): _int(v, f"receipt_high_water.{k}", 0, MAX_RECEIPT_SEQ)
                for k, v in hw.items()
            },
            server_time=_str(o["server_time"], "server_time"),
        )


@dataclass(frozen=True)
class Counts:
    """Records per entity of the county (the sanity check at the end of a sync)."""

    counts: Mapping[str, int]

    def to_json(self) -> dict[str, Any]:
        return {"counts": dict(self.counts)}

    @classmethod
    def from_json(cls, raw: Any) -> Counts:
        o = _obj(raw, "", ("counts",))
        c = o["counts"]
        if not isinstance(c, dict):
            _fail("counts", "expected an object")
        return cls(counts={_choice(k, "counts", PULL_ENTITIES): _int(v, f"counts.{k}") for k, v in c.items()})


@dataclass(frozen=True)
class EnrollRequest:
    code: str
    counter_id: str
    county_code: str
    counter_no: int
    public_key_b64: str
    #: the counter's own users (``StaffOffer``): the server makes each one it does not know yet a staff
    #: user of the county, authorised by the central admin's one-time code (docs/central.md)
    staff: tuple[StaffOffer, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "counter_id": self.counter_id,
            "county_code": self.county_code,
            "counter_no": self.counter_no,
            "public_key_b64": self.public_key_b64,
        }
        if self.staff:
            out["staff"] = [u.to_json() for u in self.staff]
        return out

    @classmethod
    def from_json(cls, raw: Any) -> EnrollRequest:
        o = _obj(raw, "", ("code", "counter_id", "county_code", "counter_no", "public_key_b64"), ("staff",))
        staff = _list(o.get("staff", []), "staff", MAX_STAFF_OFFER)
        return cls(
            code=_str(o["code"], "code", MAX_NAME),
            counter_id=_str(o["counter_id"], "counter_id"),
            county_code=_str(o["county_code"], "county_code", 6),
            counter_no=_int(o["counter_no"], "counter_no", 1, 99),
            public_key_b64=_b64(o["public_key_b64"], "public_key_b64"),
            staff=tuple(StaffOffer.from_json(u, f"staff[{i}]") for i, u in enumerate(staff)),
        )


#: at most this many users offered at enrollment
MAX_STAFF_OFFER = 200


@dataclass(frozen=True)
class StaffOffer:
    """One user of a counter offered at enrollment: name, role, argon2id hash (None: no password)."""

    username: str
    role: str
    password_hash: str | None
    active: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "role": self.role,
            "password_hash": self.password_hash,
            "active": self.active,
        }

    @classmethod
    def from_json(cls, raw: Any, path: str) -> StaffOffer:
        o = _obj(raw, path, ("username", "role", "password_hash"), ("active",))
        active = o.get("active", True)
        if not isinstance(active, bool):
            _fail(_p(path, "active"), "expected true or false")
        return cls(
            username=_str(o["username"], _p(path, "username"), 64),
            role=_choice(o["role"], _p(path, "role"), frozenset({"clerk", "reviewer", "admin"})),
            password_hash=_opt_str(o["password_hash"], _p(path, "password_hash"), 200),
            active=active,
        )


@dataclass(frozen=True)
class EnrollResponse:
    server_id: str
    token: str
    expires_at: str
    region: str
    county_code: str
    counter_no: int
    server_box_public_key_b64: str
    #: the server's Ed25519 public key (what signs every answer); the counter takes it only when its
    #: fingerprint is the one its admin typed, and only from an answer signed by it
    server_key_b64: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "server_id": self.server_id,
            "token": self.token,
            "expires_at": self.expires_at,
            "region": self.region,
            "county_code": self.county_code,
            "counter_no": self.counter_no,
            "server_box_public_key_b64": self.server_box_public_key_b64,
            "server_key_b64": self.server_key_b64,
        }

    @classmethod
    def from_json(cls, raw: Any) -> EnrollResponse:
        keys = (
            "server_id",
            "token",
            "expires_at",
            "region",
            "county_code",
            "counter_no",
            "server_box_public_key_b64",
        )
        o = _obj(raw, "", keys, ("server_key_b64",))
        return cls(
            server_id=_str(o["server_id"], "server_id"),
            token=_str(o["token"], "token", MAX_NAME),
            expires_at=_str(o["expires_at"], "expires_at"),
            region=_str(o["region"], "region"),
            county_code=_str(o["county_code"], "county_code", 6),
            counter_no=_int(o["counter_no"], "counter_no", 1, 99),
            server_box_public_key_b64=_b64(o["server_box_public_key_b64"], "server_box_public_key_b64"),
            server_key_b64=_b64(o["server_key_b64"], "server_key_b64") if o.get("server_key_b64") else "",
        )


@typing.runtime_checkable
class SyncProtocol(typing.Protocol):
    """What the client engine talks to: the server in process (``central.service``) or over HTTP
    (``sync.http.HttpSync``)."""

    def hello(self, req: Hello) -> HelloResponse: ...

    def push(self, req: PushRequest) -> PushResponse: ...

    def pull(self, req: PullRequest) -> PullResponse: ...

    def counts(self) -> Counts: ...


__all__ = [
    "MAX_BATCH",
    "MAX_BODY_BYTES",
    "MAX_NONCE",
    "MAX_PAGE",
    "MAX_RECEIPT_SEQ",
    "MAX_REPLY_BYTES",
    "NONCE_HEADER",
    "PROTOCOL_VERSION",
    "SIGNATURE_HEADER",
    "AuditLink",
    "Change",
    "ChangeResult",
    "Counts",
    "EnrollRequest",
    "EnrollResponse",
    "Hello",
    "HelloResponse",
    "OutOfBounds",
    "ProtocolError",
    "PullRequest",
    "PullResponse",
    "PushRequest",
    "PushResponse",
    "Record",
    "ServerNotTrusted",
    "SyncProtocol",
    "SyncRefused",
    "SyncUnavailable",
    "answer_signing_bytes",
    "canonical_json",
    "normalise_fingerprint",
    "parse_body",
    "public_key_of",
    "server_key_fingerprint",
    "sign_answer",
    "sign_change",
    "verify_answer",
    "verify_change",
]

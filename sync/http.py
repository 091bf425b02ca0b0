"""``SyncProtocol`` over HTTP (httpx): what a counter uses to reach the central server.

Request bodies are gzip-compressed, responses are asked for gzip. Connection errors, timeouts and 5xx
answers are retried with exponential backoff (tenacity); when the retries are spent the link counts as
down: ``SyncUnavailable`` (``sync.no_link``; nothing was decided, the same request may be sent again —
push is idempotent by change id). A 4xx answer is the server refusing the request as a whole:
``SyncRefused`` with its coded errors.

Every answer must be signed by the server key (``server_key``: learned at enrollment, checked there
against the fingerprint the admin typed): the counter sends a fresh random nonce with each request
(``X-Liangxian-Nonce``) and refuses an answer whose ``X-Liangxian-Signature`` does not verify over
that request and the answer's exact bytes (``ServerNotTrusted``: ``sync.bad_server_signature``; not
retried, nothing written). Answers are read as a stream with a limit: at most ``MAX_REPLY_BYTES``
from the wire and at most ``MAX_REPLY_BYTES`` once inflated (``OutOfBounds``: ``sync.reply_too_large``);
a gzip bomb stops there.

Timeouts suit a 200 ms / 256 kbit/s link: httpx's read and write timeouts apply to each network
operation, not to a whole body, so a slow but moving transfer never times out; a stalled one does.
Pages can be made small with ``PullRequest.limit``.
"""

from __future__ import annotations

import gzip
import ipaddress
import json
import logging
import secrets
import zlib
from typing import Any
from urllib.parse import urlsplit

import httpx
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from forms.errors import error
from sync.protocol import (
    MAX_REPLY_BYTES,
    NONCE_HEADER,
    SIGNATURE_HEADER,
    Counts,
    EnrollRequest,
    EnrollResponse,
    Hello,
    HelloResponse,
    OutOfBounds,
    ProtocolError,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    ServerNotTrusted,
    SyncRefused,
    SyncUnavailable,
    normalise_fingerprint,
    parse_body,
    verify_answer,
)
from sync.protocol import (
    server_key_fingerprint as fingerprint_of,
)

log = logging.getLogger(__name__)
USER_AGENT = "liangxian-counter/1"


class _ServerError(Exception):
    def __init__(self, status: int, text: str):
        self.status = status
        super().__init__(f"HTTP {status}: {text[:200]}")


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, httpx.TransportError | _ServerError)


#: what the counter reads of a refusal (4xx) or a server error (5xx) at most
MAX_ERROR_BYTES = 64 * 1024


def _refusal(status: int, body: bytes) -> SyncRefused:
    try:
        raw = json.loads(body.decode("utf-8"))
        errors = raw.get("errors") if isinstance(raw, dict) else None
        if isinstance(errors, list) and all(isinstance(e, dict) for e in errors) and 0 < len(errors) <= 100:
            return SyncRefused(status, [{str(k): str(v)[:4096] for k, v in e.items()} for e in errors])
    except (ValueError, UnicodeDecodeError, RecursionError):
        pass
    return SyncRefused(status, [error("sync.refused", "", status=status)])


def is_loopback(url: str) -> bool:
    """Whether ``url`` names this machine (``localhost``, 127.0.0.0/8, ::1)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_limited(resp: httpx.Response, limit: int) -> bytes:
    """The answer's body as a stream, inflated when gzip, never more than ``limit`` bytes from the wire
    nor once inflated (``sync.reply_too_large``). A gzip stream cut short is the link's fault
    (``httpx.RemoteProtocolError``: retried)."""
    encoding = resp.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip", ""):
        raise ProtocolError("content-encoding", f"not gzip or identity: {encoding[:40]}")
    declared = resp.headers.get("content-length", "")
    if declared.isdigit() and (len(declared) > 12 or int(declared) > limit):
        raise OutOfBounds("sync.reply_too_large", "reply", limit=limit)
    inflater = zlib.decompressobj(wbits=31) if encoding == "gzip" else None
    wire = 0
    out = bytearray()
    try:
        for chunk in resp.iter_raw():
            wire += len(chunk)
            if wire > limit:
                raise OutOfBounds("sync.reply_too_large", "reply", limit=limit)
            if inflater is None:
                out += chunk
            else:
                out += inflater.decompress(chunk, limit + 1 - len(out))
                if len(out) > limit or inflater.unconsumed_tail:
                    raise OutOfBounds("sync.reply_too_large", "reply", limit=limit)
        if inflater is not None:
            out += inflater.flush()
            if len(out) > limit:
                raise OutOfBounds("sync.reply_too_large", "reply", limit=limit)
            if not inflater.eof:
                raise httpx.RemoteProtocolError("gzip answer cut short")
    except zlib.error as exc:
        raise httpx.RemoteProtocolError(f"gzip answer unreadable: {exc}") from exc
    return bytes(out)


class _Transport:
    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        server_key: str | None,
        timeout: float,
        retries: int,
        backoff: float,
        limit: int = MAX_REPLY_BYTES,
    ):
        # gzip is decoded here, with a limit, never by httpx
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
        )
        self.token = token or ""
        self.server_key = server_key
        self.retries = retries
        self.backoff = backoff
        self.limit = limit

    def close(self) -> None:
        self.client.close()

    def _once(self, method: str, path: str, body: bytes | None) -> tuple[bytes, str, str]:
        nonce = secrets.token_urlsafe(18)
        headers = {NONCE_HEADER: nonce}
        if body is not None:
            headers |= {"Content-Type": "application/json", "Content-Encoding": "gzip"}
        with self.client.stream(method, path, content=body, headers=headers) as resp:
            if resp.status_code >= 400:
                text = read_limited(resp, MAX_ERROR_BYTES)
                if resp.status_code >= 500:
                    raise _ServerError(resp.status_code, text.decode("utf-8", "replace"))
                raise _refusal(resp.status_code, text)
            answer = read_limited(resp, self.limit)
            return answer, nonce, resp.headers.get(SIGNATURE_HEADER, "")

    def call(self, method: str, path: str, payload: dict[str, Any] | None = None, *, what: str) -> Any:
        """The verified answer to one request, parsed. ``what`` names it in a refusal."""
        plain = (
            json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            if payload is not None
            else b""
        )
        body = gzip.compress(plain, 6) if payload is not None else None
        try:
            for attempt in Retrying(
                retry=retry_if_exception(_retryable),
                stop=stop_after_attempt(self.retries),
                wait=wait_exponential(multiplier=self.backoff, max=30),
                reraise=False,
            ):
                with attempt:
                    answer, nonce, signature = self._once(method, path, body)
        except RetryError as exc:
            last = exc.last_attempt.exception()
            log.warning("sync link down after %d attempts: %s", self.retries, last)
            raise SyncUnavailable(str(last) or type(last).__name__) from last
        signed = {
            "method": method,
            "path": path,
            "token": self.token,
            "nonce": nonce,
            "request_body": plain,
            "answer_body": answer,
        }
        key = self.server_key
        if key is None:  # the server key's own answer: signed by the key it offers (fingerprint: caller)
            offered = parse_body(answer)
            key = str(offered.get("server_key_b64", ""))[:100] if isinstance(offered, dict) else ""
        self._verify(key, signature, signed, what)
        return parse_body(answer)

    def _verify(self, key: str, signature: str, signed: dict[str, Any], what: str) -> None:
        if not key or not verify_answer(key, signature, **signed):
            log.warning("%s %s: the answer is not signed by the server key", signed["method"], signed["path"])
            raise ServerNotTrusted("sync.bad_server_signature", "server", what=what)


class HttpSync:
    """The central server at ``base_url`` (e.g. ``https://ybj.example.cn/liangxian``) as this counter
    (bearer ``token``), trusting only answers signed by ``server_key`` (base64 of the server's Ed25519
    public key, as learned at enrollment)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        server_key: str,
        timeout: float = 30.0,
        retries: int = 5,
        backoff: float = 0.5,
    ):
        if not server_key:
            raise ServerNotTrusted("sync.server_key_unknown", "db")
        self._t = _Transport(
            base_url, token, server_key=server_key, timeout=timeout, retries=retries, backoff=backoff
        )

    def close(self) -> None:
        self._t.close()

    def __enter__(self) -> HttpSync:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def hello(self, req: Hello) -> HelloResponse:
        return HelloResponse.from_json(self._t.call("POST", "/v1/hello", req.to_json(), what="hello"))

    def push(self, req: PushRequest) -> PushResponse:
        return PushResponse.from_json(self._t.call("POST", "/v1/push", req.to_json(), what="push"))

    def pull(self, req: PullRequest) -> PullResponse:
        return PullResponse.from_json(self._t.call("POST", "/v1/pull", req.to_json(), what="pull"))

    def counts(self) -> Counts:
        return Counts.from_json(self._t.call("GET", "/v1/counts", what="counts"))


def enroll(
    base_url: str,
    req: EnrollRequest,
    *,
    server_key_fingerprint: str,
    insecure_http: bool = False,
    timeout: float = 30.0,
    retries: int = 5,
    backoff: float = 0.5,
) -> EnrollResponse:
    """Enroll this counter with a one-time code; the answer carries its bearer token and the server
    key, taken only when its fingerprint is ``server_key_fingerprint`` (what the admin typed, from
    ``liangxian central counter add``) and the answer is signed by it. ``http://`` to anything but
    this machine is refused unless ``insecure_http`` (answers are signed either way)."""
    expected = normalise_fingerprint(server_key_fingerprint)
    if expected is None:
        raise ServerNotTrusted("enroll.server_key_format", "server_key", value=server_key_fingerprint[:40])
    scheme = urlsplit(base_url).scheme.lower()
    if scheme not in ("http", "https"):
        raise ServerNotTrusted("enroll.bad_url", "server", url=base_url[:200])
    if scheme == "http" and not insecure_http and not is_loopback(base_url):
        raise ServerNotTrusted("enroll.insecure_http", "server", url=base_url[:200])
    # first the server's key, signed over a fresh nonce: the code is sent only to the key typed
    t = _Transport(base_url, None, server_key=None, timeout=timeout, retries=retries, backoff=backoff)
    try:
        offered = t.call("GET", "/v1/key", what="server key")
        key = str(offered.get("server_key_b64", "")) if isinstance(offered, dict) else ""
        got = fingerprint_of(key)
        if got != expected:
            raise ServerNotTrusted("enroll.server_key_mismatch", "server_key", expected=expected, got=got)
        t.server_key = key
        answer = EnrollResponse.from_json(t.call("POST", "/v1/enroll", req.to_json(), what="enroll"))
    finally:
        t.close()
    if answer.server_key_b64 != key:
        raise ServerNotTrusted("sync.bad_server_signature", "server", what="enroll")
    return answer

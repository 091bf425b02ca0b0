"""``SyncProtocol`` over HTTP (httpx): what a counter uses to reach the central server.

Request bodies are gzip-compressed, responses are asked for gzip. Connection errors, timeouts and 5xx
answers are retried with exponential backoff (tenacity); when the retries are spent the link counts as
down: ``SyncUnavailable`` (``sync.no_link``; nothing was decided, the same request may be sent again —
push is idempotent by change id). A 4xx answer is the server refusing the request as a whole:
``SyncRefused`` with its coded errors.

Timeouts suit a 200 ms / 256 kbit/s link: httpx's read and write timeouts apply to each network
operation, not to a whole body, so a slow but moving transfer never times out; a stalled one does.
Pages can be made small with ``PullRequest.limit``.
"""

from __future__ import annotations

import gzip
import json
import logging
from typing import Any

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
    SyncRefused,
    SyncUnavailable,
    parse_body,
)

log = logging.getLogger(__name__)
USER_AGENT = "liangxian-counter/1"


class _ServerError(Exception):
    def __init__(self, status: int, text: str):
        self.status = status
        super().__init__(f"HTTP {status}: {text[:200]}")


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, httpx.TransportError | _ServerError)


def _refusal(resp: httpx.Response) -> SyncRefused:
    try:
        raw = resp.json()
        errors = raw.get("errors") if isinstance(raw, dict) else None
        if isinstance(errors, list) and all(isinstance(e, dict) for e in errors) and errors:
            return SyncRefused(resp.status_code, [{str(k): str(v) for k, v in e.items()} for e in errors])
    except (ValueError, json.JSONDecodeError):
        pass
    return SyncRefused(resp.status_code, [error("sync.refused", "", status=resp.status_code)])


class _Transport:
    def __init__(self, base_url: str, token: str | None, *, timeout: float, retries: int, backoff: float):
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
        )
        self.retries = retries
        self.backoff = backoff

    def close(self) -> None:
        self.client.close()

    def _once(self, method: str, path: str, body: bytes | None) -> Any:
        headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"} if body is not None else {}
        resp = self.client.request(method, path, content=body, headers=headers)
        if resp.status_code >= 500:
            raise _ServerError(resp.status_code, resp.text)
        if resp.status_code >= 400:
            raise _refusal(resp)
        try:
            return parse_body(resp.content)
        except ProtocolError as exc:
            # a reply cut short by the link decodes badly: the link, not the server, failed
            raise httpx.RemoteProtocolError(f"unreadable reply: {exc.detail}") from exc

    def call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        body = (
            gzip.compress(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)
            if payload is not None
            else None
        )
        try:
            for attempt in Retrying(
                retry=retry_if_exception(_retryable),
                stop=stop_after_attempt(self.retries),
                wait=wait_exponential(multiplier=self.backoff, max=30),
                reraise=False,
            ):
                with attempt:
                    return self._once(method, path, body)
        except RetryError as exc:
            last = exc.last_attempt.exception()
            log.warning("sync link down after %d attempts: %s", self.retries, last)
            raise SyncUnavailable(str(last) or type(last).__name__) from last
        raise AssertionError("unreachable")  # pragma: no cover


class HttpSync:
    """The central server at ``base_url`` (e.g. ``https://ybj.example.cn/liangxian``) as this counter
    (bearer ``token``)."""

    def __init__(
        self, base_url: str, token: str, *, timeout: float = 30.0, retries: int = 5, backoff: float = 0.5
    ):
        self._t = _Transport(base_url, token, timeout=timeout, retries=retries, backoff=backoff)

    def close(self) -> None:
        self._t.close()

    def __enter__(self) -> HttpSync:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def hello(self, req: Hello) -> HelloResponse:
        return HelloResponse.from_json(self._t.call("POST", "/v1/hello", req.to_json()))

    def push(self, req: PushRequest) -> PushResponse:
        return PushResponse.from_json(self._t.call("POST", "/v1/push", req.to_json()))

    def pull(self, req: PullRequest) -> PullResponse:
        return PullResponse.from_json(self._t.call("POST", "/v1/pull", req.to_json()))

    def counts(self) -> Counts:
        return Counts.from_json(self._t.call("GET", "/v1/counts"))


def enroll(
    base_url: str, req: EnrollRequest, *, timeout: float = 30.0, retries: int = 5, backoff: float = 0.5
) -> EnrollResponse:
    """Enroll this counter with a one-time code; the answer carries its bearer token."""
    t = _Transport(base_url, None, timeout=timeout, retries=retries, backoff=backoff)
    try:
        return EnrollResponse.from_json(t.call("POST", "/v1/enroll", req.to_json()))
    finally:
        t.close()

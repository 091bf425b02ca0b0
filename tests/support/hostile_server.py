"""A central server of our own that lies: a real HTTP server (``http.server`` in a thread, on a free
loopback port) answering the sync routes from a real ``CentralServer`` in process, then tampering with
what it sends before it goes on the wire — unsigned, signed by another key, replayed, oversized,
gzip bombs, looping pages, impossible cursors and high-water marks. What a fake server on the county
LAN, or a broken one, could send a counter (issue 24, findings 1 and 2)."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central.service import CentralServer
from sync.protocol import (
    NONCE_HEADER,
    SIGNATURE_HEADER,
    EnrollRequest,
    Hello,
    PullRequest,
    PushRequest,
    SyncRefused,
    public_key_of,
    sign_answer,
)

#: (route, the honest answer as JSON) → the answer to send as JSON
Tamper = Callable[[str, dict[str, Any]], dict[str, Any]]
#: route → the body bytes to send as they are, and extra headers (None: answer as usual)
Raw = Callable[[str], tuple[bytes, dict[str, str]] | None]


@dataclass
class Sent:
    """One request as the counter sent it."""

    method: str
    path: str
    body: bytes
    token: str
    nonce: str


@dataclass
class HostileServer:
    """``sign_with``: the key that signs the answers (None: unsigned); ``tamper`` and ``raw`` change
    them; ``bad`` spoils the signature of a route's answers: ``unsigned``, ``other_key`` (a valid
    signature by a key of its own) or ``replayed`` (every answer after the first is the first one
    again, with its genuine signature, as a replaying man in the middle would send it);
    ``offered_key``: the key ``/v1/key`` and enroll offer (default: the signing key's)."""

    central: CentralServer
    sign_with: Ed25519PrivateKey | None
    tamper: Tamper = lambda _route, msg: msg
    raw: Raw = lambda _route: None
    bad: dict[str, str] = field(default_factory=dict)
    offered_key: str | None = None
    requests: list[Sent] = field(default_factory=list)
    _stash: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    _httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def answer(self, method: str, route: str, token: str, body: bytes) -> dict[str, Any]:
        """The honest answer of the real server behind."""
        raw = json.loads(body) if body else None
        if route == "/v1/key":
            key = self.offered_key or (public_key_of(self.sign_with) if self.sign_with else "")
            return {"server_id": self.central.info().server_id, "server_key_b64": key}
        if route == "/v1/enroll":
            out = self.central.enroll(EnrollRequest.from_json(raw)).to_json()
            out["server_key_b64"] = self.offered_key or (
                public_key_of(self.sign_with) if self.sign_with else ""
            )
            return out
        session = self.central.session(token)
        if route == "/v1/hello":
            return session.hello(Hello.from_json(raw)).to_json()
        if route == "/v1/push":
            return session.push(PushRequest.from_json(raw)).to_json()
        if route == "/v1/pull":
            return session.pull(PullRequest.from_json(raw)).to_json()
        return session.counts().to_json()

    def start(self) -> HostileServer:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:  # quiet
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                route = self.path
                token = self.headers.get("Authorization", "").partition(" ")[2]
                nonce = self.headers.get(NONCE_HEADER, "")
                outer.requests.append(Sent(self.command, route, body, token, nonce))
                override = outer.raw(route)
                if override is not None:
                    data, headers = override
                    self._send(200, data, headers)
                    return
                spoil = outer.bad.get(route)
                if spoil == "replayed" and route in outer._stash:
                    data, signature = outer._stash[route]
                    self._send(200, data, {SIGNATURE_HEADER: signature})
                    return
                try:
                    msg = outer.tamper(route, outer.answer(self.command, route, token, body))
                except SyncRefused as exc:
                    self._send(exc.status, json.dumps({"errors": exc.to_json()}).encode(), {})
                    return
                data = json.dumps(msg, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
                headers = {}
                key = Ed25519PrivateKey.generate() if spoil == "other_key" else outer.sign_with
                if key is not None and spoil != "unsigned":
                    headers[SIGNATURE_HEADER] = sign_answer(
                        key,
                        method=self.command,
                        path=route,
                        token=token,
                        nonce=nonce,
                        request_body=body,
                        answer_body=data,
                    )
                outer._stash.setdefault(route, (data, headers.get(SIGNATURE_HEADER, "")))
                self._send(200, data, headers)

            def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the counter stopped reading: refused
                    pass

            do_GET = _handle
            do_POST = _handle

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, name="hostile-server", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def gzip_bomb(inflated: int) -> bytes:
    """A gzip stream of ``inflated`` bytes of JSON-looking padding, made in pieces (the bomb itself is
    never held inflated)."""
    import zlib

    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b" " * (1 << 20)
    parts = [z.compress(b'{"records":[')]
    for _ in range(inflated // len(chunk)):
        parts.append(z.compress(chunk))
    parts.append(z.flush())
    return b"".join(parts)


def signed_raw(h: HostileServer, key: Ed25519PrivateKey, data: bytes) -> tuple[bytes, dict[str, str]]:
    """``data`` as the answer to the request ``h`` just received, genuinely signed by ``key`` (what a
    real server with a bug, or with its key stolen, would send)."""
    sent = h.requests[-1]
    signature = sign_answer(
        key,
        method=sent.method,
        path=sent.path,
        token=sent.token,
        nonce=sent.nonce,
        request_body=sent.body,
        answer_body=data,
    )
    return data, {SIGNATURE_HEADER: signature}

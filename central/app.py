"""The central server over HTTP (FastAPI): GET /v1/key, POST /v1/enroll, /v1/hello, /v1/push,
/v1/pull, GET /v1/counts. Every request but enroll carries ``Authorization: Bearer <token>``.

Bodies are read by hand, not by a framework parser: a ``Content-Length`` over the limit is refused
before a byte is read, a body is read only up to ``MAX_BODY_BYTES`` (compressed), and a gzip body is
inflated only up to ``MAX_BODY_BYTES`` (a gzip bomb stops there). Every refusal is the common envelope
``{"errors": [{code, field, message_zh, message_bo, message_en}]}``; nothing unexpected reaches a
client as a traceback (it is logged, the client gets ``sync.internal``). A 405 names the allowed
method in ``Allow``. A client that goes away mid-request (its body cut short, its connection reset)
is one INFO line, not an error: nothing was decided and nobody is left to answer. ``/openapi.json``
describes the API (``central.openapi``: the bodies from the protocol's types).

Every answer (key, enroll, hello, push, pull, counts) is signed by the server key (``signing_key``, an
Ed25519 key the command line keeps in the OS keyring): ``X-Liangxian-Signature`` over the request
(method, route, the bearer token's hash, the counter's ``X-Liangxian-Nonce``, the request body's hash)
and the exact answer bytes (``sync.protocol.answer_signing_bytes``). The counter refuses any answer
that does not verify with the key whose fingerprint its admin typed at enrollment.
"""

import json
import logging
import zlib
from collections.abc import Callable
from dataclasses import replace
from typing import Annotated, Any, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import ClientDisconnect

from central.openapi import ENDPOINTS, openapi_for, operation
from central.service import CentralServer, CounterSession
from forms.errors import CodedError, error
from sync.protocol import (
    MAX_BODY_BYTES,
    MAX_NONCE,
    NONCE_HEADER,
    SIGNATURE_HEADER,
    EnrollRequest,
    Hello,
    ProtocolError,
    PullRequest,
    PushRequest,
    SyncRefused,
    parse_body,
    public_key_of,
    sign_answer,
)

log = logging.getLogger(__name__)
T = TypeVar("T")


def _envelope(
    status: int, errors: list[dict[str, str]], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"errors": errors}, status_code=status, headers=headers)


def _too_large() -> SyncRefused:
    return SyncRefused(413, [error("sync.too_large", "body", limit=MAX_BODY_BYTES)])


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, inflated when gzip, never more than ``limit`` bytes either way."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise _too_large()
        except ValueError:
            raise SyncRefused(400, [error("sync.malformed", "body", detail="bad Content-Length")]) from None
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip", ""):
        raise SyncRefused(415, [error("sync.malformed", "body", detail=f"content-encoding {encoding}")])
    inflater = zlib.decompressobj(wbits=31) if encoding == "gzip" else None
    raw = 0
    out = bytearray()
    try:
        async for chunk in request.stream():
            raw += len(chunk)
            if raw > limit:
                raise _too_large()
            if inflater is None:
                out += chunk
            else:
                out += inflater.decompress(chunk, limit + 1 - len(out))
                if len(out) > limit or inflater.unconsumed_tail:
                    raise _too_large()
        if inflater is not None:
            out += inflater.flush(limit + 1 - len(out))
            if len(out) > limit:
                raise _too_large()
            if not inflater.eof:
                raise SyncRefused(400, [error("sync.malformed", "body", detail="truncated gzip")])
    except zlib.error as exc:
        raise SyncRefused(400, [error("sync.malformed", "body", detail=f"gzip: {exc}")]) from None
    return bytes(out)


async def _parsed(request: Request, parse: Callable[[Any], T]) -> tuple[T, bytes]:
    """The request's message and its body as read (what the answer's signature covers)."""
    body = await read_body(request)
    raw = parse_body(body)
    return parse(raw), body


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _signed(request: Request, route: str, message: dict[str, Any], request_body: bytes = b"") -> Response:
    """The answer's bytes with the server key's signature over them and over what was asked."""
    nonce = request.headers.get(NONCE_HEADER, "")
    if len(nonce) > MAX_NONCE:
        raise SyncRefused(400, [error("sync.malformed", "nonce", detail=f"longer than {MAX_NONCE}")])
    body = json.dumps(message, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
    signature = sign_answer(
        request.app.state.signing_key,
        method=request.method,
        path=route,
        token=_bearer(request),
        nonce=nonce,
        request_body=request_body,
        answer_body=body,
    )
    return Response(body, media_type="application/json", headers={SIGNATURE_HEADER: signature})


async def counter_session(request: Request) -> CounterSession:
    """The authenticated counter (``Authorization: Bearer <token>``), a dependency of every route but
    enroll."""
    token = _bearer(request)
    if not token:
        raise SyncRefused(401, [error("sync.unauthorized", "token")])
    central: CentralServer = request.app.state.central
    return await run_in_threadpool(central.session, token)


Counter = Annotated[CounterSession, Depends(counter_session)]


def create_app(
    db_url: str, *, signing_key: Ed25519PrivateKey, server: CentralServer | None = None
) -> FastAPI:
    """The ASGI app on the server database ``db_url`` (a SQLAlchemy URL or a SQLite path), signing its
    answers with ``signing_key`` (the server key)."""
    central = server or CentralServer(db_url)
    app = FastAPI(
        title="liangxian central", version="1", docs_url=None, redoc_url=None, openapi_url="/openapi.json"
    )
    app.state.central = central
    app.state.signing_key = signing_key
    server_key_b64 = public_key_of(signing_key)
    app.add_middleware(GZipMiddleware, minimum_size=512)

    @app.exception_handler(SyncRefused)
    async def _refused(_: Request, exc: SyncRefused) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return _envelope(exc.status, exc.to_json(), headers)

    @app.exception_handler(ProtocolError)
    async def _protocol(_: Request, exc: ProtocolError) -> JSONResponse:
        return _envelope(413 if exc.code == "sync.batch_too_large" else 422, exc.to_json())

    @app.exception_handler(CodedError)
    async def _coded(_: Request, exc: CodedError) -> JSONResponse:
        return _envelope(422, exc.to_json())

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = "sync.not_found" if exc.status_code in (404, 405) else "sync.malformed"
        # a 405 keeps Starlette's Allow header (RFC 9110: it must name the methods the path takes)
        headers = dict(exc.headers) if exc.headers else None
        return _envelope(exc.status_code, [error(code, "", detail=str(exc.detail)).to_json()], headers)

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, _: ClientDisconnect) -> Response:
        # nothing was decided (the body never arrived whole) and the answer has no one to reach:
        # 499, as proxies log it, is sent nowhere (uvicorn drops a reply to a closed connection)
        log.info("client went away mid-request: %s %s", request.method, request.url.path)
        return Response(status_code=499)

    @app.exception_handler(Exception)
    async def _internal(_: Request, exc: Exception) -> JSONResponse:
        log.exception("request failed")
        return _envelope(500, [error("sync.internal", "").to_json()])

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _envelope(422, [error("sync.malformed", "", detail="request").to_json()])

    @app.get("/v1/key", openapi_extra=operation("/v1/key"))
    async def key(request: Request) -> Response:
        """The server key, signed over the asker's nonce: enrollment checks its fingerprint before it
        sends the one-time code."""
        info = await run_in_threadpool(central.info)
        return _signed(request, "/v1/key", {"server_id": info.server_id, "server_key_b64": server_key_b64})

    @app.post("/v1/enroll", openapi_extra=operation("/v1/enroll"))
    async def enroll(request: Request) -> Response:
        req, raw = await _parsed(request, EnrollRequest.from_json)
        resp = await run_in_threadpool(central.enroll, req)
        return _signed(request, "/v1/enroll", replace(resp, server_key_b64=server_key_b64).to_json(), raw)

    @app.post("/v1/hello", openapi_extra=operation("/v1/hello"))
    async def hello(request: Request, session: Counter) -> Response:
        req, raw = await _parsed(request, Hello.from_json)
        return _signed(request, "/v1/hello", (await run_in_threadpool(session.hello, req)).to_json(), raw)

    @app.post("/v1/push", openapi_extra=operation("/v1/push"))
    async def push(request: Request, session: Counter) -> Response:
        req, raw = await _parsed(request, PushRequest.from_json)
        return _signed(request, "/v1/push", (await run_in_threadpool(session.push, req)).to_json(), raw)

    @app.post("/v1/pull", openapi_extra=operation("/v1/pull"))
    async def pull(request: Request, session: Counter) -> Response:
        req, raw = await _parsed(request, PullRequest.from_json)
        return _signed(request, "/v1/pull", (await run_in_threadpool(session.pull, req)).to_json(), raw)

    @app.get("/v1/counts", openapi_extra=operation("/v1/counts"))
    async def counts(request: Request, session: Counter) -> Response:
        return _signed(request, "/v1/counts", (await run_in_threadpool(session.counts)).to_json())

    routes = {str(getattr(r, "path", "")) for r in app.routes}
    assert {r for r in routes if r.startswith("/v1/")} == set(ENDPOINTS)  # each one described
    app.openapi = openapi_for(app)  # type: ignore[method-assign]
    return app

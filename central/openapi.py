"""The OpenAPI description of the sync API, served at ``/openapi.json``.

The endpoints read their bodies by hand (``central.app.read_body``: size limits before parsing, the
strict ``from_json`` readers of ``sync/protocol.py``), so FastAPI cannot see what they take. Their
request and response bodies are described here from the protocol's own dataclasses (JSON Schema by
pydantic's ``TypeAdapter``, never used to parse anything), refined with the protocol's limits and
vocabularies (entities, ops, statuses, batch and page sizes), plus the common error envelope and the
bearer authentication. ``ENDPOINTS`` is the one list of the API's routes: ``central.app`` registers
each with ``operation`` as its ``openapi_extra``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sync import protocol as p

REF = "#/components/schemas/{model}"
#: what every refusal looks like (``central.app._envelope``)
ERROR_ENVELOPE = "ErrorEnvelope"


@dataclass(frozen=True)
class Endpoint:
    method: str
    request: type | None
    response: type
    authenticated: bool
    summary: str
    description: str


@dataclass(frozen=True)
class ServerKey:
    """The answer of ``GET /v1/key`` (read by ``sync.http.enroll`` before the code is sent)."""

    server_id: str
    #: the server's Ed25519 public key, base64url: its fingerprint is what the counter's admin types
    server_key_b64: str


ENDPOINTS: dict[str, Endpoint] = {
    "/v1/key": Endpoint(
        "get",
        None,
        ServerKey,
        False,
        "The server key, signed over the asker's nonce",
        "The server's id and Ed25519 public key. Enrollment compares the key's fingerprint with the one "
        "`liangxian central counter add` printed beside the code before the code is sent.",
    ),
    "/v1/enroll": Endpoint(
        "post",
        p.EnrollRequest,
        p.EnrollResponse,
        False,
        "Enroll a counter with its one-time code",
        "The counter's id, county, number and Ed25519 public key with the one-time enrollment code "
        "(`liangxian central counter add`); answers the counter's bearer token and the server's "
        "identity. A wrong, used or expired code, or a code of another counter, is 403.",
    ),
    "/v1/hello": Endpoint(
        "post",
        p.Hello,
        p.HelloResponse,
        True,
        "Compare audit heads and receipt high-water marks",
        "The counter's audit head; answers the last audit link the server acknowledged and the "
        "highest receipt number it saw from this counter per day (a restored counter resumes there).",
    ),
    "/v1/push": Endpoint(
        "post",
        p.PushRequest,
        p.PushResponse,
        True,
        "Push signed changes",
        f"Up to {p.MAX_BATCH} changes, each signed with the counter's key and answered on its own "
        "(applied, duplicate, rejected with coded errors, or conflict). A resent batch gets the same "
        "answers and changes nothing.",
    ),
    "/v1/pull": Endpoint(
        "post",
        p.PullRequest,
        p.PullResponse,
        True,
        "Pull the county's records after a cursor",
        f"The county's records with a server sequence after `cursor`, at most `limit` (≤ {p.MAX_PAGE}) "
        "per page; `more` says another page follows.",
    ),
    "/v1/counts": Endpoint(
        "get",
        None,
        p.Counts,
        True,
        "Records per entity of the county",
        "The sanity check at the end of a sync: how many records of each kind the county holds.",
    ),
}

#: the status codes a refusal may carry, each with the common envelope
_ERRORS = {
    "400": "Bad framing: a bad Content-Length or a broken gzip body (sync.malformed)",
    "403": "Refused: a wrong enrollment code, another counter's changes, a revoked credential",
    "405": "Wrong method (the Allow header names the right one)",
    "413": f"Body over {p.MAX_BODY_BYTES} bytes, compressed or inflated, or a batch over {p.MAX_BATCH}",
    "415": "Content-Encoding other than identity or gzip",
    "422": "The body does not follow the wire schema (sync.malformed, naming the field)",
    "500": "Internal error (sync.internal; the details are in the server's log only)",
}
_UNAUTHORIZED = "No, an unknown, a revoked or an expired bearer token (sync.unauthorized)"


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _ref(model: str) -> dict[str, Any]:
    return {"$ref": REF.format(model=model)}


def operation(path: str) -> dict[str, Any]:
    """The route's ``openapi_extra``: its request body, answers, security and words."""
    ep = ENDPOINTS[path]
    errors = dict(_ERRORS)
    if ep.authenticated:
        errors["401"] = _UNAUTHORIZED
    out: dict[str, Any] = {
        "summary": ep.summary,
        "description": ep.description,
        "responses": {
            "200": {
                "description": ep.response.__name__,
                "content": _json(_ref(ep.response.__name__)),
                "headers": {
                    "X-Liangxian-Signature": {
                        "description": "Ed25519 by the server key over the request and these answer bytes "
                        "(docs/sync-protocol.md); the counter refuses an answer without it",
                        "schema": {"type": "string"},
                    }
                },
            },
            **{
                status: {"description": words, "content": _json(_ref(ERROR_ENVELOPE))}
                for status, words in sorted(errors.items())
            },
        },
        "security": [{"bearer": []}] if ep.authenticated else [],
    }
    if ep.request is not None:
        out["requestBody"] = {
            "required": True,
            "description": "JSON, UTF-8, optionally `Content-Encoding: gzip`; read strictly (unknown "
            "keys refused)",
            "content": _json(_ref(ep.request.__name__)),
        }
    return out


def _enum(values: frozenset[str]) -> dict[str, Any]:
    return {"type": "string", "enum": sorted(values)}


def _refine(schemas: dict[str, Any]) -> None:
    """The protocol's vocabularies and limits, which its readers check but its types do not say."""

    def prop(model: str, name: str) -> dict[str, Any]:
        found: dict[str, Any] = schemas[model]["properties"][name]
        return found

    prop("Change", "entity").update(_enum(p.PUSH_ENTITIES))
    prop("Change", "op").update(_enum(p.OPS))
    prop("Change", "changed")["maxItems"] = p.MAX_FIELDS
    prop("Change", "data")["description"] = (
        f"the record's fields: free JSON, at most {p.MAX_DEPTH} levels, {p.MAX_KEYS} keys per object, "
        f"{p.MAX_LIST} items per list, strings of {p.MAX_STRING} characters"
    )
    prop("Change", "signature")["description"] = (
        "Ed25519 over the canonical JSON of every other field (sorted keys, no spaces, UTF-8), "
        "base64url without padding"
    )
    prop("Record", "entity").update(_enum(p.PULL_ENTITIES))
    prop("Record", "data")["description"] = "the record's fields, or null for a person merged into another"
    prop("ChangeResult", "status").update(_enum(p.STATUSES))
    prop("PushRequest", "changes")["maxItems"] = p.MAX_BATCH
    prop("PushResponse", "results")["maxItems"] = p.MAX_BATCH
    prop("PullRequest", "limit").update({"minimum": 1, "maximum": p.MAX_PAGE})
    entities = prop("PullRequest", "entities")
    entities["anyOf"] = [{"type": "array", "items": _enum(p.PULL_ENTITIES)}, {"type": "null"}]
    prop("PullResponse", "records")["maxItems"] = p.MAX_PAGE
    prop("Counts", "counts")["propertyNames"] = _enum(p.PULL_ENTITIES)
    for model in ("EnrollRequest", "EnrollResponse"):
        prop(model, "counter_no").update({"minimum": 1, "maximum": 99})
        prop(model, "county_code").update({"pattern": "^[0-9]{6}$"})
    for schema in schemas.values():
        for name, field in schema.get("properties", {}).items():
            if field.get("type") == "integer" and "minimum" not in field:
                field.update({"minimum": 0, "maximum": 2**62})
            if field.get("type") == "string" and name.endswith("_id") and "maxLength" not in field:
                field["maxLength"] = p.MAX_ID


def schemas() -> dict[str, Any]:
    """``components.schemas``: every protocol message (and what they hold) and the error envelope."""
    from pydantic import TypeAdapter

    models = {ep.request for ep in ENDPOINTS.values() if ep.request} | {
        ep.response for ep in ENDPOINTS.values()
    }
    adapters: list[tuple[str, Literal["validation"], TypeAdapter[Any]]] = [
        (m.__name__, "validation", TypeAdapter(m)) for m in sorted(models, key=lambda m: m.__name__)
    ]
    _, top = TypeAdapter.json_schemas(adapters, ref_template=REF)
    out: dict[str, Any] = dict(top.get("$defs", {}))
    _refine(out)
    out["Issue"] = {
        "title": "Issue",
        "type": "object",
        "description": "One coded error: a stable code, the field, and the message in three languages",
        "properties": {
            k: {"type": "string"} for k in ("code", "field", "message_zh", "message_bo", "message_en")
        },
        "required": ["code", "field", "message_zh", "message_bo", "message_en"],
    }
    out[ERROR_ENVELOPE] = {
        "title": ERROR_ENVELOPE,
        "type": "object",
        "description": "Every refusal",
        "properties": {"errors": {"type": "array", "items": _ref("Issue")}},
        "required": ["errors"],
    }
    return out


def openapi_for(app: Any) -> Callable[[], dict[str, Any]]:
    """``app.openapi``: FastAPI's description of the routes with the protocol's schemas and the
    bearer scheme added (built once)."""
    from fastapi.openapi.utils import get_openapi

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                description=(
                    f"The liangxian sync protocol, version {p.PROTOCOL_VERSION} (docs/sync-protocol.md). "
                    "Every request but enroll carries `Authorization: Bearer <token>`; every refusal is "
                    "the error envelope."
                ),
                routes=app.routes,
            )
            components = spec.setdefault("components", {})
            components.setdefault("schemas", {}).update(schemas())
            components["securitySchemes"] = {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "the counter's token from /v1/enroll (kept in its OS keyring)",
                }
            }
            app.openapi_schema = spec
        result: dict[str, Any] = app.openapi_schema
        return result

    return build

"""The server's side of bundles (``sync.bundle``): open a counter's bundle, apply it through the same
``CounterSession`` a push over HTTP uses (signatures, scope, roles, validation, idempotency by change
id: the same bundle twice changes nothing), and make the reply: the answers, the county's records
since the counter's cursor and the counts, encrypted to the counter's box key.

The reply is signed by the server key (the Ed25519 key in the OS keyring that signs every answer over
HTTP too). The server's X25519 private box key is read from ``server_info.box_private_key_b64`` — it lives in the
server database (made by ``central init``), so the database and its backups must be guarded like the
key itself.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from central import models as m
from central.service import CentralServer, CounterSession, iso_z, utc_now
from sync import bundle as b
from sync.protocol import MAX_BATCH, MAX_PAGE, Change, Hello, ProtocolError, PullRequest, PushRequest


def _session(server: CentralServer, counter_id: str) -> CounterSession:
    info = server.info()
    with Session(server.engine) as s:
        counter = s.scalars(select(m.Counter).where(m.Counter.device_id == counter_id)).first()
        if counter is None:
            raise b.BundleError("bundle.unknown_counter", "bundle", counter_id=counter_id)
        if counter.revoked_at is not None:
            raise b.BundleError("bundle.counter_revoked", "bundle", counter_id=counter_id)
        return CounterSession(
            server, info, counter.county_code, counter.counter_no, counter_id, counter.public_key_b64 or ""
        )


def open_counter_bundle(server: CentralServer, raw: bytes) -> tuple[CounterSession, dict[str, Any]]:
    """Check and decrypt a counter bundle; refuses (``bundle.*``) before any write."""
    info = server.info()
    obj = b.read_header(raw)
    if obj["kind"] != b.COUNTER:
        raise b.BundleError("bundle.wrong_kind", "bundle", kind=obj["kind"])
    if obj["to"] != info.server_id:
        raise b.BundleError("bundle.wrong_server", "bundle", server_id=obj["to"])
    body = b.open_sealed(obj, key=b.x25519_private(info.box_private_key_b64))
    counter_id = str(body.get("counter_id", ""))
    if counter_id != obj["from"]:
        raise b.BundleError("bundle.tampered")
    session = _session(server, counter_id)
    b.verify_body(body, session.public_key)
    return session, body


def import_bundle(
    server: CentralServer, path: str | Path, out: str | Path, *, signing_key: Ed25519PrivateKey
) -> dict[str, Any]:
    """Apply the counter bundle at ``path`` and write the reply to ``out`` (0600), signed by the server
    key ``signing_key`` (the counter refuses a reply it does not verify). Returns a summary:
    ``{counter_id, county_code, counter_no, bundle_id, changes, applied, rejected, conflicts,
    duplicates, records, cursor, reply}``."""
    session, body = open_counter_bundle(server, b.read_file(path))
    try:
        hello_req = Hello.from_json(body["hello"])
        changes = [Change.from_json(c, f"changes[{i}]") for i, c in enumerate(body.get("changes", []))]
        cursor = int(body["cursor"])
        counter_box = b.x25519_public(str(body["box_public_key"]), "box_public_key")
    except (KeyError, TypeError, ValueError, ProtocolError) as exc:
        raise b.BundleError("bundle.malformed", "bundle", detail=str(exc)[:120]) from exc
    hello = session.hello(hello_req)
    results = []
    for start in range(0, len(changes), MAX_BATCH):
        batch = PushRequest(session.device_id, tuple(changes[start : start + MAX_BATCH]))
        results.extend(session.push(batch).results)
    records = []
    at = cursor
    while True:
        page = session.pull(PullRequest(at, MAX_PAGE))
        records.extend(page.records)
        at = page.cursor
        if not page.more:
            break
    counts = session.counts()
    info = server.info()
    reply = {
        "reply_id": str(uuid.uuid4()),
        "reply_to": body["bundle_id"],
        "counter_id": session.device_id,
        "server_id": info.server_id,
        "issued_at": iso_z(utc_now()),
        "from_cursor": cursor,
        "cursor": at,
        "hello": hello.to_json(),
        "results": [r.to_json() for r in results],
        "records": [r.to_json() for r in records],
        "counts": counts.to_json(),
    }
    data = b.seal(
        b.sign_body(reply, signing_key),
        kind=b.REPLY,
        sender=info.server_id,
        recipient=session.device_id,
        recipient_key=counter_box,
        static_key=b.x25519_private(info.box_private_key_b64),
    )
    b.write_private(out, data)
    tally = {
        s: sum(1 for r in results if r.status == s) for s in ("applied", "rejected", "conflict", "duplicate")
    }
    return {
        "counter_id": session.device_id,
        "county_code": session.county,
        "counter_no": session.counter_no,
        "bundle_id": body["bundle_id"],
        "changes": len(changes),
        "applied": tally["applied"],
        "rejected": tally["rejected"],
        "conflicts": tally["conflict"],
        "duplicates": tally["duplicate"],
        "records": len(records),
        "cursor": at,
        "reply": str(out),
    }

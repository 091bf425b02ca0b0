"""The counter's side of bundles (``sync.bundle``): export every unsent change into one file for the
server, and apply the server's reply as a sync.

The counter's **box key** (X25519, the key replies are encrypted to) is made on the first export and
kept in the OS keyring (``bundle-box-key:<counter id>``) like the sync token; its public part travels
inside every counter bundle, under the counter's Ed25519 signature, so the server needs no record of it.

Applying a reply runs the ordinary ``SyncEngine`` against a ``ReplyTransport`` that answers from the
reply: ``hello`` (fork check, receipt high-water marks), the push answers of the changes the bundle
carried (changes made since the export are not answered and wait), the records since the bundle's
cursor, and the server's counts for the sanity check. So a reply applies exactly like a pull: never
over a row with unsent changes, page and cursor in one transaction, a run in the sync history.

A reply is read only once it verifies with the server key the counter learned at enrollment
(``server.signing_key``): a reply not signed by it is ``sync.bad_server_signature`` and nothing of it is
written.

Replays: each reply names the bundle it answers and the time the server made it. The counter keeps the
time of the last reply it applied (``bundle.last_reply_at``) and refuses one that is not newer
(``bundle.replayed``); a reply to a bundle this counter never exported is refused too.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from localdb.clock import utc_now
from localdb.store import Store
from sync import bundle as b
from sync.engine import (
    CURSOR,
    EPOCH,
    LOCAL_ONLY,
    SERVER_KEY,
    Progress,
    SyncEngine,
    SyncReport,
    change_from_outbox,
)
from sync.protocol import (
    ChangeResult,
    Counts,
    Hello,
    HelloResponse,
    ProtocolError,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    Record,
    ServerNotTrusted,
    sign_change,
)

log = logging.getLogger(__name__)

BOX_KEY = "bundle-box-key"
EXPORTED = "bundle.exported"  # space-separated ids of bundles exported and not yet answered
LAST_REPLY_AT = "bundle.last_reply_at"
LAST_EXPORT_AT = "bundle.last_export_at"
SERVER_ID = "server.id"
SERVER_BOX = "server.box_public_key"


def counter_box_key(counter_id: str) -> X25519PrivateKey:
    """The counter's X25519 box key from the keyring, made on first use."""
    from liangxian.keys import load_secret, store_secret

    text = load_secret(BOX_KEY, counter_id)
    if text:
        return b.x25519_private(text)
    key = X25519PrivateKey.generate()
    store_secret(BOX_KEY, counter_id, b.x25519_private_b64(key))
    return key


def _enrolled(store: Store) -> tuple[str, str]:
    state = store.sync_state()
    server_id, box = state.get(SERVER_ID), state.get(SERVER_BOX)
    if not server_id or not box:
        raise b.BundleError("sync.not_enrolled", "db")
    return server_id, box


def export_bundle(
    store: Store,
    out: str | Path,
    *,
    username: str,
    key: Ed25519PrivateKey,
    box_key: X25519PrivateKey,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write every unsent change of this counter into ``out`` (created 0600). Returns
    ``{bundle_id, changes, file, bytes}``. Exporting does not mark anything sent: the changes stay
    pending until a reply (or an online sync) answers them, so a lost stick loses nothing."""
    progress = progress or (lambda _s, _d, _t: None)
    server_id, server_box = _enrolled(store)
    info = store.counter_info
    state = store.sync_state()
    epoch = int(state.get(EPOCH, "0"))
    total = store.pending_outbox_count()
    items = [i for i in store.pending_changes(max(total, 1)) if i["entity"] not in LOCAL_ONLY]
    changes = []
    for n, item in enumerate(items, 1):
        changes.append(sign_change(change_from_outbox(item, counter_id=info.id, epoch=epoch), key).to_json())
        if n % 200 == 0:
            progress("export", n, len(items))
    seq, digest = store.audit_head()
    bundle_id = str(uuid.uuid4())
    made_at = utc_now()
    body = b.sign_body(
        {
            "bundle_id": bundle_id,
            "counter_id": info.id,
            "county_code": info.county_code,
            "counter_no": info.counter_no,
            "server_id": server_id,
            "made_at": made_at,
            "username": username,
            "box_public_key": b.x25519_public_b64(box_key),
            "hello": Hello(info.id, epoch, seq, digest).to_json(),
            "cursor": int(state.get(CURSOR, "0")),
            "changes": changes,
        },
        key,
    )
    data = b.seal(
        body,
        kind=b.COUNTER,
        sender=info.id,
        recipient=server_id,
        recipient_key=b.x25519_public(server_box),
    )
    path = b.write_private(out, data)
    exported = [*state.get(EXPORTED, "").split()[-19:], bundle_id]
    store.service(username).set_sync_state({EXPORTED: " ".join(exported), LAST_EXPORT_AT: made_at})
    progress("export", len(items), len(items))
    return {"bundle_id": bundle_id, "changes": len(changes), "file": str(path), "bytes": len(data)}


class ReplyTransport:
    """``SyncProtocol`` answered from a reply bundle's body (no link)."""

    def __init__(self, body: dict[str, Any]):
        try:
            self._hello = HelloResponse.from_json(body["hello"])
            self._results = {
                r.change_id: r for r in (ChangeResult.from_json(x) for x in body.get("results", []))
            }
            self._records = sorted(
                (Record.from_json(x) for x in body.get("records", [])), key=lambda r: r.server_seq
            )
            self._counts = Counts.from_json(body["counts"])
            cursor = body["cursor"]
            if isinstance(cursor, bool) or not isinstance(cursor, int) or not 0 <= cursor <= 2**62:
                raise ProtocolError("cursor", "expected an integer 0..2**62")
            self.cursor = cursor
        except (KeyError, TypeError, ProtocolError) as exc:
            raise b.BundleError("bundle.malformed", "bundle", detail=str(exc)[:120]) from exc

    def hello(self, req: Hello) -> HelloResponse:
        return self._hello

    def push(self, req: PushRequest) -> PushResponse:
        return PushResponse(
            tuple(self._results[c.change_id] for c in req.changes if c.change_id in self._results)
        )

    def pull(self, req: PullRequest) -> PullResponse:
        wanted = [
            r
            for r in self._records
            if r.server_seq > req.cursor and (not req.entities or r.entity in req.entities)
        ]
        page = wanted[: req.limit]
        more = len(wanted) > len(page)
        # as the server answers: the cursor is the last record's (the reply holds every record of the
        # county up to its cursor, so none lies between)
        cursor = page[-1].server_seq if page else req.cursor
        return PullResponse(tuple(page), cursor, more, max(self.cursor, req.cursor))

    def counts(self) -> Counts:
        return self._counts


def open_reply(store: Store, raw: bytes, *, box_key: X25519PrivateKey) -> dict[str, Any]:
    """Check and decrypt a reply bundle meant for this counter; refuses (``bundle.*``) before any write."""
    server_id, server_box = _enrolled(store)
    info = store.counter_info
    obj = b.read_header(raw)
    if obj["kind"] != b.REPLY:
        raise b.BundleError("bundle.wrong_kind", "bundle", kind=obj["kind"])
    if obj["to"] != info.id:
        raise b.BundleError("bundle.wrong_counter", "bundle", counter_id=obj["to"])
    if obj["from"] != server_id:
        raise b.BundleError("bundle.wrong_server", "bundle", server_id=obj["from"])
    server_key = store.sync_state().get(SERVER_KEY)
    if not server_key:
        raise ServerNotTrusted("sync.server_key_unknown", "db")
    body = b.open_sealed(obj, key=box_key, static_peer=b.x25519_public(server_box))
    try:
        b.verify_body(body, server_key)
    except b.BundleError as exc:
        raise ServerNotTrusted("sync.bad_server_signature", "bundle", what="reply bundle") from exc
    if body.get("counter_id") != info.id or body.get("server_id") != server_id:
        raise b.BundleError("bundle.wrong_counter", "bundle", counter_id=str(body.get("counter_id")))
    state = store.sync_state()
    issued = str(body.get("issued_at", ""))
    if state.get(LAST_REPLY_AT) and issued <= state[LAST_REPLY_AT]:
        raise b.BundleError("bundle.replayed", "bundle", issued_at=issued, last=state[LAST_REPLY_AT])
    if body.get("reply_to") not in state.get(EXPORTED, "").split():
        raise b.BundleError("bundle.replayed", "bundle", issued_at=issued, last=state.get(LAST_REPLY_AT, ""))
    return body


def import_reply(
    store: Store,
    path: str | Path,
    *,
    username: str,
    key: Ed25519PrivateKey,
    box_key: X25519PrivateKey,
    progress: Progress | None = None,
) -> SyncReport:
    """Apply a reply bundle like a sync (see the module docstring)."""
    body = open_reply(store, b.read_file(path), box_key=box_key)
    transport = ReplyTransport(body)
    report = SyncEngine(store, transport, username=username, key=key, progress=progress).run()
    state = store.sync_state()
    # the engine never lowers the cursor below what a newer online sync reached
    exported = [x for x in state.get(EXPORTED, "").split() if x != body["reply_to"]]
    store.service(username).set_sync_state(
        {LAST_REPLY_AT: str(body["issued_at"]), EXPORTED: " ".join(exported)}
    )
    return report

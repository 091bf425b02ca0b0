"""Sync jobs both the CLI and the desktop call (Qt-free): enrolling the counter with the central
server, and the names under which the counter keeps what enrollment gave it (the token in the OS
keyring; the server's address, identity and box key in the database's sync state)."""

from __future__ import annotations

from typing import Any

TOKEN = "sync-token"
#: the counter's own account for unattended syncs and bundles: made at enrollment, without a password
#: (it cannot log in), so that the audit log names the machine, not a person who never proved who she is
SYNC_ACCOUNT = "sync"
SERVER_URL = "server.url"
ENROLLED_BY = "server.enrolled_by"


def _first_admin(store: Any) -> str:
    admins = [u["username"] for u in store.users() if u["role"] == "admin" and u["active"]]
    if not admins:
        from localdb.errors import UnknownUser

        raise UnknownUser(username="admin")
    return admins[0]


def enroll_counter(
    store: Any,
    server: str,
    code: str,
    user: str | None = None,
    *,
    server_key: str,
    insecure_http: bool = False,
    retries: int = 5,
) -> dict[str, Any]:
    """Enroll the counter of ``store`` with ``server`` using a one-time ``code`` as ``user`` (an admin;
    default the first admin), trusting the server only when its key has the fingerprint
    ``server_key`` (printed by ``liangxian central counter add`` beside the code): the token into the
    keyring, the server's address, identity and key into the sync state. ``http://`` to another
    machine only with ``insecure_http``. The counter's users (name, role, argon2id hash) are offered
    with the request: the server makes each name its county does not have yet a staff user of the
    county. Raises the server's ``SyncRefused`` (wrong, used, expired code…), ``ServerNotTrusted``
    (another key, unsigned answers, plain http), ``SyncUnavailable`` (no link),
    ``KeyringUnavailable``/``CounterKeyMissing`` (no keyring) or ``ValidationFailed``. Shared by
    ``liangxian enroll`` and the settings screen."""
    from forms.errors import ValidationFailed, error
    from liangxian.keys import create_counter_key, load_secret, store_secret
    from sync.engine import SERVER_KEY
    from sync.http import enroll
    from sync.protocol import EnrollRequest, StaffOffer, server_key_fingerprint

    user = user or _first_admin(store)
    # the keyring must work before the one-time code is spent: the token could not be kept otherwise
    load_secret(TOKEN, store.counter_info.id)
    svc = store.service(user)
    svc._allow("counter.set_key")  # only an admin enrolls the counter
    info = store.counter_info
    public = store.counter.public_key_b64 or create_counter_key(info.id)
    if not store.counter.public_key_b64:
        svc.set_counter_public_key(public)
    # the counter's own users are offered to the server: each name the county does not have yet
    # becomes its staff (the central admin's code authorises it), so the work done offline lands
    staff = tuple(StaffOffer(**u) for u in store.staff_offer())
    answer = enroll(
        server,
        EnrollRequest(code.strip(), info.id, info.county_code, info.counter_no, public, staff),
        server_key_fingerprint=server_key,
        insecure_http=insecure_http,
        retries=retries,
    )
    if answer.region != store.region or answer.county_code != info.county_code:
        raise ValidationFailed(
            [error("enroll.mismatch", "server", region=answer.region, county=answer.county_code)]
        )
    store_secret(TOKEN, info.id, answer.token)
    if not any(u["username"] == SYNC_ACCOUNT for u in store.users()):
        svc.add_user(SYNC_ACCOUNT, "clerk", None)
    svc.set_sync_state(
        {
            SERVER_URL: server.rstrip("/"),
            "server.id": answer.server_id,
            "server.box_public_key": answer.server_box_public_key_b64,
            SERVER_KEY: answer.server_key_b64,
            "server.token_expires_at": answer.expires_at,
            ENROLLED_BY: user,
        }
    )
    return {
        "server": server.rstrip("/"),
        "server_id": answer.server_id,
        "region": answer.region,
        "county_code": answer.county_code,
        "counter_no": answer.counter_no,
        "token_expires_at": answer.expires_at,
        "server_key_fingerprint": server_key_fingerprint(answer.server_key_b64),
    }

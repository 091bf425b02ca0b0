"""Fixtures of the sync tests: a central server (SQLite file, or a throw-away PostgreSQL cluster) and
real counter databases (SQLite files) enrolled with it, each with its own Ed25519 key and its staff.
Enrolled as `liangxian enroll` leaves a counter: the server's id, box key and server key (``server_key``:
a throw-away Ed25519 key that signs the in-process replies; a live server has its own, in its keyring)
in the sync state."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import localdb
from central.service import CentralServer
from liangxian.keys import load_counter_key, provision_counter_key
from sync.engine import SERVER_KEY, SyncEngine, SyncReport
from sync.protocol import EnrollRequest, public_key_of
from tests.support.store_data import TODAY, employer_data

STAFF = {
    "540102": (("boss", "admin"), ("clerk1", "clerk"), ("rev1", "reviewer")),
    "540103": (("boss", "admin"), ("clerk1", "clerk"), ("rev1", "reviewer")),
}


@dataclass
class Counter:
    """One counter: its database, its key, its session with the server."""

    name: str
    store: localdb.Store
    key: Ed25519PrivateKey
    transport: Any = None
    token: str = ""

    def svc(self, user: str = "clerk1") -> Any:
        return self.store.service(user, today=TODAY)

    def sync(self, user: str = "boss", **kw: Any) -> SyncReport:
        return SyncEngine(self.store, self.transport, username=user, key=self.key, **kw).run()


def public_b64(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def make_counter(
    server: CentralServer, root: Path, name: str, county: str, number: int, server_key_b64: str = ""
) -> Counter:
    store = localdb.init_store(
        root / f"{name}.db",
        region="lhasa",
        county_code=county,
        counter_no=number,
        admin_username="boss",
        admin_password=None,
    )
    boss = store.service("boss", today=TODAY)
    boss.add_user("clerk1", "clerk", None)
    boss.add_user("rev1", "reviewer", None)
    # the counter's key in the (test) keyring, as `init` makes it: it signs the audit heads and changes
    provision_counter_key(store, "boss")
    key = load_counter_key(store.counter_info.id)
    code = server.add_counter(county, number)["enrollment_code"]
    token = server.enroll(EnrollRequest(code, store.counter_info.id, county, number, public_b64(key))).token
    enrolled(store, server, server_key_b64)
    return Counter(name, store, key, server.session(token), token)


def enrolled(store: localdb.Store, server: CentralServer, server_key_b64: str) -> None:
    """What ``liangxian enroll`` leaves in the sync state: the server's id, box key and server key."""
    info = server.info()
    store.service("boss").set_sync_state(
        {
            "server.id": info.server_id,
            "server.box_public_key": info.box_public_key_b64,
            SERVER_KEY: server_key_b64,
        }
    )


@pytest.fixture
def server_key() -> Ed25519PrivateKey:
    """The server key of the in-process server (it signs the reply bundles)."""
    return Ed25519PrivateKey.generate()


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CentralServer]:
    url = (
        str(tmp_path / "central.db")
        if request.param == "sqlite"
        else request.getfixturevalue("pg_cluster").new_database()
    )
    srv = CentralServer(url)
    srv.init("lhasa")
    for county, users in STAFF.items():
        srv.add_county(county)
        for username, role in users:
            srv.add_user(county, username, role, "pw-" + username)
    yield srv
    srv.close()


@pytest.fixture
def counters(
    server: CentralServer, tmp_path: Path, memory_keyring: Any, server_key: Ed25519PrivateKey
) -> Iterator[dict[str, Counter]]:
    """Counters a and b of 城关区 (540102) and c of 堆龙德庆区 (540103)."""
    public = public_key_of(server_key)
    made = {
        "a": make_counter(server, tmp_path, "a", "540102", 1, public),
        "b": make_counter(server, tmp_path, "b", "540102", 2, public),
        "c": make_counter(server, tmp_path, "c", "540103", 1, public),
    }
    yield made
    for c in made.values():
        c.store.close()


@pytest.fixture
def with_employer(counters: dict[str, Counter]) -> dict[str, Counter]:
    """The county's employer registered at counter a and synced to b."""
    counters["a"].svc("boss").register_employer(employer_data())
    counters["a"].sync()
    counters["b"].sync()
    return counters

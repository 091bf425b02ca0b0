"""Fixtures of the sync tests: a central server (SQLite file, or a throw-away PostgreSQL cluster) and
real counter databases (SQLite files) enrolled with it, each with its own Ed25519 key and its staff.
Enrolled as `liangxian enroll` leaves a counter: the server's id, box key and server key (``server_key``:
a throw-away Ed25519 key that signs the in-process replies; a live server has its own, in its keyring)
in the sync state.

Both are built once per backend and copied for each test (a migrated store costs ~280 ms, a file copy
~20 ms; a server database is copied with ``CREATE DATABASE … TEMPLATE`` on PostgreSQL): the template
``server`` has the staff of ``STAFF``; the template world adds the three counters of ``counters``,
enrolled, their keys kept aside and put into each test's ``memory_keyring``. A test that asks for
``counters`` gets the server copy with them enrolled; one that does not, the server with staff only."""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keyring
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import localdb
from central.service import CentralServer
from liangxian.keys import MemoryKeyring, load_counter_key, provision_counter_key
from sync.engine import SERVER_KEY, SyncEngine, SyncReport
from sync.protocol import EnrollRequest, public_key_of
from tests.support.store_data import TODAY, checkpoint, employer_data

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


@pytest.fixture(scope="session")
def server_key() -> Ed25519PrivateKey:
    """The server key of the in-process server (it signs the reply bundles): one for the session, so
    that the template world's counters, enrolled once, trust it."""
    return Ed25519PrivateKey.generate()


#: the counters of ``counters``: name → (county, counter number)
COUNTERS = {"a": ("540102", 1), "b": ("540102", 2), "c": ("540103", 1)}


@dataclass
class Template:
    """A server database to copy, and (the world) the counter files enrolled with it."""

    url: str
    counters: dict[str, tuple[Path, str]] = field(default_factory=dict)  # name → (file, token)
    keyring: dict[tuple[str, str], str] = field(default_factory=dict)  # the counters' keys


def _copy_server(request: pytest.FixtureRequest, url: str, target: Path) -> str:
    if url.startswith("postgresql"):
        return str(request.getfixturevalue("pg_cluster").copy_database(url))
    shutil.copyfile(url, target)
    return str(target)


def _new_server_db(request: pytest.FixtureRequest, backend: str, path: Path) -> str:
    return str(path) if backend == "sqlite" else str(request.getfixturevalue("pg_cluster").new_database())


def _with_staff(url: str) -> None:
    srv = CentralServer(url)
    try:
        srv.init("lhasa")
        for county, users in STAFF.items():
            srv.add_county(county)
            for username, role in users:
                srv.add_user(county, username, role, "pw-" + username)
    finally:
        srv.close()


@pytest.fixture(scope="session")
def sync_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Template]:
    """(backend, "server" | "world") → its template, built on first use."""
    return {}


def _template(
    request: pytest.FixtureRequest, cache: dict[tuple[str, str], Template], backend: str, which: str
) -> Template:
    if (backend, which) in cache:
        return cache[(backend, which)]
    folder = Path(request.getfixturevalue("tmp_path_factory").mktemp(f"sync-{which}-{backend}"))
    if which == "server":
        url = _new_server_db(request, backend, folder / "central.db")
        _with_staff(url)
        made = Template(url)
    else:
        server_key: Ed25519PrivateKey = request.getfixturevalue("server_key")
        url = _copy_server(request, _template(request, cache, backend, "server").url, folder / "central.db")
        made = Template(url)
        old = keyring.get_keyring()
        keys = MemoryKeyring()
        keyring.set_keyring(keys)
        srv = CentralServer(url)
        try:
            for name, (county, number) in COUNTERS.items():
                c = make_counter(srv, folder, name, county, number, public_key_of(server_key))
                c.store.close()
                checkpoint(c.store.path)
                made.counters[name] = (c.store.path, c.token)
        finally:
            srv.close()
            keyring.set_keyring(old)
        made.keyring = dict(keys.items)
    cache[(backend, which)] = made
    return made


#: the server copies made from the world template (their counters are enrolled there)
_WORLDS: dict[int, Template] = {}


@pytest.fixture(params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path: Path, sync_templates: dict[tuple[str, str], Template]
) -> Iterator[CentralServer]:
    """A central server for Lhasa with the staff of ``STAFF`` (a copy of the session's template) —
    with the counters of ``counters`` enrolled when the test uses that fixture."""
    which = "world" if "counters" in request.fixturenames else "server"
    template = _template(request, sync_templates, request.param, which)
    srv = CentralServer(_copy_server(request, template.url, tmp_path / "central.db"))
    if which == "world":
        _WORLDS[id(srv)] = template
    try:
        yield srv
    finally:
        _WORLDS.pop(id(srv), None)
        srv.close()


@pytest.fixture
def counters(
    server: CentralServer, tmp_path: Path, memory_keyring: Any, server_key: Ed25519PrivateKey
) -> Iterator[dict[str, Counter]]:
    """Counters a and b of 城关区 (540102) and c of 堆龙德庆区 (540103): copies of the template
    world's files, their keys in ``memory_keyring``."""
    world = _WORLDS.get(id(server))
    made: dict[str, Counter] = {}
    if world is None:  # a server that is not a world copy (the fixture was asked for late): enroll
        for name, (county, number) in COUNTERS.items():
            made[name] = make_counter(server, tmp_path, name, county, number, public_key_of(server_key))
    else:
        memory_keyring.items.update(world.keyring)
        for name, (path, token) in world.counters.items():
            target = tmp_path / path.name
            shutil.copyfile(path, target)
            store = localdb.open_store(target)
            key = load_counter_key(store.counter_info.id)
            made[name] = Counter(name, store, key, server.session(token), token)
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

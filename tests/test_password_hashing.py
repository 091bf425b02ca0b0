"""Passwords are hashed with argon2id at argon2-cffi's default cost in the product. The rest of the
suite hashes cheaply (tests/conftest.py ``cheap_password_hashing``); this test runs with the
product's own hashers, on a counter and on the central server."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from argon2 import PasswordHasher
from argon2.low_level import Type
from sqlalchemy import text

import localdb
from central.service import CentralServer
from tests.support.store_data import TODAY

#: argon2-cffi's defaults (RFC 9106's low-memory profile): 3 passes over 64 MiB, 4 lanes
DEFAULT = PasswordHasher()


def _params(encoded: str) -> str:
    return encoded.split("$")[3]


def test_the_products_hashers_are_argon2id_at_the_default_cost(
    real_password_hashing: dict[str, PasswordHasher], tmp_path: Path
) -> None:
    assert DEFAULT.type is Type.ID
    assert (DEFAULT.time_cost, DEFAULT.memory_cost, DEFAULT.parallelism) == (3, 65536, 4)
    for name, hasher in real_password_hashing.items():
        assert (hasher.type, hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (
            Type.ID,
            3,
            65536,
            4,
        ), name
    want = "m=65536,t=3,p=4"

    store = localdb.init_store(
        tmp_path / "counter.db",
        region="lhasa",
        county_code="540102",
        counter_no=1,
        admin_username="boss",
        admin_password="s3cret",
    )
    try:
        store.service("boss", today=TODAY).add_user("clerk1", "clerk", "pw-clerk")
        conn = sqlite3.connect(store.path)
        hashes = dict(conn.execute("SELECT username, password_hash FROM users"))
        conn.close()
        assert {u: h.startswith("$argon2id$v=19$") and _params(h) == want for u, h in hashes.items()} == {
            "boss": True,
            "clerk1": True,
        }
        assert store.verify_login("boss", "s3cret") == "admin"
        assert store.verify_login("clerk1", "pw-clerk") == "clerk"
        assert store.verify_login("clerk1", "wrong") is None
    finally:
        store.close()

    server = CentralServer(str(tmp_path / "central.db"))
    try:
        server.init("lhasa")
        server.add_county("540102")
        server.add_user("540102", "rev1", "reviewer", "pw-rev1")
        with server.engine.connect() as c:
            encoded = c.execute(text("SELECT password_hash FROM users WHERE username = 'rev1'")).scalar_one()
        assert _params(encoded) == want
        assert DEFAULT.verify(encoded, "pw-rev1")
    finally:
        server.close()

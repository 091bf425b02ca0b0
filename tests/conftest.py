"""Fixtures shared by every test folder."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest

from liangxian.keys import MemoryKeyring


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """An in-memory keyring for the counter's signing key, the previous backend restored afterwards."""
    old = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(old)


@pytest.fixture(scope="session")
def pg_cluster():
    """One throw-away PostgreSQL cluster for the whole run (tests/support/postgres.py), for the central
    server's tests and the sync tests; it fails loudly when PostgreSQL is missing."""
    from tests.support.postgres import postgres_cluster

    with postgres_cluster() as cluster:
        yield cluster

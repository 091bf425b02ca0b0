"""Fixtures shared by every test folder."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from liangxian.keys import MemoryKeyring
from tests.support.cheap_hashing import CHEAP_ARGON2, CHEAP_BOUNDS, HASHER_MODULES

ROOT = Path(__file__).resolve().parents[1]

_REAL_HASHERS: dict[str, object] = {}
_REAL_BOUNDS: dict[str, object] = {}


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[object]:
    """Every password hash the tests make in this process is a cheap argon2id (``CHEAP_ARGON2``): set
    on the hashers of ``HASHER_MODULES`` for the session, so that nothing in the product can switch
    it (no setting, no environment variable). Subprocesses (the CLI, ``liangxian serve``) hash with
    the real parameters; ``real_password_hashing`` gives them back to one test in this process."""
    from argon2 import PasswordHasher

    cheap = PasswordHasher(**CHEAP_ARGON2)  # type: ignore[arg-type]
    with pytest.MonkeyPatch.context() as mp:
        for name in HASHER_MODULES:
            module = importlib.import_module(name)
            _REAL_HASHERS[name] = module._hasher
            mp.setattr(module, "_hasher", cheap)
        # hashes arriving from elsewhere (pulled staff rows, users offered at enrollment) are checked
        # against forms.staff's ranges: widened to the cheap cost (real_hash_bounds has the product's)
        staff = importlib.import_module("forms.staff")
        for name, bounds in CHEAP_BOUNDS.items():
            _REAL_BOUNDS[name] = getattr(staff, name)
            mp.setattr(staff, name, bounds)
        yield cheap


@pytest.fixture
def real_password_hashing(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """The product's own hashers (as the modules made them) back for one test: name → hasher."""
    for name, hasher in _REAL_HASHERS.items():
        monkeypatch.setattr(importlib.import_module(name), "_hasher", hasher)
    return dict(_REAL_HASHERS)


@pytest.fixture
def real_hash_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The product's own accepted argon2 ranges (``forms.staff``) back for one test: for the tests of
    the checks that refuse a weak hash."""
    staff = importlib.import_module("forms.staff")
    for name, bounds in _REAL_BOUNDS.items():
        monkeypatch.setattr(staff, name, bounds)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """An in-memory keyring for the counter's signing key, the previous backend restored afterwards:
    for tests that only need *a* key. Tests about the keyring itself use ``real_keyring``."""
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


@pytest.fixture(scope="session")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A real Secret Service for the session: gnome-keyring-daemon on a private D-Bus session bus,
    unlocked with a throw-away password (scripts/secret-service.sh; its packages come from
    scripts/setup-system.sh). Yields the environment a process needs to use it
    (DBUS_SESSION_BUS_ADDRESS, PYTHON_KEYRING_BACKEND=keyring.backends.SecretService.Keyring); this
    process's own environment is left alone."""
    from tests.support.secret_service import SecretServiceFailed, running_secret_service

    try:
        with running_secret_service(tmp_path_factory.mktemp("secret-service")) as env:
            yield env
    except SecretServiceFailed as exc:
        pytest.fail(str(exc))


@pytest.fixture
def real_keyring(secret_service: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """keyring's Secret Service backend on the session's gnome-keyring, as this process's keyring."""
    from keyring.backends import SecretService

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", secret_service["DBUS_SESSION_BUS_ADDRESS"])
    old = keyring.get_keyring()
    backend = SecretService.Keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(old)

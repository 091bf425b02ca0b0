"""The suite's cheap password hashing, in one place for this process (``tests/conftest.py``'s session
fixture) and for the server and sync subprocesses the tests start (``SITE``: a ``sitecustomize`` put
on their ``PYTHONPATH`` by ``tests.support.live_server``; the product itself has no switch for it).

Hashes are made with argon2id at its least cost, and the checks of hashes that arrive from elsewhere
(``forms.staff``: a pulled staff row, a counter's users offered at enrollment) accept that cost, so that
users the tests make in one process pass the checks in another. The tests of those checks ask for
``real_hash_bounds`` (tests/conftest.py) and see the product's own bounds."""

from __future__ import annotations

import importlib
from pathlib import Path

#: the modules whose ``_hasher`` makes password hashes (the counter's bootstrap and staff writes, the
#: central server's users); verifying reads the parameters from the hash itself
HASHER_MODULES = ("localdb.bootstrap", "localdb.service", "central.service")
#: argon2id at its least cost (one pass over 8 KiB, one lane): ~0.1 ms a hash instead of ~60 ms
#: (production: argon2-cffi's defaults, RFC 9106's low-memory profile, 3 passes over 64 MiB, 4 lanes).
#: The suite makes a few thousand users and logins; the hashes' strength is not what it tests.
CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
#: ``forms.staff``'s accepted ranges widened down to ``CHEAP_ARGON2``
CHEAP_BOUNDS = {"ARGON2_MEMORY": (8, 1_048_576), "ARGON2_TIME": (1, 16)}
#: the folder whose ``sitecustomize`` installs all this in a subprocess
SITE = Path(__file__).resolve().parent / "cheap_site"


def install() -> None:
    """Cheap hashing and widened bounds in this process (a test subprocess), for good."""
    from argon2 import PasswordHasher

    cheap = PasswordHasher(**CHEAP_ARGON2)  # type: ignore[arg-type]
    for name in HASHER_MODULES:
        importlib.import_module(name)._hasher = cheap
    staff = importlib.import_module("forms.staff")
    for name, bounds in CHEAP_BOUNDS.items():
        setattr(staff, name, bounds)

"""Fixtures for the store tests: real SQLite files in tmp_path, a fixed "today", staff users of each
role, valid ID numbers and credit codes, and an in-memory keyring."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import localdb

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # tests.support is imported by path, also under the bare pytest script
    sys.path.insert(0, str(ROOT))

from tests.support.store_data import (  # noqa: E402
    TODAY,
    checkpoint,
    employer_data,
)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "counter.db"


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once (migrations and argon2 hashing are slow-ish); each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "counter.db"
    st = localdb.init_store(
        path,
        region="lhasa",
        county_code="540102",
        counter_no=3,
        admin_username="boss",
        admin_password="s3cret",
    )
    boss = st.service("boss", today=TODAY)
    boss.add_user("clerk1", "clerk", "pw-clerk")
    boss.add_user("rev1", "reviewer", "pw-rev")
    boss.register_employer(employer_data())
    st.close()
    checkpoint(path)
    return path


@pytest.fixture
def store(db_path: Path, template_db: Path) -> Iterator[localdb.Store]:
    """A Lhasa counter (城关区, counter 3) with users boss (admin), clerk1, rev1 and one employer."""
    import shutil

    shutil.copyfile(template_db, db_path)
    st = localdb.open_store(db_path)
    try:
        yield st
    finally:
        st.close()


@pytest.fixture
def clerk(store: localdb.Store):
    return store.service("clerk1", today=TODAY)


@pytest.fixture
def reviewer(store: localdb.Store):
    return store.service("rev1", today=TODAY)


@pytest.fixture
def boss(store: localdb.Store):
    return store.service("boss", today=TODAY)

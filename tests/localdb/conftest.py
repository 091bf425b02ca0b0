"""Fixtures for the store tests: real SQLite files in tmp_path, a fixed "today", staff users of each
role, valid ID numbers and credit codes, and an in-memory keyring."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

import localdb

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # tests.support is imported by path, also under the bare pytest script
    sys.path.insert(0, str(ROOT))

from tests.support.keyring_backend import MemoryKeyring  # noqa: E402

TODAY = dt.date(2026, 11, 20)


def id_number(county: str = "540102", birth: str = "19900315", seq: int = 2) -> str:
    """A valid resident ID number; even ``seq`` = female."""
    body = f"{county}{birth}{seq:03d}"
    return body + stdnum_ric.calc_check_digit(body + "0")


def uscc(county: str = "540102", org: str = "MA6T1234") -> str:
    body = f"91{county}{org}"[:17].ljust(17, "0")
    return body + stdnum_uscc.calc_check_digit(body + "0")


def bad_uscc(county: str = "540102", org: str = "MA6T1234") -> str:
    good = uscc(county, org)
    wrong = next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != good[-1])
    return good[:-1] + wrong


def employer_data(**over: Any) -> dict[str, Any]:
    data = {
        "uscc": uscc(),
        "name_zh": "拉萨雪域建设有限公司",
        "county_code": "540102",
        "rate_class": "a",
        "avg_monthly_wage": "9000.00",
    }
    data.update(over)
    return data


def person_data(**over: Any) -> dict[str, Any]:
    data = {
        "id_number": id_number(),
        "name_zh": "张晓",
        "ethnicity": "01",
        "phone": "13800138000",
        "category": "employee",
        "county_code": "540102",
        "employer_uscc": uscc(),
        "contribution_base": "6500.00",
        "insured_since": "2015-03-01",
    }
    data.update(over)
    return data


def application_data(**over: Any) -> dict[str, Any]:
    data = {
        "id_number": id_number(),
        "claim_type": "allowance",
        "event": "birth",
        "event_date": "2026-09-01",
        "babies": 1,
        "contribution_months": 36,
        "documents": [],
    }
    data.update(over)
    return data


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    old = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(old)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "counter.db"


def checkpoint(path: Path) -> None:
    """Fold the WAL into the main file so that the file alone is the whole database."""
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


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

"""Fixtures of the central server tests: a server database on SQLite and on a real, throw-away
PostgreSQL cluster (tests/support/postgres.py — it fails loudly when PostgreSQL is missing).

``world`` is a server with two counties, three enrolled counters and their staff. Building it costs
seven argon2 hashes, so it is built once per backend and each test gets a copy of that database
(SQLite: a file copy; PostgreSQL: ``CREATE DATABASE … TEMPLATE``)."""

from __future__ import annotations

import copy
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from central.service import CentralServer
from tests.support.central_data import SimCounter, build_world
from tests.support.postgres import Cluster


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        return str(tmp_path / "central.db")
    return request.getfixturevalue("pg_cluster").new_database()


@pytest.fixture
def server(db_url: str) -> Iterator[CentralServer]:
    srv = CentralServer(db_url)
    yield srv
    srv.close()


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, dict[str, SimCounter]]]:
    return {}


def _template(
    backend: str, request: pytest.FixtureRequest, templates: dict, root: Path
) -> tuple[str, dict[str, SimCounter]]:
    if backend not in templates:
        url = (
            str(root / "template.db")
            if backend == "sqlite"
            else request.getfixturevalue("pg_cluster").new_database()
        )
        srv = CentralServer(url)
        counters = build_world(srv)
        srv.close()
        for c in counters.values():
            c.proto = None
        templates[backend] = (url, counters)
    return templates[backend]


def copy_world(
    backend: str, request: pytest.FixtureRequest, target_dir: Path, templates: dict, template_dir: Path
) -> tuple[CentralServer, dict[str, SimCounter]]:
    """A fresh copy of the template world on ``backend``: its server and its counters (own state)."""
    url, counters = _template(backend, request, templates, template_dir)
    if backend == "sqlite":
        target = target_dir / "central.db"
        shutil.copyfile(url, target)
        copy_url = str(target)
    else:
        import psycopg

        cluster: Cluster = request.getfixturevalue("pg_cluster")
        name = "w_" + uuid.uuid4().hex[:12]
        template = url.rsplit("/", 1)[1]
        with psycopg.connect(
            f"host=127.0.0.1 port={cluster.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        copy_url = cluster.url(name)
    srv = CentralServer(copy_url)
    mine = {k: copy.copy(v) for k, v in counters.items()}
    for c in mine.values():
        c.proto = srv.session(c.token)
    return srv, mine


@pytest.fixture
def world_server(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    _templates: dict,
) -> Iterator[tuple[CentralServer, dict[str, SimCounter]]]:
    srv, counters = copy_world(backend, request, tmp_path, _templates, tmp_path_factory.getbasetemp())
    yield srv, counters
    srv.close()


@pytest.fixture
def world(world_server: tuple[CentralServer, dict[str, SimCounter]]) -> dict[str, SimCounter]:
    return world_server[1]


@pytest.fixture(scope="session")
def world_copier(_templates: dict, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``copy(backend, request, target_dir)`` → a fresh world copy, for fixtures of wider scope."""

    def _copy(
        backend: str, request: pytest.FixtureRequest, target: Path
    ) -> tuple[CentralServer, dict[str, SimCounter]]:
        return copy_world(backend, request, target, _templates, tmp_path_factory.getbasetemp())

    return _copy

"""A throw-away PostgreSQL cluster for tests: initdb + pg_ctl on a temporary directory and a free
loopback port, stopped and removed afterwards. PostgreSQL refuses to run as root, so as root (CI) the
server runs as the ``postgres`` system user (``runuser``) with the directory owned by it.

It fails loudly — never skips — when PostgreSQL is missing: scripts/setup-system.sh installs Debian's
``postgresql`` package, and a test suite that silently drops its PostgreSQL half proves nothing."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class PostgresMissing(RuntimeError):
    pass


def _pg_bin(name: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    found = candidates[0] if candidates else shutil.which(name)
    if not found:
        raise PostgresMissing(
            f"PostgreSQL's {name} was not found: install Debian's postgresql package (scripts/setup-system.sh)"
        )
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    def __init__(self, root: Path, port: int, as_user: str | None):
        self.root = root
        self.data = root / "data"
        self.port = port
        self.as_user = as_user

    def _run(self, *cmd: str) -> subprocess.CompletedProcess[str]:
        full = ["runuser", "-u", self.as_user, "--", *cmd] if self.as_user else list(cmd)
        proc = subprocess.run(full, capture_output=True, text=True, timeout=120, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc

    def start(self) -> None:
        self._run(
            _pg_bin("initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        opts = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        self._run(
            _pg_bin("pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.root / "log"), "-w", "start"
        )

    def stop(self) -> None:
        try:
            self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except RuntimeError:
            pass

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def copy_database(self, url: str) -> str:
        """A new database made from the one at ``url`` (``CREATE DATABASE … TEMPLATE``: a file copy,
        far cheaper than migrating a new one); nothing may be connected to it meanwhile."""
        import psycopg

        name, template = "c_" + uuid.uuid4().hex[:12], url.rsplit("/", 1)[1]
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)


@contextmanager
def postgres_cluster() -> Iterator[Cluster]:
    _pg_bin("initdb")
    as_user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError as exc:
            raise PostgresMissing(
                "running as root needs the postgres system user (Debian's postgresql)"
            ) from exc
        as_user = "postgres"
    root = Path(tempfile.mkdtemp(prefix="liangxian-pg-"))
    if as_user:
        shutil.chown(root, as_user, as_user)
    cluster = Cluster(root, _free_port(), as_user)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)

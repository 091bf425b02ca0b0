"""The SQLite file: connections set up right, the schema version check, migrations and backups.

Every connection runs in WAL mode with ``synchronous=FULL`` (an acknowledged write survives a power
cut), foreign keys on and a busy timeout. Transactions are explicit: reads ``BEGIN DEFERRED``, writes
``BEGIN IMMEDIATE`` (the write lock is taken up front, so two writers never deadlock on upgrade).

Schema versions: the Alembic revision in ``alembic_version`` and ``PRAGMA user_version`` (a number
each revision sets). A database whose revision this program does not know, or whose user_version is
higher than ours, comes from a newer app: it is refused before anything is written to it.

A database file is untrusted input: before anything reads it, ``localdb.schema`` compares its
``sqlite_master`` with what our migrations make at its revision, and reads of a whole file (checks,
backups) run under a deadline (``bounded``). Connections run with ``trusted_schema=OFF``. The files
we create (the database and its -wal/-shm, backups, manifests, pre-restore copies) are readable by
their owner only (0600), whatever the umask: SQLite gives the -wal/-shm the main file's mode.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import sqlite3
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from localdb.errors import NotAStore, SchemaTooNew, StoreTimeout

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: revision id → user_version, oldest first. A test checks this against the migration scripts.
REVISIONS: dict[str, int] = {
    "0001": 1,
    "0002": 2,
    "0003": 3,
    "0004": 4,
    "0005": 5,
    "0006": 6,
    "0007": 7,
    "0008": 8,
    "0009": 9,
}
HEAD = "0009"
SCHEMA_VERSION = REVISIONS[HEAD]
BUSY_TIMEOUT_MS = 10_000
#: owner read/write only: the database holds ID numbers, names and payments
PRIVATE_MODE = 0o600
#: how long a whole-file read (doctor, restore's checks, a backup copy) may take by default
DEFAULT_DEADLINE_S = 600.0


def driver_connection(raw: PoolProxiedConnection) -> sqlite3.Connection:
    """The sqlite3 connection under a pooled one (pysqlite is the only driver we use)."""
    conn = raw.driver_connection
    if not isinstance(conn, sqlite3.Connection):  # pragma: no cover - make_engine uses pysqlite
        raise TypeError(f"not a sqlite3 connection: {type(conn).__name__}")
    return conn


def create_private(path: Path | str) -> None:
    """Create an empty file readable and writable by its owner only, whatever the umask (fchmod
    after the create: the umask only applies to open's mode)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    try:
        os.fchmod(fd, PRIVATE_MODE)
    finally:
        os.close(fd)


def make_private(path: Path | str) -> None:
    """Take group and other permissions off a database we open and its -wal/-shm (files made by an
    older version were 0644)."""
    for suffix in ("", "-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        with contextlib.suppress(OSError):
            if side.is_file() and stat.S_IMODE(side.stat().st_mode) & 0o077:
                os.chmod(side, PRIVATE_MODE)


@contextlib.contextmanager
def bounded(conn: sqlite3.Connection, seconds: float | None, what: str = "") -> Iterator[None]:
    """Run the statements inside under a deadline: SQLite's progress handler interrupts a statement
    that runs past it (a recursive view, a huge crafted file), raised as StoreTimeout."""
    if seconds is None:
        yield
        return
    deadline = time.monotonic() + seconds
    conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 1_000)
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "interrupt" in str(exc) or time.monotonic() > deadline:
            raise StoreTimeout(seconds=f"{seconds:g}", detail=what or str(exc)) from exc
        raise
    finally:
        conn.set_progress_handler(None, 0)


def make_engine(path: Path | str) -> Engine:
    engine = create_engine(
        f"sqlite+pysqlite:///{Path(path)}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(
        dbapi_conn: sqlite3.Connection, _record: ConnectionPoolEntry
    ) -> None:  # pragma: no cover - exercised by every test
        dbapi_conn.isolation_level = None  # we say BEGIN ourselves (see _on_begin)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA trusted_schema=OFF")  # no SQL functions with side effects from the schema
        cur.execute("PRAGMA cache_size=-32000")  # 32 MB of pages: the search indexes stay warm
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def raw_connect(path: Path | str, *, readonly: bool = False, untouched: bool = False) -> sqlite3.Connection:
    """A plain sqlite3 connection (checks, backups). ``readonly`` never writes the database;
    ``untouched`` (for the version check before anything else) also opens the file immutable when no
    WAL is pending, so that not even the -shm/-wal side files appear next to a refused database."""
    if readonly:
        from urllib.parse import quote

        wal = Path(f"{path}-wal")
        pending = not untouched or (wal.exists() and wal.stat().st_size > 0)
        uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro" + ("" if pending else "&immutable=1")
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    else:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA trusted_schema=OFF")
    return conn


def schema_state(path: Path | str) -> tuple[str | None, int]:
    """``(alembic revision, user_version)`` of an existing file, read-only. NotAStore if it is not
    one of ours."""
    path = Path(path)
    if not path.is_file():
        raise NotAStore(path=str(path))
    try:
        conn = raw_connect(path, readonly=True, untouched=True)
    except sqlite3.Error as exc:
        raise NotAStore(path=str(path)) from exc
    try:
        user_version = conn.execute("PRAGMA user_version").fetchone()[0]
        # a crafted file may make alembic_version a (recursive) view: read it only when it is a table
        kind = conn.execute("SELECT type FROM sqlite_master WHERE name = 'alembic_version'").fetchone()
        if kind is None or kind[0] != "table":
            raise NotAStore(path=str(path))
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            row = None
        if row is None:
            raise NotAStore(path=str(path))
        return row[0], int(user_version)
    except sqlite3.DatabaseError as exc:  # not a database at all
        raise NotAStore(path=str(path)) from exc
    finally:
        conn.close()


def check_not_newer(revision: str | None, user_version: int) -> None:
    if user_version > SCHEMA_VERSION or (revision is not None and revision not in REVISIONS):
        raise SchemaTooNew(found=f"{revision} / {user_version}", known=f"{HEAD} / {SCHEMA_VERSION}")


def _alembic_config(connection: Connection) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, target: str = "head") -> None:
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), target)


def stamp_time() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")


def backup_to(path: Path | str, dest: Path | str, *, deadline_s: float | None = DEFAULT_DEADLINE_S) -> Path:
    """A consistent copy of a live database (``VACUUM INTO``: compact, includes the WAL contents),
    created 0600."""
    dest = Path(dest)
    if dest.exists():
        raise FileExistsError(str(dest))
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")  # a killed backup never looks like a whole one
    partial.unlink(missing_ok=True)
    create_private(partial)  # VACUUM INTO fills an empty file, keeping its mode
    conn = raw_connect(path)
    try:
        with bounded(conn, deadline_s, "backup"):
            conn.execute("VACUUM INTO ?", (str(partial),))
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        conn.close()
    with open(partial, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(partial, dest)
    return dest


def migrate_if_needed(path: Path | str) -> Path | None:
    """Bring an existing database to HEAD: refuse a newer one, back up, then upgrade.
    Returns the backup made (None when already current)."""
    from localdb import schema

    path = Path(path)
    revision, user_version = schema_state(path)
    check_not_newer(revision, user_version)
    schema.check(path)  # ForeignSchema before anything else touches the file
    make_private(path)
    if revision == HEAD:
        return None
    backup = path.with_name(f"{path.stem}.pre-{revision}-to-{HEAD}-{stamp_time()}{path.suffix or '.db'}")
    backup_to(path, backup)
    log.info("backed up %s to %s before migrating %s -> %s", path, backup, revision, HEAD)
    engine = make_engine(path)
    try:
        with engine.connect() as conn:  # the live view (WAL included) must agree before we write
            live = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            live_version = conn.exec_driver_sql("PRAGMA user_version").scalar_one()
        check_not_newer(live, live_version)
        upgrade(engine)
    finally:
        engine.dispose()
    return backup

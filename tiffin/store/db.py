"""Engines for SQLite (embedded default) and PostgreSQL (production), and schema migration.

SQLite runs in WAL mode with ``synchronous=FULL`` so an acknowledged commit survives a crash
and a power cut. A writing transaction starts with ``BEGIN IMMEDIATE`` (it takes the write lock
up front instead of failing half-way when a read lock cannot be upgraded), and writers of one
process queue on ``Database.write_lock`` first: a Python lock wakes the next writer the moment
the last one commits, where SQLite's own busy handler sleeps and polls (milliseconds to tens of
milliseconds a try). The writer holding the lock always uses the same connection
(``Database.write_engine``): each SQLite connection keeps its own page cache, and another
connection's commit invalidates it, so rotating writers through a pool of eight re-read the
pages of every table they touch on each order. Read-only work uses a deferred ``BEGIN`` on the
pool and never waits for writers (WAL). Other processes still meet at ``busy_timeout``.
PostgreSQL uses psycopg 3 with a small pool. A connection that sat idle in the pool for more
than ``IDLE_PING_SECONDS`` is pinged before use and replaced if the server dropped it (a restart,
a failover, an idle timeout). A busy pool is not pinged: SQLAlchemy's ``pool_pre_ping`` costs a
round trip on every checkout, measured at a fifth of order-placement throughput. A connection
that breaks mid-use fails that request (503 with Retry-After), and SQLAlchemy then replaces
every pooled connection older than the failure.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, OperationalError

from tiffin.store.staging import install_autoflush

SQLITE_BUSY_TIMEOUT_MS = 30_000
IDLE_PING_SECONDS = 2.0
READ_ONLY = "tiffin_read_only"  # Connection.info flag: this transaction will not write


class Database:
    """One engine and the operations on the schema; built by the caller, never at import."""

    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        # SQLite: every writing unit of work of this process uses the one connection behind
        # write_lock (see the module docstring).
        self.write_engine = _sqlite_engine(url, pool_size=1) if self.is_sqlite else self.engine
        for engine in {self.engine, self.write_engine}:
            install_autoflush(engine)
        self.write_lock = threading.Lock()
        self.write_owner: int | None = None  # thread holding write_lock, to refuse nesting

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        with self.engine.begin() as conn:
            cfg = alembic_config(self.url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def schema_is_current(self) -> bool:
        """Whether the database is at the newest migration (readiness checks ask this)."""
        head = ScriptDirectory.from_config(alembic_config(self.url)).get_current_head()
        with self.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
        return current == head

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
        self.write_engine.dispose()


def alembic_config(url: str) -> Config:
    cfg = Config()
    location = resources.files("tiffin.store") / "migrations"
    cfg.set_main_option("script_location", str(location))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def make_engine(
    url: str, *, pool_size: int = 8, idle_ping_seconds: float = IDLE_PING_SECONDS
) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, future=True)

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < idle_ping_seconds:
            return
        try:
            cursor = dbapi_conn.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_conn.rollback()
        except Exception as exc:  # noqa: BLE001 - whatever broke it, use another connection
            # The pool discards this connection and checks out (or opens) another.
            raise DisconnectionError(str(exc)) from exc

    return engine


_IDLE_SINCE = "tiffin_idle_since"


def _sqlite_engine(url: str, *, pool_size: int = 8) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        pool_size=pool_size,
        max_overflow=pool_size,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see the docstring).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Straight to the driver: nothing to compile or return, and every transaction pays it.
        sql = "BEGIN" if conn.info.get(READ_ONLY) else "BEGIN IMMEDIATE"
        try:
            conn.connection.driver_connection.execute(sql)
        except sqlite3.OperationalError as exc:  # locked past busy_timeout: as SQLAlchemy says it
            raise OperationalError(sql, None, exc) from exc

    return engine

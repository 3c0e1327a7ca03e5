"""PostgreSQL connections the server dropped (a restart, a failover) are replaced: before use
if they sat idle, after one failed request if they were in constant use."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from tests.conftest import POSTGRES_ADMIN_URL
from tiffin.store.db import make_engine

pytestmark = pytest.mark.postgres


def _backend(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _drop(pid: int) -> None:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
    admin.dispose()


def test_an_idle_connection_the_server_dropped_is_replaced_before_use(postgres_url: str) -> None:
    engine = make_engine(postgres_url, pool_size=1, idle_ping_seconds=0.0)
    first = _backend(engine)
    _drop(first)
    assert _backend(engine) != first  # no error reached the caller
    engine.dispose()


def test_a_busy_connection_the_server_dropped_fails_once_then_is_replaced(
    postgres_url: str,
) -> None:
    engine = make_engine(postgres_url, pool_size=1, idle_ping_seconds=3600.0)
    first = _backend(engine)
    _drop(first)
    with pytest.raises(OperationalError):  # the API answers this one 503 with Retry-After
        _backend(engine)
    assert _backend(engine) != first
    engine.dispose()

"""The store on SQLite and PostgreSQL: round trips, atomicity, the outbox, optimistic locking."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from tests.integration.helpers import place_demo_order, seeded
from tiffin.clock import ManualClock
from tiffin.domain.events import Actor
from tiffin.domain.order import Action, OrderStatus
from tiffin.errors import Conflict
from tiffin.platform import Platform
from tiffin.store import db as db_module
from tiffin.store import tables
from tiffin.store.db import Database
from tiffin.store.outbox import START, read_after
from tiffin.store.uow import UnitOfWork


def count(uow: UnitOfWork, table: tables.Table) -> int:
    return int(uow.conn.execute(select(func.count()).select_from(table)).scalar() or 0)


def test_order_round_trips_with_lines_history_and_aware_times(platform: Platform) -> None:
    ids = seeded(platform)
    order_id = place_demo_order(platform, ids)
    clock: ManualClock = platform.clock  # type: ignore[assignment]
    clock.advance(60)
    with platform.uow() as uow:
        order = uow.orders.require(order_id)
        order.apply(Action.ACCEPT, actor=Actor("merchant", ids.merchant_id), at=clock.now())
        uow.commit()
    with platform.uow() as uow:
        again = uow.orders.require(order_id)
    assert again.status is OrderStatus.ACCEPTED
    assert again.lines[0].quantity == 2
    assert [t.action for t in again.history] == [Action.ACCEPT]
    assert again.placed_at.tzinfo is not None and again.history[0].at == clock.now()


def test_state_and_events_commit_together_or_not_at_all(platform: Platform) -> None:
    ids = seeded(platform)
    with platform.uow() as uow:
        before = count(uow, tables.outbox)
    with pytest.raises(RuntimeError), platform.uow() as uow:
        place_demo_order(platform, ids, uow=uow, commit=False)
        raise RuntimeError("crash before commit")
    with platform.uow() as uow:
        assert count(uow, tables.orders) == 0
        assert count(uow, tables.outbox) == before
    place_demo_order(platform, ids)
    with platform.uow() as uow:
        assert count(uow, tables.orders) == 1
        events = read_after(uow.conn, START, 100)
    assert [e.topic for e in events][-1] == "order.placed"


def test_concurrent_change_to_the_same_order_is_refused(platform: Platform) -> None:
    if platform.db.is_sqlite:
        pytest.skip("SQLite serialises whole writing transactions: this interleaving cannot occur")
    ids = seeded(platform)
    order_id = place_demo_order(platform, ids)
    now = platform.clock.now()
    with platform.uow() as slow:
        stale = slow.orders.require(order_id)
        # A second writer accepts the order after the first one read it, and commits first.
        with platform.uow() as fast:
            fast.orders.require(order_id).apply(
                Action.ACCEPT, actor=Actor("merchant", ids.merchant_id), at=now
            )
            fast.commit()
        stale.apply(Action.REJECT, actor=Actor("merchant", ids.merchant_id), at=now, reason="x")
        with pytest.raises(Conflict):
            slow.commit()
    with platform.uow() as uow:
        assert uow.orders.require(order_id).status is OrderStatus.ACCEPTED


def test_expired_times_are_stored_in_utc(platform: Platform) -> None:
    ids = seeded(platform)
    order_id = place_demo_order(platform, ids)
    with platform.uow() as uow:
        order = uow.orders.require(order_id)
    assert order.promised_at - order.placed_at > timedelta(minutes=10)
    assert order.placed_at.utcoffset() == timedelta(0)


def test_sqlite_writers_share_one_connection_and_readers_do_not_take_it(
    platform: Platform,
) -> None:
    """Every SQLite writer reuses one connection (its page cache stays valid); reads use the
    pool, so a long read never holds up a write."""
    if not platform.db.is_sqlite:
        pytest.skip("PostgreSQL writers use the pool")

    def raw(uow: UnitOfWork) -> object:
        return uow.conn.connection.dbapi_connection

    with platform.uow() as first:
        writer = raw(first)
    with platform.uow(read_only=True) as reader:
        assert raw(reader) is not writer
        with platform.uow() as second:  # a write while a read is open
            assert raw(second) is writer


def test_a_write_lock_held_elsewhere_past_the_busy_timeout_is_a_database_error(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holding SQLite's write lock too long surfaces as SQLAlchemy's
    OperationalError (the API answers 503 with Retry-After), never as a bare driver error."""
    if not platform.db.is_sqlite:
        pytest.skip("SQLite's file lock")
    monkeypatch.setattr(db_module, "SQLITE_BUSY_TIMEOUT_MS", 50)
    impatient = Database(platform.db.url)
    other = sqlite3.connect(platform.db.engine.url.database or "", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(OperationalError), UnitOfWork(impatient, platform.clock):
            pass
    finally:
        other.rollback()
        other.close()
        impatient.dispose()

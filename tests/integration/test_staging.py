"""Staged inserts (tiffin/store/staging.py): one statement on PostgreSQL, read-your-writes, and
a lost idempotency claim that writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import DBAPIError

from tests.integration.helpers import DemoIds, place_demo_order, place_from, seeded
from tiffin.domain.order import OrderStatus
from tiffin.ordering.checkout_cache import CheckoutCatalog
from tiffin.platform import Platform
from tiffin.store import staging, tables
from tiffin.store.uow import UnitOfWork


@contextmanager
def statements(platform: Platform) -> Iterator[list[str]]:
    """Every SQL statement sent to the driver while the block runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        seen.append(" ".join(sql.split()))

    engines = {platform.db.engine, platform.db.write_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


def count(uow: UnitOfWork, table: tables.Table, **where: str) -> int:
    query = select(func.count()).select_from(table)
    for name, value in where.items():
        query = query.where(table.c[name] == value)
    return int(uow.conn.execute(query).scalar() or 0)


def claim_row(platform: Platform, ids: DemoIds, key: str) -> dict[str, Any]:
    return {
        "user_id": ids.customer.user_id,
        "key": key,
        "request_hash": "h",
        "status_code": 201,
        "response": {"ok": True},
        "created_at": platform.clock.now(),
    }


def test_an_order_its_event_and_its_claim_are_one_statement_on_postgresql(
    platform: Platform,
) -> None:
    ids = seeded(platform)
    with platform.uow() as uow:
        order_id = place_demo_order(platform, ids, uow=uow, commit=False)
        claim = claim_row(platform, ids, "k1")
        with statements(platform) as sent:
            assert uow.commit(claim=(tables.idempotency_keys, claim))
    inserts = [s for s in sent if s.startswith(("INSERT", "WITH"))]
    if platform.db.is_postgres:
        assert len(inserts) == 1 and inserts[0].startswith("WITH")
    else:  # per table, straight to the driver (tiffin.store.driver): SQLAlchemy sees none
        assert inserts == []
    with platform.uow(read_only=True) as uow:
        assert count(uow, tables.orders, id=order_id) == 1
        assert count(uow, tables.order_lines, order_id=order_id) == 1
        assert count(uow, tables.outbox, aggregate_id=order_id) == 1
        assert count(uow, tables.idempotency_keys, key="k1") == 1
        if platform.db.is_postgres:  # the event still carries its transaction's id
            txid = uow.conn.execute(
                select(tables.outbox.c.txid).where(tables.outbox.c.aggregate_id == order_id)
            ).scalar()
            assert txid is not None and txid > 0


def test_a_staged_order_is_written_before_anything_reads_it(platform: Platform) -> None:
    ids = seeded(platform)
    with platform.uow() as uow:
        order_id = place_demo_order(platform, ids, uow=uow, commit=False)
        assert uow._staged  # staged, not yet sent
        assert count(uow, tables.orders, id=order_id) == 1  # the read wrote it first
        assert count(uow, tables.order_lines, order_id=order_id) == 1
        assert not uow._staged
        uow.commit()
    with platform.uow(read_only=True) as uow:
        assert count(uow, tables.orders, id=order_id) == 1  # and only once
        assert uow.orders.require(order_id).status is OrderStatus.PLACED


def test_a_lost_claim_rolls_back_everything_the_transaction_staged(platform: Platform) -> None:
    ids = seeded(platform)
    with platform.uow() as uow:
        first = place_demo_order(platform, ids, uow=uow, commit=False)
        claim = claim_row(platform, ids, "same")
        assert uow.commit(claim=(tables.idempotency_keys, claim))
    with platform.uow() as uow:
        second = place_demo_order(platform, ids, uow=uow, commit=False)
        claim = claim_row(platform, ids, "same")
        assert not uow.commit(claim=(tables.idempotency_keys, claim))
    with platform.uow(read_only=True) as uow:
        assert count(uow, tables.orders, id=first) == 1
        assert count(uow, tables.orders, id=second) == 0
        assert count(uow, tables.order_lines, order_id=second) == 0
        assert count(uow, tables.outbox, aggregate_id=second) == 0


def test_a_large_transaction_is_written_per_table_and_completely(
    platform: Platform,
) -> None:
    ids = seeded(platform)
    with platform.uow() as uow:
        # Each placement's reads write the one staged before it; the commit is left with the
        # last order and every order's event: past the limit of one combined statement.
        order_ids = [
            place_demo_order(platform, ids, uow=uow, commit=False)
            for _ in range(staging.MAX_COMBINED_ROWS + 1)
        ]
        with statements(platform) as sent:
            uow.commit()
    assert not any(s.startswith("WITH") for s in sent)
    with platform.uow(read_only=True) as uow:
        for order_id in order_ids:
            assert count(uow, tables.orders, id=order_id) == 1
            assert count(uow, tables.outbox, aggregate_id=order_id) == 1


def test_an_order_from_checkouts_copies_is_one_autocommitted_statement_on_postgresql(
    platform: Platform,
) -> None:
    """Nothing was read in the transaction, so the commit's one statement needs no BEGIN and
    no COMMIT; the connection goes back to the pool in transaction mode."""
    if not platform.db.is_postgres:
        pytest.skip("SQLite writes per table under the write lock")
    ids = seeded(platform)
    catalog = CheckoutCatalog()
    place_with(platform, ids, catalog, key="warm")  # fills the copies
    autocommit: list[bool] = []

    def record(conn: Any, *_: Any) -> None:
        autocommit.append(conn.connection.dbapi_connection.autocommit)

    event.listen(platform.db.engine, "before_cursor_execute", record)
    try:
        order_id = place_with(platform, ids, catalog, key="alone")
    finally:
        event.remove(platform.db.engine, "before_cursor_execute", record)
    assert autocommit == [True]
    with platform.db.engine.connect() as conn:
        assert conn.connection.dbapi_connection.autocommit is False
    with platform.uow(read_only=True) as uow:
        assert count(uow, tables.orders, id=order_id) == 1
        assert count(uow, tables.idempotency_keys, key="alone") == 1


def test_a_failed_autocommitted_statement_leaves_nothing_and_a_usable_connection(
    platform: Platform,
) -> None:
    ids = seeded(platform)
    catalog = CheckoutCatalog()
    place_with(platform, ids, catalog, key="warm")
    orphan = {
        "order_id": "ord_missing",
        "line_no": 1,
        "item_id": ids.item_id,
        "name": "x",
        "quantity": 1,
        "unit_price_cents": 1,
    }
    with platform.uow() as uow:
        order_id = place_with(platform, ids, catalog, key="refused", uow=uow, commit=False)
        uow.stage(tables.order_lines, [orphan])  # its order does not exist: refused
        with pytest.raises(DBAPIError):
            uow.commit()
    with platform.uow(read_only=True) as uow:
        assert count(uow, tables.orders, id=order_id) == 0
    assert place_with(platform, ids, catalog, key="after")  # the pool's connections still work


def place_with(
    platform: Platform,
    ids: DemoIds,
    catalog: CheckoutCatalog,
    *,
    key: str,
    uow: UnitOfWork | None = None,
    commit: bool = True,
) -> str:
    with platform.uow() if uow is None else nullcontext(uow) as work:
        order_id = place_from(work, ids, catalog)
        if commit:
            assert work.commit(claim=(tables.idempotency_keys, claim_row(platform, ids, key)))
    return order_id

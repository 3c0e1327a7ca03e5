"""SQLite's hot inserts straight to the driver (tiffin/store/driver.py): stored exactly as
SQLAlchemy would store them, and failing with SQLAlchemy's errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, insert, literal, select
from sqlalchemy.exc import IntegrityError

from tiffin.platform import Platform
from tiffin.store import driver, tables


@pytest.fixture
def sqlite_platform(platform: Platform) -> Platform:
    if not platform.db.is_sqlite:
        pytest.skip("the driver path is SQLite's; PostgreSQL writes one combined statement")
    return platform


def event_row(aggregate: str) -> dict[str, object]:
    return {
        "tenant_id": "ten_1",
        "topic": "order.placed",
        "aggregate_id": aggregate,
        "payload": {"lines": [1, 2], "note": "ünïcode", "paid": True},
        # Not UTC on purpose: the column's type stores UTC, whoever sends it.
        "occurred_at": datetime(2026, 11, 29, 12, 0, tzinfo=timezone(timedelta(hours=8))),
    }


def test_rows_are_stored_exactly_as_sqlalchemy_stores_them(sqlite_platform: Platform) -> None:
    names = tuple(event_row("x"))
    statement = insert(tables.outbox).values(
        {n: bindparam(n, type_=tables.outbox.c[n].type) for n in names}
    )
    with sqlite_platform.db.write_engine.begin() as conn:
        assert driver.execute(conn, statement, [event_row("by-driver")]) == []
        conn.execute(insert(tables.outbox), [event_row("by-sqlalchemy")])
        stored = conn.exec_driver_sql(
            "SELECT aggregate_id, payload, occurred_at FROM outbox ORDER BY id"
        ).all()
        read = conn.execute(select(tables.outbox).order_by(tables.outbox.c.id)).mappings().all()
    (_, payload_a, at_a), (_, payload_b, at_b) = stored
    assert (payload_a, at_a) == (payload_b, at_b)  # the same bytes in the file
    assert read[0]["payload"] == event_row("x")["payload"]
    assert read[0]["occurred_at"] == datetime(2026, 11, 29, 4, 0, tzinfo=UTC)


def test_many_rows_literals_and_returning(sqlite_platform: Platform) -> None:
    names = tuple(event_row("x"))
    many = insert(tables.outbox).values(
        {n: bindparam(n, type_=tables.outbox.c[n].type) for n in names}
    )
    with sqlite_platform.db.write_engine.begin() as conn:
        driver.execute(conn, many, [event_row("a"), event_row("b"), event_row("c")])
        # A literal the statement carries (the 7) and a RETURNING clause.
        query = select(tables.outbox.c.aggregate_id, literal(7)).where(
            tables.outbox.c.aggregate_id == bindparam("wanted"),
            tables.outbox.c.id > 0,
        )
        assert driver.execute(conn, query, [{"wanted": "b"}]) == [("b", 7)]


def test_driver_errors_are_sqlalchemys(sqlite_platform: Platform) -> None:
    row = {"tenant_id": "ten_dup", "version": 1}
    statement = insert(tables.catalog_versions).values(
        tenant_id=bindparam("tenant_id"), version=bindparam("version")
    )
    with sqlite_platform.db.write_engine.connect() as conn:
        conn.begin()
        driver.execute(conn, statement, [row])
        with pytest.raises(IntegrityError):
            driver.execute(conn, statement, [row])
        conn.rollback()


def test_rows_giving_different_columns_are_each_written_whole(sqlite_platform: Platform) -> None:
    plain = event_row("plain")
    with_txid = event_row("with-txid") | {"txid": 42}
    with sqlite_platform.uow() as uow:
        uow.stage(tables.outbox, [plain, with_txid, event_row("plain-too")])
        uow.commit()
    with sqlite_platform.uow(read_only=True) as uow:
        o = tables.outbox.c
        rows = uow.conn.execute(select(o.aggregate_id, o.txid)).all()
    found = {r.aggregate_id: r.txid for r in rows}
    assert found == {"plain": None, "with-txid": 42, "plain-too": None}


def test_many_rows_of_a_returning_statement_are_refused(sqlite_platform: Platform) -> None:
    """sqlite3 would run them and drop what they return."""
    statement = (
        insert(tables.catalog_versions)
        .values(tenant_id=bindparam("tenant_id"), version=bindparam("version"))
        .returning(tables.catalog_versions.c.tenant_id)
    )
    rows = [{"tenant_id": "ten_a", "version": 1}, {"tenant_id": "ten_b", "version": 1}]
    with sqlite_platform.db.write_engine.begin() as conn:
        with pytest.raises(ValueError):
            driver.execute(conn, statement, rows)
        assert driver.execute(conn, statement, rows[:1]) == [("ten_a",)]

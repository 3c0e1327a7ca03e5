"""Staged inserts: a transaction's new rows leave for the database together, at the end.

Placing an order writes an order, its lines, the outbox event and the idempotency claim: four
or five ``INSERT`` statements. On PostgreSQL each is a network round trip, and each costs more
CPU in SQLAlchemy and psycopg than in the server (measured: about 60 µs of client CPU per
statement against a whole placement's 2 ms). So a unit of work *stages* its inserts and writes
them in one statement on commit: every staged row becomes a data-modifying CTE
(``WITH w0 AS (INSERT ...), w1 AS (INSERT ...) INSERT ...``), which PostgreSQL runs atomically,
with foreign keys checked at the end of the statement. SQLite has no data-modifying CTEs and no
network, so there the rows go one statement per table, as before.

Nothing can read a staged row before it is written, so any other statement on the connection
writes the staged rows first (``autoflush``, a ``before_execute`` hook on the engine). The
combined statement is built once per shape (which tables, how many rows, which columns) and is
cacheable by SQLAlchemy, because every row is its own single-row CTE: a multi-row ``VALUES``
has no cache key and would compile afresh on every commit. Past ``MAX_COMBINED_ROWS`` (a seed,
a simulator's batch) the rows go per table instead, so shapes stay few.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Executable, Table, bindparam, event, insert
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import ColumnElement

from tiffin.store.upsert import insert_ignore

Row = dict[str, Any]
Staged = list[tuple[Table, list[Row]]]

PENDING = "tiffin_staged"  # Connection.info: the unit of work's staged rows, until written
MAX_COMBINED_ROWS = 16

# Per table, columns given by an SQL expression rather than a parameter (the outbox's txid).
Computed = dict[str, ColumnElement[Any]]


def install_autoflush(engine: Engine) -> None:
    """Write a connection's staged rows before any other statement runs on it."""

    @event.listens_for(engine, "before_execute")
    def _autoflush(conn: Connection, *_: Any) -> None:
        staged: Staged | None = conn.info.get(PENDING)
        if staged:
            rows = list(staged)
            staged.clear()  # before writing: the writes below pass through this hook too
            write(conn, rows)


def write(
    conn: Connection,
    staged: Staged,
    *,
    computed: dict[Table, Computed] | None = None,
    claim: tuple[Table, Row] | None = None,
) -> bool:
    """Insert every staged row, and ``claim``'s row unless it collides with a unique key.

    Returns whether the claim was inserted (True when there is none). The caller rolls back
    when it was not: the other rows were written in the same transaction."""
    computed = computed or {}
    staged = [(table, rows) for table, rows in staged if rows]
    count = sum(len(rows) for _, rows in staged) + (claim is not None)
    if conn.dialect.name != "postgresql" or count > MAX_COMBINED_ROWS or count == 0:
        for table, rows in staged:
            conn.execute(_inserting(table, _frozen(computed.get(table))), rows)
        return insert_ignore(conn, claim[0], claim[1]) if claim is not None else True
    shape: list[tuple[Table, tuple[str, ...]]] = []
    params: Row = {}
    for table, rows in staged:
        for row in rows:
            n = len(shape)
            shape.append((table, tuple(row)))
            params.update({f"w{n}_{name}": value for name, value in row.items()})
    if claim is not None:
        params.update({f"claim_{name}": value for name, value in claim[1].items()})
    statement = _combined(
        tuple(shape),
        (claim[0], tuple(claim[1])) if claim is not None else None,
        tuple((table, _frozen(c)) for table, c in computed.items()),
    )
    result = conn.execute(statement, params)
    return claim is None or result.first() is not None


def _frozen(computed: Computed | None) -> tuple[tuple[str, ColumnElement[Any]], ...]:
    return tuple(sorted(computed.items())) if computed else ()


@functools.cache
def _inserting(table: Table, computed: tuple[tuple[str, ColumnElement[Any]], ...]) -> Executable:
    return insert(table).values(dict(computed)) if computed else insert(table)


@functools.lru_cache(maxsize=128)
def _combined(
    shape: tuple[tuple[Table, tuple[str, ...]], ...],
    claim: tuple[Table, tuple[str, ...]] | None,
    computed: tuple[tuple[Table, tuple[tuple[str, ColumnElement[Any]], ...]], ...],
) -> Executable:
    """``WITH w0 AS (INSERT ...), ... INSERT ...``: each staged row a single-row CTE; the last
    statement is the claim (``ON CONFLICT DO NOTHING RETURNING``) or the last staged row."""
    extra = {table: dict(c) for table, c in computed}

    def values(table: Table, names: Sequence[str], prefix: str) -> dict[str, Any]:
        given = {n: bindparam(f"{prefix}_{n}", type_=table.c[n].type) for n in names}
        return given | extra.get(table, {})

    inserts = [
        insert(table).values(values(table, names, f"w{n}"))
        for n, (table, names) in enumerate(shape)
    ]
    if claim is not None:
        table, names = claim
        key = next(iter(table.primary_key.columns))
        main: Any = (
            postgresql.insert(table)
            .values(values(table, names, "claim"))
            .on_conflict_do_nothing()
            .returning(key)
        )
    else:
        main = inserts.pop()
    ctes = [statement.cte(f"w{n}") for n, statement in enumerate(inserts)]
    combined: Executable = main.add_cte(*ctes) if ctes else main
    return combined

"""SQLite's hot inserts, sent straight to the driver with SQLAlchemy's own SQL and type handling.

An order placed on SQLite is four inserts (order, lines, outbox event, idempotency claim), and
going through ``Connection.execute`` costs each about 40 µs of CPU in SQLAlchemy (execution
context, events, result set-up) around some 10 µs in sqlite3 itself: on SQLite, whose writers
take turns, that time is the platform's throughput. So these statements are compiled once by
SQLAlchemy for the engine's dialect, their parameters converted by each type's own processor
for that dialect (dates, JSON, booleans exactly as SQLAlchemy would store them: a test compares
the bytes), and run on the connection's sqlite3 cursor in the transaction the unit of work
began. Driver errors are raised as SQLAlchemy's (``IntegrityError`` and the rest), as every
caller expects.

Only for statements whose every value is a parameter or a literal: no Python-side column
defaults (tiffin's tables declare none). The price: these statements pass by SQLAlchemy's
events, so its echo and ``before_cursor_execute`` listeners do not see them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

Processor = Callable[[Any], Any] | None


def execute(
    conn: Connection, statement: Executable, rows: Sequence[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """Run ``statement`` once per row; the rows it returns (``RETURNING`` or a query), which
    sqlite3 gives only for a single row of parameters."""
    sql, order = _compiled(statement, conn.dialect)
    if len(rows) > 1 and (" RETURNING " in sql or sql.startswith("SELECT")):
        raise ValueError("sqlite3 returns no rows for many parameter rows: pass them one by one")
    params = [
        tuple(
            value if name is None else (row[name] if p is None else p(row[name]))
            for name, p, value in order
        )
        for row in rows
    ]
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if len(params) == 1:
            cursor.execute(sql, params[0])
        else:
            cursor.executemany(sql, params)
        return list(cursor.fetchall()) if cursor.description else []
    except conn.dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(
            sql, params, exc, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect
        ) from exc
    finally:
        cursor.close()


# Per positional parameter: the row's key and its type's processor, or (for a literal the
# statement carries, such as the 0 in ``coalesce(x, 0)``) None and the value, processed.
Parameter = tuple[str | None, Processor, Any]


@functools.lru_cache(maxsize=128)
def _compiled(statement: Executable, dialect: Dialect) -> tuple[str, tuple[Parameter, ...]]:
    clause: Any = statement
    compiled: Any = clause.compile(dialect=dialect)
    order: list[Parameter] = []
    for name in compiled.positiontup:
        bind = compiled.binds[name]
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if bind.callable is None and bind.value is not None:
            order.append((None, None, bind.value if process is None else process(bind.value)))
        else:
            order.append((name, process, None))
    return compiled.string, tuple(order)

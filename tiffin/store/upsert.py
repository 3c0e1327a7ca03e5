"""``INSERT ... ON CONFLICT DO NOTHING`` on both databases: the tool of every dedupe key."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Executable, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignore(conn: Connection, table: Table, row: dict[str, Any]) -> bool:
    """Insert ``row`` unless it collides with a unique key; True when it was inserted.

    Told by ``RETURNING`` rather than ``rowcount``: psycopg reports -1 for these statements."""
    statement = _insert_ignoring(conn.dialect.name == "postgresql", table)
    return conn.execute(statement, row).first() is not None


def insert_all_ignoring(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` in one statement (SQLAlchemy batches them into multi-row VALUES), each
    skipped if it collides with a unique key."""
    if rows:
        conn.execute(_insert_ignoring_silently(conn.dialect.name == "postgresql", table), rows)


def insert_all_new(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> set[Any]:
    """As ``insert_all_ignoring``, and tell which went in: the primary keys of the rows
    inserted (those colliding with a unique key are skipped and not named)."""
    if not rows:
        return set()
    statement = _insert_ignoring(conn.dialect.name == "postgresql", table)
    return set(conn.execute(statement, rows).scalars())


@functools.cache
def _insert_ignoring_silently(postgres: bool, table: Table) -> Executable:
    dialect = postgresql if postgres else sqlite
    statement: Executable = dialect.insert(table).on_conflict_do_nothing()
    return statement


@functools.cache
def _insert_ignoring(postgres: bool, table: Table) -> Executable:
    """Built once per table, executed with parameters (cheaper than a statement per row)."""
    dialect = postgresql if postgres else sqlite
    key = next(iter(table.primary_key.columns))
    statement: Executable = dialect.insert(table).on_conflict_do_nothing().returning(key)
    return statement

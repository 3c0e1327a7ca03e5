"""``INSERT ... ON CONFLICT DO NOTHING`` on both databases: the tool of every dedupe key."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignore(conn: Connection, table: Table, row: dict[str, Any]) -> bool:
    """Insert ``row`` unless it collides with a unique key; True when it was inserted.

    Told by ``RETURNING`` rather than ``rowcount``: psycopg reports -1 for these statements."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    key = next(iter(table.primary_key.columns))
    statement = dialect.insert(table).values(row).on_conflict_do_nothing().returning(key)
    return conn.execute(statement).first() is not None

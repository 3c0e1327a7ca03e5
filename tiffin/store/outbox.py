"""The transactional outbox: events written with the state change, consumed in commit order.

On PostgreSQL, sequence numbers are handed out before commit, so a reader could see id 11
committed while id 10 is still in flight and skip 10 for ever. Appends therefore take a
transaction-scoped advisory lock: outbox ids become visible in the order they were assigned.
The lock is taken at the very end of a unit of work, so it is held only for the commit itself.
SQLite serialises writers already (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, text

from tiffin.domain.events import DomainEvent
from tiffin.store import tables

OUTBOX_LOCK_KEY = 0x7F1F_0B0C


@dataclass(frozen=True)
class OutboxEvent:
    """An event as read back from the outbox by a consumer."""

    id: int
    tenant_id: str
    topic: str
    aggregate_id: str
    payload: dict[str, Any]
    occurred_at: datetime


def append(conn: Connection, events: Sequence[DomainEvent]) -> None:
    if not events:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": OUTBOX_LOCK_KEY})
    conn.execute(
        insert(tables.outbox),
        [
            {
                "tenant_id": e.tenant_id,
                "topic": e.topic,
                "aggregate_id": e.aggregate_id,
                "payload": e.payload(),
                "occurred_at": e.at,
            }
            for e in events
        ],
    )


def read_after(conn: Connection, last_id: int, limit: int) -> list[OutboxEvent]:
    query = (
        select(tables.outbox)
        .where(tables.outbox.c.id > last_id)
        .order_by(tables.outbox.c.id)
        .limit(limit)
    )
    return [OutboxEvent(**dict(r)) for r in conn.execute(query).mappings()]


def last_id(conn: Connection) -> int:
    value = conn.execute(select(tables.outbox.c.id).order_by(tables.outbox.c.id.desc()).limit(1))
    return int(value.scalar() or 0)

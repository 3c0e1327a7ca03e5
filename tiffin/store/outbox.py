"""The transactional outbox: events written with the state change, consumed in commit order.

On PostgreSQL, sequence numbers are handed out before commit, so a reader could see id 11
committed while id 10 is still in flight and skip 10 for ever. Serialising appends with a lock
would fix that at the price of one commit at a time (measured: a sixth of the throughput).
Instead each row carries its writing transaction's id (``txid``), and a consumer reads only
rows whose ``txid`` is below the oldest transaction still running (``pg_snapshot_xmin``), in
(txid, id) order: every transaction below that horizon has finished, and every one that
commits later has a txid at or above it, so nothing can ever appear behind a consumer's offset.
The cost is that a long-running transaction delays consumers (never loses events).
SQLite serialises writers (``BEGIN IMMEDIATE``), so there id order is commit order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import (
    Connection,
    func,
    literal,
    literal_column,
    select,
    text,
    tuple_,
)
from sqlalchemy.sql.elements import ColumnElement

from tiffin.domain.events import DomainEvent, decode
from tiffin.store import staging, tables


@dataclass(frozen=True, order=True)
class Position:
    """Where a consumer stands: (txid, id) on PostgreSQL, (0, id) on SQLite."""

    txid: int
    id: int


START = Position(0, 0)


@dataclass(frozen=True)
class OutboxEvent:
    """An event as read back from the outbox by a consumer."""

    id: int
    tenant_id: str
    topic: str
    aggregate_id: str
    payload: dict[str, Any]
    occurred_at: datetime
    txid: int | None = None

    @property
    def position(self) -> Position:
        return Position(self.txid or 0, self.id)

    def decoded(self) -> Envelope:
        """The typed event this row stores; ``UnknownEvent`` if its topic has no class. Decoded
        once however many consumers want it (events are frozen: sharing one is safe)."""
        return self._envelope

    @cached_property
    def _envelope(self) -> Envelope:
        return Envelope(self.id, decode(self.topic, self.payload))


@dataclass(frozen=True)
class Envelope:
    """A typed event as a consumer receives it, with its outbox id: the key that keeps a
    consumer's side effects single however often the event is replayed."""

    id: int
    event: DomainEvent


# PostgreSQL: the writing transaction's id, computed by the server for every new event.
COMPUTED_POSTGRES: dict[str, ColumnElement[Any]] = {
    "txid": literal_column("pg_current_xact_id()::text::bigint")
}


def rows(events: Sequence[DomainEvent], *, postgres: bool) -> list[dict[str, Any]]:
    """The outbox rows of ``events``, for ``UnitOfWork.commit`` to insert with the rest of the
    transaction's rows (see ``staging``); PostgreSQL adds ``COMPUTED_POSTGRES``."""
    return [
        {
            "tenant_id": e.tenant_id,
            "topic": e.topic,
            "aggregate_id": e.aggregate_id,
            "payload": e.payload(),
            "occurred_at": e.at,
        }
        | ({} if postgres else {"txid": None})
        for e in events
    ]


def append(conn: Connection, events: Sequence[DomainEvent]) -> None:
    """Insert ``events`` now, outside a unit of work's commit (tests and tools)."""
    postgres = conn.dialect.name == "postgresql"
    computed = {tables.outbox: COMPUTED_POSTGRES} if postgres else None
    staging.write(conn, [(tables.outbox, rows(events, postgres=postgres))], computed=computed)


def read_after(conn: Connection, after: Position, limit: int) -> list[OutboxEvent]:
    """Up to ``limit`` events past ``after`` that can no longer be overtaken, in safe order."""
    o = tables.outbox.c
    if conn.dialect.name == "postgresql":
        horizon = text("pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        query = (
            select(tables.outbox)
            .where(tuple_(o.txid, o.id) > tuple_(literal(after.txid), literal(after.id)))
            .where(o.txid < horizon)
            .order_by(o.txid, o.id)
        )
    else:
        query = select(tables.outbox).where(o.id > after.id).order_by(o.id)
    rows = conn.execute(query.limit(limit)).mappings()
    return [OutboxEvent(**dict(r)) for r in rows]


def pending_count(conn: Connection, after: Position) -> int:
    """How many committed events lie past ``after`` (a consumer's lag)."""
    o = tables.outbox.c
    where = (
        tuple_(o.txid, o.id) > tuple_(literal(after.txid), literal(after.id))
        if conn.dialect.name == "postgresql"
        else o.id > after.id
    )
    return int(conn.execute(select(func.count()).where(where)).scalar_one())

"""Repositories: load and save domain objects through one connection of a unit of work."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Connection, Insert, Table, insert, select, update

from tiffin.domain.events import DomainEvent
from tiffin.domain.order import Order
from tiffin.errors import Conflict, NotFound
from tiffin.store import mapping, tables

T = TypeVar("T")


@functools.cache
def inserting(table: Table) -> Insert:
    """One ``INSERT`` statement per table, executed with parameters: building
    ``insert(t).values(row)`` per call turns every value into a bound literal and costs more CPU
    than the insert itself."""
    return insert(table)


class Records(Generic[T]):
    """Plain records keyed by ``id``: tenants, merchants, riders, offers and the like."""

    def __init__(
        self,
        conn: Connection,
        table: Table,
        to_row: Callable[[T], mapping.Row],
        from_row: Callable[[mapping.Row], T],
        noun: str,
    ) -> None:
        self.conn = conn
        self.table = table
        self.to_row = to_row
        self.from_row = from_row
        self.noun = noun

    def add(self, obj: T) -> None:
        self.conn.execute(inserting(self.table), self.to_row(obj))

    def get(self, id: str, *, for_update: bool = False) -> T | None:
        query = select(self.table).where(self.table.c.id == id)
        if for_update:
            query = query.with_for_update()
        row = self.conn.execute(query).mappings().first()
        return self.from_row(dict(row)) if row else None

    def require(self, id: str, *, for_update: bool = False) -> T:
        """Like ``get`` but raises ``NotFound`` with a sentence naming what was missing."""
        obj = self.get(id, for_update=for_update)
        if obj is None:
            raise NotFound(f"no {self.noun} with id {id!r}", resource=self.noun)
        return obj

    def save(self, obj: T) -> None:
        row = self.to_row(obj)
        self.conn.execute(update(self.table).where(self.table.c.id == row["id"]).values(row))

    def find(
        self,
        *where: ColumnElement[bool],
        order_by: Any = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[T]:
        query = select(self.table).where(*where)
        if isinstance(order_by, tuple):
            query = query.order_by(*order_by)
        elif order_by is not None:
            query = query.order_by(order_by)
        if limit is not None:
            query = query.limit(limit)
        if offset:
            query = query.offset(offset)
        return [self.from_row(dict(r)) for r in self.conn.execute(query).mappings()]


class Orders:
    """Orders with their lines and transition history; saves use optimistic versioning."""

    def __init__(self, conn: Connection, stage: Callable[[Table, list[mapping.Row]], None]) -> None:
        self.conn = conn
        self._stage = stage  # new rows are staged, written at the next statement or commit
        self._seen: dict[str, tuple[Order, int, int]] = {}

    def add(self, order: Order) -> None:
        self._stage(tables.orders, [mapping.order_row(order, version=1)])
        self._stage(
            tables.order_lines,
            [mapping.line_row(order.id, n, line) for n, line in enumerate(order.lines)],
        )
        self._insert_transitions(order, 0)
        self._seen[order.id] = (order, 1, len(order.history))

    def get(self, id: str, *, for_update: bool = False) -> Order | None:
        if id in self._seen:
            return self._seen[id][0]
        found = self._load([tables.orders.c.id == id], for_update=for_update)
        return found[0] if found else None

    def require(self, id: str, *, for_update: bool = False) -> Order:
        order = self.get(id, for_update=for_update)
        if order is None:
            raise NotFound(f"no order with id {id!r}", resource="order")
        return order

    def find(
        self,
        *where: ColumnElement[bool],
        order_by: Any = None,
        limit: int | None = None,
        offset: int = 0,
        for_update: bool = False,
    ) -> list[Order]:
        return self._load(
            list(where), order_by=order_by, limit=limit, offset=offset, for_update=for_update
        )

    def _load(
        self,
        where: list[ColumnElement[bool]],
        *,
        order_by: Any = None,
        limit: int | None = None,
        offset: int = 0,
        for_update: bool = False,
    ) -> list[Order]:
        query = select(tables.orders).where(*where)
        query = query.order_by(order_by if order_by is not None else tables.orders.c.placed_at)
        if limit is not None:
            query = query.limit(limit)
        if offset:
            query = query.offset(offset)
        if for_update:
            query = query.with_for_update()
        rows = [dict(r) for r in self.conn.execute(query).mappings()]
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        lines = _group(self.conn, tables.order_lines, ids)
        transitions = _group(self.conn, tables.order_transitions, ids)
        result = []
        for r in rows:
            if r["id"] in self._seen:
                result.append(self._seen[r["id"]][0])
                continue
            order = mapping.order_from(r, lines.get(r["id"], []), transitions.get(r["id"], []))
            self._seen[order.id] = (order, r["version"], len(order.history))
            result.append(order)
        return result

    def flush(self) -> list[DomainEvent]:
        """Write every changed order back; return and clear the events they recorded."""
        events: list[DomainEvent] = []
        for order_id, (order, version, saved) in list(self._seen.items()):
            if len(order.history) > saved:
                result = self.conn.execute(
                    update(tables.orders)
                    .where(tables.orders.c.id == order_id, tables.orders.c.version == version)
                    .values(mapping.order_row(order, version=version + 1))
                )
                if result.rowcount != 1:
                    raise Conflict(
                        f"order {order_id} was changed by someone else; try again",
                        resource="order",
                    )
                self._insert_transitions(order, saved)
                self._seen[order_id] = (order, version + 1, len(order.history))
            events.extend(order.events)
            order.events.clear()
        return events

    def _insert_transitions(self, order: Order, start: int) -> None:
        new = order.history[start:]
        if new:
            self._stage(
                tables.order_transitions,
                [mapping.transition_row(order.id, start + i, t) for i, t in enumerate(new)],
            )


def _group(conn: Connection, table: Table, order_ids: Iterable[str]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    query = select(table).where(table.c.order_id.in_(list(order_ids)))
    for row in conn.execute(query).mappings():
        grouped.setdefault(row["order_id"], []).append(dict(row))
    return grouped

"""Repositories: load and save domain objects through one connection of a unit of work."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Insert,
    Table,
    Update,
    bindparam,
    exists,
    func,
    insert,
    select,
    update,
)

from tiffin.domain.events import DomainEvent
from tiffin.domain.order import TERMINAL, Order, OrderStatus
from tiffin.domain.people import (
    Customer,
    MenuItem,
    Merchant,
    Offer,
    OfferStatus,
    Rider,
    RiderShift,
    Tenant,
    Zone,
)
from tiffin.domain.zones import RiskZone
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
        self.save_many([obj])

    def save_many(self, objs: Iterable[T]) -> None:
        """Write back changed objects: one statement (executemany) for all of them. The
        statement is built once per table and the SET clause comes from the rows' keys, so
        SQLAlchemy compiles it once, not per save (building ``update().values(row)`` per call
        cost more than the UPDATE itself on a telemetry post)."""
        rows = [self.to_row(obj) for obj in objs]
        if rows:
            self.conn.execute(
                _by_id_update(self.table),
                [{"_id": r["id"], **{k: v for k, v in r.items() if k != "id"}} for r in rows],
            )

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


def tenant_owned(
    conn: Connection, table: Table, row_id: str, tenant_id: str
) -> dict[str, Any] | None:
    """The row of ``table`` with this id, if it is the tenant's: another tenant's row is as
    missing as one that never was (callers raise their own ``NotFound``)."""
    c = table.c
    query = select(table).where(c.id == row_id, c.tenant_id == tenant_id)
    row = conn.execute(query).mappings().first()
    return None if row is None else dict(row)


@functools.cache
def _by_id_update(table: Table) -> Update:
    """``UPDATE table SET <the parameters' columns> WHERE id = :_id``."""
    return update(table).where(table.c.id == bindparam("_id"))


class Tenants(Records[Tenant]):
    def with_slug(self, slug: str) -> Tenant | None:
        found = self.find(tables.tenants.c.slug == slug)
        return found[0] if found else None

    def every(self) -> list[Tenant]:
        return self.find()


class Zones(Records[Zone]):
    def of_tenant(self, tenant_id: str) -> list[Zone]:
        return self.find(tables.zones.c.tenant_id == tenant_id)


class Merchants(Records[Merchant]):
    def of_tenant(
        self,
        tenant_id: str,
        *,
        approved_only: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Merchant]:
        """The tenant's merchants by name (only those no review holds back, if asked)."""
        m, r = tables.merchants.c, tables.account_reviews.c
        where = [m.tenant_id == tenant_id]
        if approved_only:
            held = exists().where(r.subject_id == m.id, r.status != "approved")
            where.append(~held)
        return self.find(*where, order_by=(m.name, m.id), limit=limit, offset=offset)

    def name_taken(self, tenant_id: str, name: str) -> bool:
        """Does a merchant of the tenant trade under this name (case and spaces aside)?"""
        m = tables.merchants.c
        same = func.lower(func.trim(m.name)) == name.strip().lower()
        return (
            self.conn.execute(select(m.id).where(m.tenant_id == tenant_id, same)).first()
            is not None
        )

    def with_ids(self, ids: Iterable[str]) -> list[Merchant]:
        return self.find(tables.merchants.c.id.in_(list(ids)))


class MenuItems(Records[MenuItem]):
    def count_of(self, merchant_id: str) -> int:
        """How many items the merchant's menu holds."""
        i = tables.menu_items.c
        query = (
            select(func.count()).select_from(tables.menu_items).where(i.merchant_id == merchant_id)
        )
        return int(self.conn.execute(query).scalar_one())

    def of_merchant(self, merchant_id: str, *, only_available: bool = False) -> list[MenuItem]:
        """The merchant's menu by name (only what is not sold out, if asked)."""
        i = tables.menu_items.c
        where = [i.merchant_id == merchant_id]
        if only_available:
            where.append(i.available.is_(True))
        return self.find(*where, order_by=i.name)


class Customers(Records[Customer]):
    pass


class Riders(Records[Rider]):
    def of_tenant(
        self, tenant_id: str, *, limit: int | None = None, offset: int = 0
    ) -> list[Rider]:
        """The tenant's riders by name."""
        r = tables.riders.c
        return self.find(
            r.tenant_id == tenant_id, order_by=(r.name, r.id), limit=limit, offset=offset
        )

    def with_ids(self, ids: Iterable[str]) -> list[Rider]:
        return self.find(tables.riders.c.id.in_(list(ids)))

    def carrying_of(self, ids: Iterable[str]) -> list[tuple[Rider, bool]]:
        """These riders, each with whether an order is assigned to them or in their bag: one
        statement for a group of telemetry posts."""
        r, o = tables.riders.c, tables.orders.c
        carrying = (
            exists()
            .where(
                o.rider_id == r.id,
                o.status.in_([OrderStatus.ASSIGNED.value, OrderStatus.PICKED_UP.value]),
            )
            .label("carrying")
        )
        query = select(tables.riders, carrying).where(r.id.in_(list(ids)))
        return [
            (mapping.rider_from(dict(row)), bool(row["carrying"]))
            for row in self.conn.execute(query).mappings()
        ]

    def move_many(self, riders: Iterable[Rider]) -> None:
        """Write back only where riders are and when they last moved (telemetry changes
        nothing else): one statement for a group, and no index on other columns touched."""
        rows = [
            {
                "_id": x.id,
                "lat": x.location.lat if x.location else None,
                "lon": x.location.lon if x.location else None,
                "location_at": x.location_at,
                "moved_at": x.moved_at,
            }
            for x in riders
        ]
        if rows:
            self.conn.execute(_by_id_update(tables.riders), rows)

    def on_shift_count(self, tenant_id: str) -> int:
        """How many of the tenant's riders are on shift (counted, not loaded)."""
        r = tables.riders.c
        query = (
            select(func.count())
            .select_from(tables.riders)
            .where(r.tenant_id == tenant_id, r.shift_started_at.is_not(None))
        )
        return int(self.conn.execute(query).scalar_one())


class Shifts(Records[RiderShift]):
    def open_of(self, rider_id: str) -> RiderShift | None:
        """The rider's shift that has not ended, if any."""
        s = tables.rider_shifts.c
        found = self.find(s.rider_id == rider_id, s.ended_at.is_(None))
        return found[0] if found else None


class Offers(Records[Offer]):
    def pending_for(self, order_id: str) -> list[Offer]:
        """Offers of the order still waiting for an answer (expired or not)."""
        o = tables.offers.c
        return self.find(o.order_id == order_id, o.status == OfferStatus.PENDING.value)

    def pending_for_rider(self, rider_id: str) -> list[Offer]:
        """Offers to the rider still waiting for an answer, oldest first (expired or not)."""
        o = tables.offers.c
        return self.find(
            o.rider_id == rider_id, o.status == OfferStatus.PENDING.value, order_by=o.created_at
        )

    def between(self, order_id: str, rider_id: str) -> list[Offer]:
        """Every offer of this order to this rider, whatever its answer."""
        o = tables.offers.c
        return self.find(o.order_id == order_id, o.rider_id == rider_id)

    def for_orders(self, order_ids: Iterable[str]) -> list[Offer]:
        return self.find(tables.offers.c.order_id.in_(list(order_ids)))


class RiskZones(Records[RiskZone]):
    def of_tenant(self, tenant_id: str) -> list[RiskZone]:
        """The tenant's closures, earliest first."""
        z = tables.risk_zones.c
        return self.find(z.tenant_id == tenant_id, order_by=z.closed_from)


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

    def forget(self) -> None:
        """Drop the orders this transaction has loaded (after a savepoint rolled back: their
        in-memory state may be ahead of the database's); the next read loads them again."""
        self._seen.clear()

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

    def carried_by(self, rider_id: str) -> list[Order]:
        """Orders assigned to the rider or in their bag."""
        o = tables.orders.c
        carrying = [OrderStatus.ASSIGNED.value, OrderStatus.PICKED_UP.value]
        return self.find(o.rider_id == rider_id, o.status.in_(carrying))

    def carriers_among(self, rider_ids: Iterable[str]) -> set[str]:
        """Which of these riders have an order assigned or in their bag (one query for a
        batch of telemetry posts)."""
        wanted = list(rider_ids)
        if not wanted:
            return set()
        o = tables.orders.c
        carrying = [OrderStatus.ASSIGNED.value, OrderStatus.PICKED_UP.value]
        query = select(o.rider_id).where(o.rider_id.in_(wanted), o.status.in_(carrying)).distinct()
        return set(self.conn.execute(query).scalars())

    def newest(
        self,
        tenant_id: str,
        *,
        customer_id: str | None = None,
        merchant_id: str | None = None,
        rider_id: str | None = None,
        status: OrderStatus | None = None,
        unfinished: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Order]:
        """The tenant's latest orders, newest first, narrowed to one customer, merchant, rider,
        status or to those not finished when given."""
        o = tables.orders.c
        where: list[ColumnElement[bool]] = [o.tenant_id == tenant_id]
        for column, value in (
            (o.customer_id, customer_id),
            (o.merchant_id, merchant_id),
            (o.rider_id, rider_id),
            (o.status, status.value if status else None),
        ):
            if value is not None:
                where.append(column == value)
        if unfinished:
            where.append(o.status.not_in([s.value for s in TERMINAL]))
        return self.find(*where, order_by=(o.placed_at.desc(), o.id), limit=limit, offset=offset)

    def in_flight(
        self, tenant_id: str, statuses: Iterable[str], *, placed_since: datetime
    ) -> list[Order]:
        """The tenant's orders in ``statuses``, leaving out those still waiting for their
        merchant that were placed after ``placed_since`` (too young to be late)."""
        o = tables.orders.c
        young = (o.status == OrderStatus.PLACED.value) & (o.placed_at > placed_since)
        return self.find(o.tenant_id == tenant_id, o.status.in_(list(statuses)), ~young)

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
        if order_by is None:
            order_by = tables.orders.c.placed_at
        query = (
            query.order_by(*order_by) if isinstance(order_by, tuple) else query.order_by(order_by)
        )
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

"""The unit of work: one transaction per use case; state, events and side effects commit together.

Service functions receive a ``UnitOfWork`` and never commit; the edge that called them does,
once. Events recorded by changed orders (and any emitted directly) go to the outbox inside the
same transaction.
"""

from __future__ import annotations

import threading
from types import TracebackType

from sqlalchemy import Connection

from tiffin.clock import Clock
from tiffin.domain.events import DomainEvent
from tiffin.domain.people import (
    Customer,
    MenuItem,
    Merchant,
    Offer,
    Rider,
    RiderShift,
    Tenant,
    Zone,
)
from tiffin.safety.model import RiskZone
from tiffin.store import mapping, outbox, tables
from tiffin.store.db import READ_ONLY, Database
from tiffin.store.repositories import Orders, Records


class UnitOfWork:
    conn: Connection
    tenants: Records[Tenant]
    zones: Records[Zone]
    merchants: Records[Merchant]
    menu_items: Records[MenuItem]
    customers: Records[Customer]
    riders: Records[Rider]
    shifts: Records[RiderShift]
    offers: Records[Offer]
    orders: Orders
    risk_zones: Records[RiskZone]

    def __init__(self, db: Database, clock: Clock, *, read_only: bool = False) -> None:
        self.db = db
        self.clock = clock
        self.read_only = read_only
        self._events: list[DomainEvent] = []
        self._open = False
        self._holds_write_lock = False

    def __enter__(self) -> UnitOfWork:
        if self.db.is_sqlite and not self.read_only:
            if self.db.write_owner == threading.get_ident():
                raise RuntimeError("a second writing unit of work in one thread would deadlock")
            self.db.write_lock.acquire()
            self.db.write_owner = threading.get_ident()
            self._holds_write_lock = True
        try:
            engine = self.db.write_engine if self._holds_write_lock else self.db.engine
            self.conn = engine.connect()
            self.conn.info[READ_ONLY] = self.read_only
            self.conn.begin()
        except BaseException:
            self._release()
            raise
        self._open = True
        self._events = []
        c = self.conn
        self.tenants = Records(c, tables.tenants, mapping.tenant_row, mapping.tenant_from, "tenant")
        self.zones = Records(c, tables.zones, mapping.zone_row, mapping.zone_from, "zone")
        self.merchants = Records(
            c, tables.merchants, mapping.merchant_row, mapping.merchant_from, "merchant"
        )
        self.menu_items = Records(
            c, tables.menu_items, mapping.menu_item_row, mapping.menu_item_from, "menu item"
        )
        self.customers = Records(
            c, tables.customers, mapping.customer_row, mapping.customer_from, "customer"
        )
        self.riders = Records(c, tables.riders, mapping.rider_row, mapping.rider_from, "rider")
        self.shifts = Records(
            c, tables.rider_shifts, mapping.shift_row, mapping.shift_from, "shift"
        )
        self.offers = Records(c, tables.offers, mapping.offer_row, mapping.offer_from, "offer")
        self.orders = Orders(c)
        self.risk_zones = Records(
            c, tables.risk_zones, mapping.risk_zone_row, mapping.risk_zone_from, "risk zone"
        )
        return self

    def emit(self, event: DomainEvent) -> None:
        """Record an event that is not owned by an order (a shift started, an offer rejected)."""
        self._events.append(event)

    def flush(self) -> None:
        """Write changed orders now (their events still wait for commit), so queries later in
        this transaction see them."""
        self._events.extend(self.orders.flush())

    def commit(self) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        events = self.orders.flush() + self._events
        self._events = []
        outbox.append(self.conn, events)
        self.conn.commit()
        self._open = False

    def rollback(self) -> None:
        if self._open:
            self.conn.rollback()
            self._open = False

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self.conn.close()
            self._release()

    def _release(self) -> None:
        if self._holds_write_lock:
            self._holds_write_lock = False
            self.db.write_owner = None
            self.db.write_lock.release()

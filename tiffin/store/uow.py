"""The unit of work: one transaction per use case; state, events and side effects commit together.

Service functions receive a ``UnitOfWork`` and never commit; the edge that called them does,
once. Events recorded by changed orders (and any emitted directly) go to the outbox inside the
same transaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Protocol

from psycopg.pq import TransactionStatus
from sqlalchemy import Connection, Table

from tiffin.clock import Clock
from tiffin.domain.events import DomainEvent
from tiffin.errors import CatalogChanged
from tiffin.store import mapping, outbox, staging, tables
from tiffin.store.credentials import Reviews, Tokens, Users
from tiffin.store.db import READ_ONLY, Database
from tiffin.store.repositories import (
    Customers,
    MenuItems,
    Merchants,
    Offers,
    Orders,
    Riders,
    RiskZones,
    Shifts,
    Tenants,
    Zones,
)
from tiffin.store.safety import SafetyRuleRows
from tiffin.store.staging import PENDING, CatalogGuard, Row, Staged, Written

log = logging.getLogger(__name__)
AFTERWARDS_FAILED = [0]  # work after a failed unit of work that failed in turn (logged)


class UnitOfWorkFactory(Protocol):
    """Opens a unit of work: what routes, workers and the simulator are handed instead of the
    platform (``platform.uow`` is one)."""

    def __call__(self, *, read_only: bool = False) -> UnitOfWork: ...


class UnitOfWork:
    conn: Connection
    tenants: Tenants
    zones: Zones
    merchants: Merchants
    menu_items: MenuItems
    customers: Customers
    riders: Riders
    shifts: Shifts
    offers: Offers
    orders: Orders
    risk_zones: RiskZones
    safety_rules: SafetyRuleRows
    users: Users
    tokens: Tokens

    def __init__(self, db: Database, clock: Clock, *, read_only: bool = False) -> None:
        self.db = db
        self.clock = clock
        self.read_only = read_only
        self._events: list[DomainEvent] = []
        self._staged: Staged = []
        self._guard: CatalogGuard | None = None
        self._on_stale: Callable[[str], None] | None = None
        self._open = False
        self._holds_write_lock = False
        self._afterwards: list[Callable[[], None]] = []

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
        self._staged = []
        self._afterwards = []
        self._guard = self._on_stale = None
        c = self.conn
        c.info[PENDING] = self._staged
        self.tenants = Tenants(c, tables.tenants, mapping.tenant_row, mapping.tenant_from, "tenant")
        self.zones = Zones(c, tables.zones, mapping.zone_row, mapping.zone_from, "zone")
        self.merchants = Merchants(
            c, tables.merchants, mapping.merchant_row, mapping.merchant_from, "merchant"
        )
        self.menu_items = MenuItems(
            c, tables.menu_items, mapping.menu_item_row, mapping.menu_item_from, "menu item"
        )
        self.customers = Customers(
            c, tables.customers, mapping.customer_row, mapping.customer_from, "customer"
        )
        self.riders = Riders(c, tables.riders, mapping.rider_row, mapping.rider_from, "rider")
        self.shifts = Shifts(c, tables.rider_shifts, mapping.shift_row, mapping.shift_from, "shift")
        self.offers = Offers(c, tables.offers, mapping.offer_row, mapping.offer_from, "offer")
        self.orders = Orders(c, self.stage)
        self.risk_zones = RiskZones(
            c, tables.risk_zones, mapping.risk_zone_row, mapping.risk_zone_from, "risk zone"
        )
        self.safety_rules = SafetyRuleRows(c)
        self.users = Users(c)
        self.tokens = Tokens(c)
        self.reviews = Reviews(c)
        return self

    def stage(self, table: Table, rows: list[Row]) -> None:
        """Insert ``rows`` at the next statement or at commit, whichever comes first (see
        ``staging``): on commit, all of a transaction's staged rows go in one statement."""
        self._staged.append((table, rows))

    def guard_catalog(
        self, tenant_id: str, version: int, *, on_stale: Callable[[str], None] | None = None
    ) -> None:
        """Commit only if ``tenant_id``'s catalog version is still ``version`` (the work priced
        an order from a copy read at that version). Otherwise the commit writes nothing, calls
        ``on_stale(tenant_id)`` (drop the copy) and raises ``CatalogChanged``."""
        if self._guard is not None and self._guard.tenant_id != tenant_id:
            raise RuntimeError("one unit of work guards one tenant's catalog")
        if self._guard is not None and self._guard.version != version:
            # Read at two versions (the catalog changed in between): one read is stale.
            if on_stale is not None:
                on_stale(tenant_id)
            raise CatalogChanged("the catalog changed while it was read; please try again")
        self._guard = CatalogGuard(tenant_id, version)
        self._on_stale = on_stale

    def emit(self, event: DomainEvent) -> None:
        """Record an event that is not owned by an order (a shift started, an offer rejected)."""
        self._events.append(event)

    def afterwards(self, work: Callable[[], None]) -> None:
        """Run ``work`` once this unit of work has ended, committed or not, after its
        connection (and SQLite's write lock) is let go: how a fact that must outlive a
        rolled-back transaction (a blocked order's risk decision) is written in its own."""
        self._afterwards.append(work)

    def flush(self) -> None:
        """Write changed orders now (their events still wait for commit), so queries later in
        this transaction see them."""
        self._events.extend(self.orders.flush())
        staging.write(self.conn, self._take_staged())

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Work that may fail on its own: on an exception everything it wrote, staged or
        emitted is undone (a SQL savepoint) and the exception goes on; the rest of the
        transaction stands. The outbox runner gives each consumer one on SQLite, where all of
        a round's consumers share one transaction."""
        self.flush()  # what came before is written: only the block's own work is at stake
        events = len(self._events)
        nested = self.conn.begin_nested()
        try:
            yield
            self.flush()
        except BaseException:
            nested.rollback()
            del self._events[events:]
            self._staged.clear()
            self.orders.forget()  # aggregates the block loaded may hold its undone changes
            raise
        nested.commit()

    def commit(self, *, claim: tuple[Table, Row] | None = None) -> bool:
        """Write everything and commit. With ``claim``, also insert that row unless it
        collides with a unique key (an idempotency key); if it does, roll everything back and
        return False. PostgreSQL gets the new rows, the outbox events, the claim and the catalog
        guard (``guard_catalog``) as one statement."""
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        events = self.orders.flush() + self._events
        self._events = []
        staged = self._take_staged()
        postgres = self.db.is_postgres
        if events:
            staged.append((tables.outbox, outbox.rows(events, postgres=postgres)))
        computed = {tables.outbox: outbox.COMPUTED_POSTGRES} if postgres else None
        guard, on_stale = self._guard, self._on_stale
        alone = postgres and staging.one_statement(staged, claim) and self._nothing_sent()
        with _autocommit(self.conn, alone):
            written = staging.write(self.conn, staged, computed=computed, claim=claim, guard=guard)
        if written is Written.STALE and guard is not None:
            self.rollback()
            if on_stale is not None:
                on_stale(guard.tenant_id)
            raise CatalogChanged(
                "the menu, the prices or the delivery area changed while the order was placed;"
                " please try again",
                code="catalog_changed",
            )
        if written is Written.CLAIM_TAKEN:
            self.rollback()
            return False
        self.conn.commit()
        self._open = False
        return True

    def _nothing_sent(self) -> bool:
        """Whether this transaction has not reached the server yet (psycopg sends ``BEGIN``
        with the first statement)."""
        raw: Any = self.conn.connection.dbapi_connection
        return bool(raw.info.transaction_status == TransactionStatus.IDLE)

    def _take_staged(self) -> Staged:
        staged = list(self._staged)
        self._staged.clear()  # the list the autoflush hook sees: empty before anything runs
        return staged

    def rollback(self) -> None:
        self._staged.clear()
        self._guard = self._on_stale = None
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
            self.conn.info.pop(PENDING, None)
            self.conn.close()
            self._release()
        work, self._afterwards = self._afterwards, []
        for step in work:
            if exc_type is None:
                step()
                continue
            try:
                step()
            except Exception:  # noqa: BLE001 - keep the error the block is already raising
                AFTERWARDS_FAILED[0] += 1
                log.exception("work after a failed unit of work failed too; the first error wins")

    def _release(self) -> None:
        if self._holds_write_lock:
            self._holds_write_lock = False
            self.db.write_owner = None
            self.db.write_lock.release()


@contextmanager
def _autocommit(conn: Connection, alone: bool) -> Iterator[None]:
    """Run the block's one statement in autocommit mode when ``alone``: a transaction whose
    only statement is the commit's (an order placed from checkout's copies, see
    ``staging``) is atomic without ``BEGIN`` and ``COMMIT``, two round trips fewer."""
    if not alone:
        yield
        return
    raw: Any = conn.connection.dbapi_connection
    raw.autocommit = True
    try:
        yield
    finally:
        if not raw.closed:  # a dead connection is the pool's to discard; keep its error
            raw.autocommit = False

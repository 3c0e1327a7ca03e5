"""Checkout's reads, kept between orders and trusted only at the catalog version they were read at.

Every order placed needs its buyer (customer, tenant, zones) and its storefront (merchant and
menu). Reading them costs about half of a placement's CPU (two statements, dozens of result
columns, the rows mapped to domain objects: measured with yappi on PostgreSQL, 49 % of the
worker thread), yet they change rarely. So this keeps copies, and makes them safe with
optimistic concurrency rather than expiry: database triggers bump a per-tenant catalog version
on every change to those tables (migration 0006), each copy remembers the version it was read
at, and the unit of work commits the order only if the version is still that
(``UnitOfWork.guard_catalog``; on PostgreSQL inside the commit's one statement). A copy made
stale by any writer, in this process or another, is caught at commit: nothing is written, the
tenant's copies are dropped, and placement runs again on fresh reads (``run_idempotent``).
The tenant's weather windows (a storm lengthens the promise) are kept the same way: the
triggers watch the force-majeure table too (migration 0020).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TypeVar

from tiffin.domain.weather import WeatherWindow
from tiffin.errors import CatalogChanged
from tiffin.ordering import queries
from tiffin.ordering.queries import Buyer, Storefront
from tiffin.store import weather
from tiffin.store.uow import UnitOfWork

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class Weather:
    """A tenant's weather windows not yet ended when read (a storm lengthens the promise).
    Kept like the other copies: right as time passes, since each window says when it is in
    force; stale once a window is declared, amended or ended (the version moves)."""

    windows: tuple[WeatherWindow, ...] = ()
    catalog_version: int = 0


class CheckoutCatalog:
    """Copies of buyers and storefronts, at most ``capacity`` of each (0: read every time)."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._buyers: dict[str, Buyer] = {}
        self._storefronts: dict[tuple[str, str], Storefront] = {}
        self._weather: dict[str, Weather] = {}
        self._lock = threading.Lock()

    def for_order(
        self, uow: UnitOfWork, customer_id: str, merchant_id: str
    ) -> tuple[Buyer | None, Storefront | None]:
        """The buyer and the storefront an order is placed from, and a guard on ``uow``: it
        commits only while they are current. ``None`` for an unknown customer or merchant."""
        buyer = self._buyers.get(customer_id)
        if buyer is None:
            buyer = queries.buyer(uow, customer_id)
            if buyer is None:
                return None, None
            self._keep(self._buyers, customer_id, buyer)
        tenant_id = buyer.tenant.id
        front = self._storefronts.get((merchant_id, tenant_id))
        if front is None:
            front = queries.storefront(uow, merchant_id, tenant_id)
            if front is None:
                return buyer, None
            self._keep(self._storefronts, (merchant_id, tenant_id), front)
        if front.catalog_version != buyer.catalog_version:
            # One copy is older than the other, so not current: drop the tenant's and retry.
            self.forget(tenant_id)
            raise CatalogChanged("the catalog changed while it was read; please try again")
        uow.guard_catalog(tenant_id, buyer.catalog_version, on_stale=self.forget)
        return buyer, front

    def weather(self, uow: UnitOfWork, tenant_id: str, version: int) -> tuple[WeatherWindow, ...]:
        """The tenant's weather windows, from the copy when it was read at ``version`` (the
        buyer's: the commit is guarded at that version by ``for_order``), else read now (one
        statement) and kept. A warm checkout reads nothing here."""
        kept = self._weather.get(tenant_id)
        if kept is None:
            windows, read_at = weather.not_ended(uow.conn, tenant_id, uow.clock.now())
            kept = Weather(tuple(windows), read_at)
            if self.capacity > 0:
                with self._lock:
                    self._weather[tenant_id] = kept
        if kept.catalog_version != version:
            self.forget(tenant_id)
            raise CatalogChanged("the catalog changed while it was read; please try again")
        return kept.windows

    def forget(self, tenant_id: str) -> None:
        """Drop every copy of ``tenant_id``'s catalog (it changed)."""
        with self._lock:
            self._buyers = {k: b for k, b in self._buyers.items() if b.tenant.id != tenant_id}
            self._storefronts = {k: f for k, f in self._storefronts.items() if k[1] != tenant_id}
            self._weather.pop(tenant_id, None)

    def __len__(self) -> int:
        """Buyers and storefronts kept (each tenant's weather rides along, uncounted)."""
        return len(self._buyers) + len(self._storefronts)

    def _keep(self, copies: dict[K, V], key: K, value: V) -> None:
        if self.capacity <= 0:
            return
        with self._lock:
            while len(copies) >= self.capacity:
                copies.pop(next(iter(copies)))  # the oldest copy
            copies[key] = value

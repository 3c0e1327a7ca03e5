"""An in-memory unit of work for service unit tests: the repositories' named queries over plain
dictionaries, no database.

It keeps the real unit of work's contract where services can tell the difference: ``get``
returns a copy, so a change not ``save``d is lost; changed orders and emitted events reach the
outbox only on ``commit``; leaving the block without committing rolls every change back.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar, cast

from tiffin.clock import Clock, ManualClock
from tiffin.domain.events import DomainEvent
from tiffin.domain.order import Order, OrderStatus
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
from tiffin.errors import NotFound
from tiffin.store.uow import UnitOfWork


class HasId(Protocol):
    id: str


T = TypeVar("T", bound=HasId)
Row = dict[str, Any]


@dataclass
class FakeStore:
    """What the fake database holds; it outlives the units of work opened on it."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: list[Row] = field(default_factory=list)
    tokens: list[Row] = field(default_factory=list)
    reviews: dict[str, str] = field(default_factory=dict)  # subject id -> review status
    outbox: list[DomainEvent] = field(default_factory=list)

    def table(self, name: str) -> dict[str, Any]:
        return self.records.setdefault(name, {})

    @property
    def topics(self) -> list[str]:
        """The committed events' topics, oldest first."""
        return [e.topic for e in self.outbox]


class FakeRecords(Generic[T]):
    def __init__(self, store: FakeStore, name: str, noun: str) -> None:
        self._store = store
        self._rows: dict[str, T] = store.table(name)
        self.noun = noun

    def add(self, obj: T) -> None:
        if obj.id in self._rows:
            raise AssertionError(f"duplicate {self.noun} id {obj.id!r}")
        self._rows[obj.id] = copy.deepcopy(obj)

    def get(self, id: str, *, for_update: bool = False) -> T | None:
        found = self._rows.get(id)
        return copy.deepcopy(found) if found is not None else None

    def require(self, id: str, *, for_update: bool = False) -> T:
        obj = self.get(id)
        if obj is None:
            raise NotFound(f"no {self.noun} with id {id!r}", resource=self.noun)
        return obj

    def save(self, obj: T) -> None:
        if obj.id not in self._rows:
            raise AssertionError(f"saving a {self.noun} that was never added: {obj.id!r}")
        self._rows[obj.id] = copy.deepcopy(obj)

    def save_many(self, objs: Iterable[T]) -> None:
        for obj in objs:
            self.save(obj)

    def _all(self) -> list[T]:
        return [copy.deepcopy(o) for o in self._rows.values()]


class FakeTenants(FakeRecords[Tenant]):
    def with_slug(self, slug: str) -> Tenant | None:
        return next((t for t in self._all() if t.slug == slug), None)

    def every(self) -> list[Tenant]:
        return self._all()


class FakeZones(FakeRecords[Zone]):
    def of_tenant(self, tenant_id: str) -> list[Zone]:
        return [z for z in self._all() if z.tenant_id == tenant_id]


class FakeMerchants(FakeRecords[Merchant]):
    def __init__(self, store: FakeStore, name: str, noun: str) -> None:
        super().__init__(store, name, noun)
        self._reviews = store.reviews

    def of_tenant(
        self,
        tenant_id: str,
        *,
        approved_only: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Merchant]:
        found = sorted(
            (
                m
                for m in self._all()
                if m.tenant_id == tenant_id
                and not (approved_only and self._reviews.get(m.id, "approved") != "approved")
            ),
            key=lambda m: (m.name, m.id),
        )
        return found[offset : None if limit is None else offset + limit]

    def name_taken(self, tenant_id: str, name: str) -> bool:
        wanted = name.strip().lower()
        return any(
            m.tenant_id == tenant_id and m.name.strip().lower() == wanted for m in self._all()
        )

    def with_ids(self, ids: Iterable[str]) -> list[Merchant]:
        wanted = set(ids)
        return [m for m in self._all() if m.id in wanted]


class FakeMenuItems(FakeRecords[MenuItem]):
    def count_of(self, merchant_id: str) -> int:
        return sum(1 for i in self._all() if i.merchant_id == merchant_id)

    def of_merchant(self, merchant_id: str, *, only_available: bool = False) -> list[MenuItem]:
        found = [
            i
            for i in self._all()
            if i.merchant_id == merchant_id and (i.available or not only_available)
        ]
        return sorted(found, key=lambda i: i.name)


class FakeCustomers(FakeRecords[Customer]):
    pass


class FakeRiders(FakeRecords[Rider]):
    def of_tenant(
        self, tenant_id: str, *, limit: int | None = None, offset: int = 0
    ) -> list[Rider]:
        found = sorted(
            (r for r in self._all() if r.tenant_id == tenant_id), key=lambda r: (r.name, r.id)
        )
        return found[offset : None if limit is None else offset + limit]

    def with_ids(self, ids: Iterable[str]) -> list[Rider]:
        wanted = set(ids)
        return [r for r in self._all() if r.id in wanted]

    def on_shift_count(self, tenant_id: str) -> int:
        return sum(1 for r in self._all() if r.tenant_id == tenant_id and r.on_shift)

    def carrying_of(self, ids: Iterable[str]) -> list[tuple[Rider, bool]]:
        carrying = (OrderStatus.ASSIGNED, OrderStatus.PICKED_UP)
        orders: dict[str, Order] = self._store.table("orders")
        carriers = {o.rider_id for o in orders.values() if o.status in carrying}
        return [(r, r.id in carriers) for r in self.with_ids(ids)]

    def move_many(self, riders: Iterable[Rider]) -> None:
        self.save_many(riders)


class FakeShifts(FakeRecords[RiderShift]):
    def open_of(self, rider_id: str) -> RiderShift | None:
        return next((s for s in self._all() if s.rider_id == rider_id and s.ended_at is None), None)


class FakeOffers(FakeRecords[Offer]):
    def pending_for(self, order_id: str) -> list[Offer]:
        return [
            o for o in self._all() if o.order_id == order_id and o.status is OfferStatus.PENDING
        ]

    def pending_for_rider(self, rider_id: str) -> list[Offer]:
        found = [
            o for o in self._all() if o.rider_id == rider_id and o.status is OfferStatus.PENDING
        ]
        return sorted(found, key=lambda o: o.created_at)

    def between(self, order_id: str, rider_id: str) -> list[Offer]:
        return [o for o in self._all() if o.order_id == order_id and o.rider_id == rider_id]

    def for_orders(self, order_ids: Iterable[str]) -> list[Offer]:
        wanted = set(order_ids)
        return [o for o in self._all() if o.order_id in wanted]


class FakeRiskZones(FakeRecords[RiskZone]):
    def of_tenant(self, tenant_id: str) -> list[RiskZone]:
        found = [z for z in self._all() if z.tenant_id == tenant_id]
        return sorted(found, key=lambda z: z.closed_from)


class FakeOrders:
    """Orders as the real repository keeps them: one object per order within a unit of work,
    written back (with the events it recorded) at commit."""

    def __init__(self, store: FakeStore) -> None:
        self._rows: dict[str, Order] = store.table("orders")
        self._seen: dict[str, Order] = {}

    def add(self, order: Order) -> None:
        if order.id in self._rows or order.id in self._seen:
            raise AssertionError(f"duplicate order id {order.id!r}")
        self._seen[order.id] = order

    def forget(self) -> None:
        self._seen.clear()

    def get(self, id: str, *, for_update: bool = False) -> Order | None:
        if id not in self._seen:
            stored = self._rows.get(id)
            if stored is None:
                return None
            self._seen[id] = copy.deepcopy(stored)
        return self._seen[id]

    def require(self, id: str, *, for_update: bool = False) -> Order:
        order = self.get(id)
        if order is None:
            raise NotFound(f"no order with id {id!r}", resource="order")
        return order

    def _matching(self, keep: Any) -> list[Order]:
        ids = set(self._rows) | set(self._seen)
        found = [o for o in (self.get(i) for i in ids) if o is not None and keep(o)]
        return sorted(found, key=lambda o: o.placed_at)

    def carried_by(self, rider_id: str) -> list[Order]:
        carrying = (OrderStatus.ASSIGNED, OrderStatus.PICKED_UP)
        return self._matching(lambda o: o.rider_id == rider_id and o.status in carrying)

    def carriers_among(self, rider_ids: Iterable[str]) -> set[str]:
        wanted = set(rider_ids)
        carrying = (OrderStatus.ASSIGNED, OrderStatus.PICKED_UP)
        return {
            o.rider_id
            for o in self._matching(lambda o: o.rider_id in wanted and o.status in carrying)
            if o.rider_id is not None
        }

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
        def keep(o: Order) -> bool:
            return (
                o.tenant_id == tenant_id
                and customer_id in (None, o.customer_id)
                and merchant_id in (None, o.merchant_id)
                and rider_id in (None, o.rider_id)
                and status in (None, o.status)
                and not (unfinished and o.is_terminal)
            )

        return list(reversed(self._matching(keep)))[offset : offset + limit]

    def in_flight(
        self, tenant_id: str, statuses: Iterable[str], *, placed_since: datetime
    ) -> list[Order]:
        wanted = set(statuses)

        def keep(o: Order) -> bool:
            young = o.status is OrderStatus.PLACED and o.placed_at > placed_since
            return o.tenant_id == tenant_id and o.status.value in wanted and not young

        return self._matching(keep)

    def flush(self) -> list[DomainEvent]:
        events: list[DomainEvent] = []
        for order in self._seen.values():
            events.extend(order.events)
            order.events.clear()  # events go to the outbox, never into the stored order
            self._rows[order.id] = copy.deepcopy(order)
        return events


class FakeUsers:
    def __init__(self, store: FakeStore) -> None:
        self._rows = store.users

    def add(self, row: Row) -> bool:
        if self.with_email(row["tenant_id"], row["email"]) is not None:
            return False  # the real table's unique key, ignored as the real insert does
        self._rows.append(dict(row))
        return True

    def get(self, user_id: str) -> Row | None:
        return next((dict(u) for u in self._rows if u["id"] == user_id), None)

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        for u in self._rows:
            if u["id"] == user_id:
                u["password_hash"] = password_hash

    def with_email(self, tenant_id: str, email: str) -> Row | None:
        return next(
            (dict(u) for u in self._rows if u["tenant_id"] == tenant_id and u["email"] == email),
            None,
        )


class FakeReviews:
    def __init__(self, store: FakeStore) -> None:
        self._rows = store.reviews

    def status_of(self, subject_id: str) -> str | None:
        return self._rows.get(subject_id)


class FakeSafetyRules:
    """No tenant set safety rules in the unit tests' world: the defaults hold."""

    def of(self, tenant_id: str) -> dict[str, Any] | None:
        return None

    def continuous_limit(self, tenant_id: str) -> int | None:
        return None

    def bad_weather(self, tenant_id: str, now: datetime) -> bool:
        return False

    def minutes_today(self, rider_ids: Iterable[str], now: datetime) -> dict[str, int]:
        return {}


class FakeTokens:
    def __init__(self, store: FakeStore) -> None:
        self._rows = store.tokens
        self._users = store.users

    def add(
        self, *, token_hash: str, user_id: str, created_at: datetime, expires_at: datetime
    ) -> None:
        self._rows.append(
            {
                "token_hash": token_hash,
                "user_id": user_id,
                "created_at": created_at,
                "expires_at": expires_at,
            }
        )

    def sweep_expired(self, now: datetime) -> None:
        self._rows[:] = [t for t in self._rows if t["expires_at"] >= now]

    def delete_for(self, user_id: str, token_hash: str | None = None) -> dict[str, datetime]:
        gone = [
            t
            for t in self._rows
            if t["user_id"] == user_id and token_hash in (None, t["token_hash"])
        ]
        self._rows[:] = [t for t in self._rows if t not in gone]
        return {t["token_hash"]: t["expires_at"] for t in gone}

    def holder(self, token_hash: str) -> Row | None:
        token = next((t for t in self._rows if t["token_hash"] == token_hash), None)
        if token is None:
            return None
        user = next(u for u in self._users if u["id"] == token["user_id"])
        keys = ("id", "tenant_id", "role", "subject_id")
        return {"expires_at": token["expires_at"], **{k: user[k] for k in keys}}


class FakeUnitOfWork:
    """Stands in for ``tiffin.store.uow.UnitOfWork`` in service unit tests."""

    def __init__(self, store: FakeStore | None = None, clock: Clock | None = None) -> None:
        self.store = store if store is not None else FakeStore()
        self.clock = clock if clock is not None else ManualClock()
        self.committed = False
        self._events: list[DomainEvent] = []
        self._open()

    def _open(self) -> None:
        s = self.store
        self._before = copy.deepcopy((s.records, s.users, s.tokens))
        self.tenants = FakeTenants(s, "tenants", "tenant")
        self.zones = FakeZones(s, "zones", "zone")
        self.merchants = FakeMerchants(s, "merchants", "merchant")
        self.menu_items = FakeMenuItems(s, "menu_items", "menu item")
        self.customers = FakeCustomers(s, "customers", "customer")
        self.riders = FakeRiders(s, "riders", "rider")
        self.shifts = FakeShifts(s, "shifts", "shift")
        self.offers = FakeOffers(s, "offers", "offer")
        self.risk_zones = FakeRiskZones(s, "risk_zones", "risk zone")
        self.orders = FakeOrders(s)
        self.users = FakeUsers(s)
        self.tokens = FakeTokens(s)
        self.reviews = FakeReviews(s)
        self.safety_rules = FakeSafetyRules()

    def __enter__(self) -> FakeUnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    @property
    def real(self) -> UnitOfWork:
        """This fake, typed as what the services take."""
        return cast(UnitOfWork, self)

    def emit(self, event: DomainEvent) -> None:
        self._events.append(event)

    def flush(self) -> None:
        self._events.extend(self.orders.flush())

    def commit(self) -> bool:
        events = self.orders.flush() + self._events
        self._events = []
        self.store.outbox.extend(events)
        self.committed = True
        self._open()  # the next work starts from what was committed
        return True

    def rollback(self) -> None:
        """Undo everything since the last commit (records, users, tokens, pending events)."""
        records, users, tokens = self._before
        self.store.records.clear()
        self.store.records.update(records)
        self.store.users[:] = users
        self.store.tokens[:] = tokens
        self._events = []
        self._open()

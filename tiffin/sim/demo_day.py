"""A live simulated day on the demo campus, for ``make run``: there is always something to see.

It plays the demo tenant's customers, canteens and riders on the running platform, through the
same service functions the API calls (nothing skips the state machine, the dispatcher or the
outbox): now and then a customer orders, canteens accept and cook, riders take the live
dispatcher's offers, fetch the food and deliver it. Times are compressed (a kitchen takes a
minute, a ride well under one) so whoever watches ``/v1/orders`` or the status page sees orders
move. It plays on a tenant of its own (``tiffin.seed.SIM_TENANT``), never the demo campus whose
logins the README hands out, so a reader's orders are never raced. Each milestone of an order
is logged at info level, so the server's terminal shows the day going on.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from tiffin.clock import Clock
from tiffin.domain.geo import LatLon
from tiffin.domain.order import Action, Order, OrderStatus
from tiffin.domain.principals import Principal, Role
from tiffin.errors import TiffinError
from tiffin.ordering.checkout_cache import CheckoutCatalog
from tiffin.ordering.service import LineRequest, act, place_order
from tiffin.riders.service import accept_offer, own_rider, pending_offers, report_location
from tiffin.riders.service import start_shift as begin_shift
from tiffin.seed import SIM_TENANT
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

log = logging.getLogger(__name__)
# What a watcher of the server's terminal is told about (one line per order milestone).
MILESTONES = {"placed", "accepted", "ready", "assigned", "picked up", "delivered"}


@dataclass(frozen=True)
class Cast:
    """The demo tenant's people, as the principals they act as."""

    customers: tuple[Principal, ...]
    canteens: tuple[Principal, ...]
    riders: tuple[Principal, ...]


class DemoDay:
    """One ``tick`` per call (the platform calls it every couple of seconds). ``uow`` makes
    units of work like ``Platform.uow`` (``read_only=True`` for the looking around)."""

    def __init__(
        self,
        uow: Callable[..., UnitOfWork],
        catalog: CheckoutCatalog,
        clock: Clock,
        *,
        seed: int = 7,
        order_every_seconds: float = 20.0,
        kitchen_seconds: float = 60.0,
        ride_seconds: float = 40.0,
        slug: str = SIM_TENANT,
    ) -> None:
        self.uow = uow
        self.catalog = catalog
        self.clock = clock
        self.rng = random.Random(seed)
        self.order_every = order_every_seconds
        self.kitchen = timedelta(seconds=kitchen_seconds)
        self.ride = timedelta(seconds=ride_seconds)
        self.slug = slug
        self.next_order_at: datetime | None = None
        self._cast: Cast | None = None

    def tick(self) -> Counter[str]:
        """Everyone does what is due now; returns what was done (``{"placed": 1, ...}``)."""
        done: Counter[str] = Counter()
        cast = self._cast or self._find_cast()
        if cast is None:
            return done  # no demo tenant in this database: nothing to play
        self._cast = cast
        with self.uow(read_only=True) as uow:  # a look first: a writing one takes SQLite's lock
            off = [r for r in cast.riders if not own_rider(uow, r).on_shift]
        for rider in off:
            self._try(done, "shift started", _starting_shift(rider))
        self._customers(cast, done)
        for canteen in cast.canteens:
            self._kitchen(canteen, done)
        for rider in cast.riders:
            self._rider(rider, done)
        return done

    def _customers(self, cast: Cast, done: Counter[str]) -> None:
        now = self.clock.now()
        if self.next_order_at is None:
            self.next_order_at = now
        if now < self.next_order_at:
            return
        self.next_order_at = now + timedelta(seconds=self.rng.expovariate(1 / self.order_every))
        customer = self.rng.choice(cast.customers)
        canteen = self.rng.choice(cast.canteens)
        quantity = self.rng.randint(1, 2)
        pick = self.rng.random()

        def order(uow: UnitOfWork) -> str | None:
            items = uow.menu_items.find(
                tables.menu_items.c.merchant_id == canteen.subject_id,
                tables.menu_items.c.available.is_(True),
            )
            if not items or canteen.subject_id is None:
                return None
            item = items[int(pick * len(items))]
            placed = place_order(
                uow,
                customer,
                merchant_id=canteen.subject_id,
                lines=[LineRequest(item.id, quantity)],
                catalog=self.catalog,
            )
            return placed.id

        self._try(done, "placed", order)

    def _kitchen(self, canteen: Principal, done: Counter[str]) -> None:
        for order in self._orders(tables.orders.c.merchant_id, canteen.subject_id):
            cooking = order.ready_at is None and order.status in _COOKING
            if order.status is OrderStatus.PLACED:
                self._act(done, "accepted", canteen, order, Action.ACCEPT)
            elif cooking and self._since(order, Action.ACCEPT) >= self.kitchen:
                self._act(done, "ready", canteen, order, Action.MARK_READY)

    def _rider(self, rider: Principal, done: Counter[str]) -> None:
        with self.uow(read_only=True) as uow:
            offers = pending_offers(uow, rider.subject_id or "")
        for offer in offers:
            self._try(done, "assigned", _accepting(rider, offer.id))
        for order in self._orders(tables.orders.c.rider_id, rider.subject_id):
            waiting = order.status is OrderStatus.ASSIGNED and order.ready_at is not None
            carrying = order.status is OrderStatus.PICKED_UP
            if waiting and self._since(order, Action.ASSIGN) >= self.ride:
                self._act(done, "picked up", rider, order, Action.PICK_UP)
            elif carrying and self._since(order, Action.PICK_UP) >= self.ride:
                self._act(done, "delivered", rider, order, Action.DELIVER)
                self._try(done, "", _moving(rider, order.dropoff))

    def _orders(self, column: object, subject: str | None) -> Sequence[Order]:
        open_states = [s.value for s in OrderStatus if s not in _FINISHED]
        with self.uow(read_only=True) as uow:
            return uow.orders.find(
                column == subject,  # type: ignore[arg-type]
                tables.orders.c.status.in_(open_states),
            )

    def _since(self, order: Order, action: Action) -> timedelta:
        at = next((t.at for t in reversed(order.history) if t.action is action), None)
        return timedelta(0) if at is None else self.clock.now() - at

    def _act(
        self, done: Counter[str], what: str, who: Principal, order: Order, action: Action
    ) -> None:
        def step(uow: UnitOfWork) -> str:
            act(uow, who, order.id, action)
            return order.id

        self._try(done, what, step)

    def _try(self, done: Counter[str], what: str, step: Step) -> None:
        """One step in its own transaction; a step refused (someone was quicker) is skipped."""
        try:
            with self.uow() as uow:
                ref = step(uow)
                if ref is None:
                    return
                uow.commit()
        except TiffinError:
            return
        if what:
            done[what] += 1
        if what in MILESTONES:
            log.info("simulated day: order %s %s", ref, what)

    def _find_cast(self) -> Cast | None:
        u, t = tables.users.c, tables.tenants.c
        with self.uow(read_only=True) as uow:
            rows = uow.conn.execute(
                select(u.id, u.tenant_id, u.role, u.subject_id)
                .join(tables.tenants, t.id == u.tenant_id)
                .where(t.slug == self.slug, u.email.like(f"%@{self.slug}.test"))
                .order_by(u.email)
            ).all()
        people = [Principal(r.id, r.tenant_id, Role(r.role), r.subject_id) for r in rows]

        def of(role: Role) -> tuple[Principal, ...]:
            return tuple(p for p in people if p.role is role and p.subject_id)

        cast = Cast(of(Role.CUSTOMER), of(Role.MERCHANT), of(Role.RIDER))
        return cast if cast.customers and cast.canteens and cast.riders else None


_FINISHED = (OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.FAILED)
_COOKING = (OrderStatus.ACCEPTED, OrderStatus.ASSIGNED)
Step = Callable[[UnitOfWork], str | None]  # what it acted on, or None if nothing


def _starting_shift(rider: Principal) -> Step:
    def step(uow: UnitOfWork) -> str | None:
        if own_rider(uow, rider).on_shift:
            return None
        canteens = uow.merchants.find(tables.merchants.c.tenant_id == rider.tenant_id)
        begin_shift(uow, rider, location=canteens[0].location)
        return rider.subject_id

    return step


def _accepting(rider: Principal, offer_id: str) -> Step:
    def step(uow: UnitOfWork) -> str:
        return accept_offer(uow, rider, offer_id).order_id

    return step


def _moving(rider: Principal, to: LatLon) -> Step:
    def step(uow: UnitOfWork) -> str:
        report_location(uow, rider, location=to)
        return rider.subject_id or ""

    return step

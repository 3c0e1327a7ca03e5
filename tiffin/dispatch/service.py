"""The live dispatcher: the same ``solve`` the simulator runs (``tiffin.optimiser``), fed from
the database.

Each cycle, per tenant: expire unanswered offers, build a snapshot (orders that need a rider
and have no open offer; riders on shift who carry nothing), solve, and turn every committed
assignment into offers that record their score and the alternatives they beat. A rider who
refused an order, or let its offer lapse, is never offered it again; an order handed back by its
rider returns with a priority boost. What the rows here do not say comes from the caller's
``priorities``: orders in trouble that go first, and riders barred from an order (the rider it
lost). An order under a storm warning counts as late only past the storm's longer promise
(``tiffin.domain.weather``). No rider is sent into a high-risk zone while it is closed: orders
from merchants inside wait, and orders for addresses inside are offered with the zone's
hand-off point. On
PostgreSQL a transaction-scoped advisory lock per tenant keeps two processes from dispatching
the same tenant at once.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from tiffin.dispatch.modes import observe
from tiffin.dispatch.moves import heading
from tiffin.dispatch.workload_caps import caps_of
from tiffin.domain.geo import EARTH_RADIUS_M, LatLon
from tiffin.domain.order import Action, Order, OrderStatus
from tiffin.domain.people import OfferStatus, Tenant
from tiffin.domain.weather import storm_buffer_minutes
from tiffin.optimiser.caps import WorkloadCaps, capacity
from tiffin.optimiser.city import ZoneGrid
from tiffin.optimiser.model import (
    REDISPATCH_PRIORITY,
    Courier,
    DispatchParams,
    Job,
    Point,
    Snapshot,
)
from tiffin.optimiser.modes import ModeSettings
from tiffin.optimiser.solve import solve
from tiffin.optimiser.zones import ClosedZone
from tiffin.riders.service import NEEDS_RIDER, offer_order
from tiffin.safety.eligibility import dispatchable
from tiffin.safety.service import closures
from tiffin.store import tables, weather
from tiffin.store.locks import try_lock
from tiffin.store.uow import UnitOfWork

BUSY = (OrderStatus.ASSIGNED.value, OrderStatus.PICKED_UP.value)
MODES = ModeSettings()  # normal and crisis weights (tiffin.dispatch.modes switches between them)
SLIP_REASON = "eta slipped"  # the reason of an unassignment by the ETA-slip rule
READY_GUESS = 10  # minutes after placing that food counts as ready if the kitchen has not said
WAITING = tuple(s.value for s in NEEDS_RIDER)


@dataclass(frozen=True)
class Priorities:
    """What the dispatcher's caller knows about waiting orders and the database rows here do not
    say: which orders go first, and which riders must not get which orders."""

    boosted: frozenset[str] = frozenset()  # order ids served first
    barred: Mapping[str, frozenset[str]] = field(default_factory=dict)  # rider id -> order ids


# The caller's port: given the orders about to be dispatched, their priorities.
PrioritiesOf = Callable[[UnitOfWork, Sequence[str]], Priorities]


@dataclass(frozen=True)
class Plane:
    """A local flat projection around ``origin``: metres east (x) and north (y)."""

    origin: LatLon

    def point(self, p: LatLon) -> Point:
        x = (
            math.radians(p.lon - self.origin.lon)
            * EARTH_RADIUS_M
            * math.cos(math.radians(self.origin.lat))
        )
        return Point(x, math.radians(p.lat - self.origin.lat) * EARTH_RADIUS_M)


def minute(t: datetime) -> int:
    """Whole minutes since the epoch: the dispatcher's time unit."""
    return int(t.timestamp() // 60)


def take_dispatch_lock(uow: UnitOfWork, tenant_id: str) -> bool:
    """One dispatcher per tenant at a time (a cycle, or a re-dispatch from the anomaly engine)."""
    return try_lock(uow, f"dispatch:{tenant_id}")


def run_cycle(
    uow: UnitOfWork,
    params: DispatchParams,
    *,
    priorities: PrioritiesOf,
    leads: Callable[[str], bool] | None = None,
    slips: Callable[[UnitOfWork, str], int] | None = None,
    zones: int = 1,
) -> int:
    """Dispatch every tenant once (those this process ``leads``, if given: see
    ``tiffin.resilience.leases``); return how many offers were made. ``slips`` first re-offers
    orders whose rider's ETA slipped (``tiffin.dispatch.slips``). With ``zones`` > 1 each
    tenant's merchants are split into that many strips, each led on its own (``leads`` is asked
    about ``<tenant>:z<n>``), so a city's zones spread over processes."""
    made = 0
    for tenant in uow.tenants.find():
        for zone in range(zones):
            key = tenant.id if zones == 1 else f"{tenant.id}:z{zone}"
            if leads is not None and not leads(key):
                continue  # another process leads this tenant's (zone's) dispatch
            if not take_dispatch_lock(uow, tenant.id):
                continue  # another process is dispatching this tenant right now
            if slips is not None and zone == 0:
                made += slips(uow, tenant.id)
            where = None if zones == 1 else (zone, zones)
            made += dispatch_tenant(uow, tenant, params, priorities=priorities, zone=where)
    return made


def dispatch_tenant(
    uow: UnitOfWork,
    tenant: Tenant,
    params: DispatchParams,
    caps: WorkloadCaps | None = None,
    *,
    priorities: PrioritiesOf,
    zone: tuple[int, int] | None = None,
) -> int:
    """One cycle for one tenant (see the module docstring); returns offers made. ``caps``
    default to the tenant's own (``workload_caps``). With ``zone`` (n, of), only orders from
    merchants in strip n of the tenant's merchants are dispatched (to any free rider: the
    tenant's lock keeps two zone leaders from offering one rider two orders)."""
    caps = caps or caps_of(uow, tenant.id)
    now = uow.clock.now()
    _expire_offers(uow, tenant.id, now)
    waiting = uow.orders.find(
        tables.orders.c.tenant_id == tenant.id, tables.orders.c.status.in_(WAITING)
    )
    mode = observe(uow, tenant.id, minute(now), _backlog(uow, tenant.id, waiting, now))
    if not waiting:
        return 0
    oc = tables.offers.c
    # Only offers that matter now: open ones, and past answers about orders still waiting
    # (the table grows all day; this keeps the cycle's reads bounded by the open work).
    offers = uow.offers.find(
        oc.tenant_id == tenant.id,
        (oc.status == OfferStatus.PENDING.value) | oc.order_id.in_([w.id for w in waiting]),
    )
    pending = {x.order_id for x in offers if x.status is OfferStatus.PENDING}
    refused: dict[str, set[str]] = defaultdict(set)
    for x in offers:
        if x.status in (OfferStatus.REJECTED, OfferStatus.EXPIRED):
            refused[x.rider_id].add(x.order_id)
    orders = [w for w in waiting if w.id not in pending]
    if not orders:
        return 0
    for order in orders:  # a rider who handed an order back is not offered it again
        for step in order.history:
            if step.action is Action.UNASSIGN and step.actor.role == "rider" and step.actor.id:
                refused[step.actor.id].add(order.id)
            if step.action is Action.UNASSIGN and step.reason.startswith(SLIP_REASON):
                for held in offers:  # taken for a slipping ETA: never back to who held it
                    if held.order_id == order.id and held.status is OfferStatus.ACCEPTED:
                        refused[held.rider_id].add(order.id)
    known = priorities(uow, [o.id for o in orders])
    boosted = known.boosted  # orders the caller says go first
    for rider_id, barred in known.barred.items():  # e.g. never back to the rider it lost
        refused[rider_id] |= barred
    busy = {
        o.rider_id
        for o in uow.orders.find(
            tables.orders.c.tenant_id == tenant.id, tables.orders.c.status.in_(BUSY)
        )
    }
    pending_riders = {x.rider_id for x in offers if x.status is OfferStatus.PENDING}
    riders = [
        r
        for r in uow.riders.find(
            tables.riders.c.tenant_id == tenant.id, tables.riders.c.shift_started_at.is_not(None)
        )
        if r.location is not None and r.id not in busy and r.id not in pending_riders
    ]
    riders = dispatchable(uow, tenant.id, riders)  # public-health mode: equipped riders only
    if not riders:
        return 0
    merchants = {m.id: m for m in uow.merchants.find(tables.merchants.c.tenant_id == tenant.id)}
    plane = Plane(next(iter(merchants.values())).location)
    if zone is not None:
        grid = ZoneGrid.covering([plane.point(m.location) for m in merchants.values()], zone[1])
        orders = [
            o
            for o in orders
            if grid.zone_of(plane.point(merchants[o.merchant_id].location)) == zone[0]
        ]
        if not orders:
            return 0
    t = minute(now)
    windows = weather.in_force(uow.conn, tenant.id, now)  # a storm over an order: late later
    jobs = tuple(
        _job(
            o,
            merchants[o.merchant_id].location,
            merchants[o.merchant_id].prep_minutes,
            plane,
            boosted=o.id in boosted,
            storm_minutes=storm_buffer_minutes(
                windows, now, (o.dropoff, merchants[o.merchant_id].location)
            ),
        )
        for o in orders
    )
    recent = uow.orders.find(
        tables.orders.c.tenant_id == tenant.id,
        tables.orders.c.picked_up_at >= now - timedelta(hours=1),
    )
    pickups: dict[str, list[int]] = defaultdict(list)
    for carried in recent:
        if carried.rider_id and carried.picked_up_at:
            pickups[carried.rider_id].append(minute(carried.picked_up_at))
    moving = heading(uow, tenant.id, now)  # a rider on an accepted move counts as arriving there
    couriers = tuple(
        Courier(
            r.id,
            plane.point(moving[r.id][0] if r.id in moving else r.location),
            max(t, minute(moving[r.id][1])) if r.id in moving else t,
            t + 24 * 60,
            frozenset(refused[r.id]),
            capacity(
                caps,
                now=t,
                shift_started_at=minute(r.shift_started_at),
                pickups_at=pickups[r.id],
                carrying=0,
            ),
        )
        for r in riders
        if r.location is not None and r.shift_started_at is not None
    )
    live = MODES.params(mode, _live_params(params, tenant))
    risk = [z for z in closures(uow, tenant.id, now=now) if z.active(now) and z.closes_to_riders]
    closed = tuple(
        ClosedZone(
            z.id,
            tuple(plane.point(p) for p in z.polygon),
            plane.point(z.handoff),
            minute(z.closed_from),
            minute(z.closed_until),
        )
        for z in risk
    )
    by_id = {o.id: o for o in orders}
    made = 0
    for decision in solve(Snapshot(t, jobs, couriers, closed), live):
        explanation = {
            "policy": "tiffin",
            "cost": round(decision.cost, 2),
            "bundle": list(decision.job_ids),
            "alternatives": [
                {"rider_id": r, "cost": round(c, 2)} for r, c in decision.alternatives
            ],
            "pickup_in_minutes": decision.route.pickup_at - t,
        }
        for order_id in decision.job_ids:
            inside = next((z for z in risk if z.covers(by_id[order_id].dropoff)), None)
            reasons = dict(explanation)
            if inside is not None:  # tell the rider where to leave it instead
                reasons["handoff"] = {
                    "zone": inside.name,
                    "lat": inside.handoff.lat,
                    "lon": inside.handoff.lon,
                }
            offer_order(
                uow,
                tenant_id=tenant.id,
                order_id=order_id,
                rider_id=decision.courier_id,
                score=decision.cost,
                explanation=reasons,
            )
            made += 1
    return made


def _backlog(uow: UnitOfWork, tenant_id: str, waiting: Sequence[Order], now: datetime) -> float:
    """Orders whose food is ready (or due by now) with no rider, per rider on shift."""
    ready = sum(
        1 for o in waiting if (o.ready_at or o.placed_at + timedelta(minutes=READY_GUESS)) <= now
    )
    return ready / max(1, uow.riders.on_shift_count(tenant_id))


def _live_params(params: DispatchParams, tenant: Tenant) -> DispatchParams:
    return replace(params, metres_per_minute=tenant.rider_speed_m_per_min)


def _job(
    order: Order,
    merchant_at: LatLon,
    prep_minutes: int,
    plane: Plane,
    *,
    boosted: bool = False,
    storm_minutes: int = 0,
) -> Job:
    placed = minute(order.placed_at)
    ready = minute(order.ready_at) if order.ready_at else placed + prep_minutes
    handed_back = boosted or any(t.action is Action.UNASSIGN for t in order.history)
    return Job(
        order.id,
        order.merchant_id,
        plane.point(merchant_at),
        plane.point(order.dropoff),
        placed,
        ready,
        REDISPATCH_PRIORITY if handed_back else 0.0,
        storm_minutes,
    )


def _expire_offers(uow: UnitOfWork, tenant_id: str, now: datetime) -> None:
    for offer in uow.offers.find(
        tables.offers.c.tenant_id == tenant_id, tables.offers.c.status == OfferStatus.PENDING.value
    ):
        if now >= offer.expires_at:
            offer.expire(now)
            uow.offers.save(offer)

"""The live dispatcher: the same ``solve`` the simulator runs, fed from the database.

Each cycle, per tenant: expire unanswered offers, build a snapshot (orders that need a rider
and have no open offer; riders on shift who carry nothing), solve, and turn every committed
assignment into offers that record their score and the alternatives they beat. A rider who
refused an order, or let its offer lapse, is never offered it again; an order handed back by its
rider, or one with an open no-rider or rider-lost anomaly, returns with a priority boost (and
never to the rider it lost). No rider is sent into a high-risk zone while it is closed:
orders from merchants inside wait, and orders for addresses inside are offered with the zone's
hand-off point. On PostgreSQL a transaction-scoped advisory lock per tenant
keeps two processes from dispatching the same tenant at once.
"""

from __future__ import annotations

import math
import zlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import text

from tiffin.anomalies.records import active_for_orders
from tiffin.dispatch.caps import WorkloadCaps, capacity
from tiffin.dispatch.model import REDISPATCH_PRIORITY, Courier, DispatchParams, Job, Point, Snapshot
from tiffin.dispatch.solve import solve
from tiffin.dispatch.tenant_caps import caps_of
from tiffin.dispatch.zones import ClosedZone
from tiffin.domain.geo import EARTH_RADIUS_M, LatLon
from tiffin.domain.order import Action, Order, OrderStatus
from tiffin.domain.people import OfferStatus, Tenant
from tiffin.riders.service import NEEDS_RIDER, offer_order
from tiffin.safety.service import closures
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

BOOSTED_ANOMALIES = ("no_rider", "rider_lost")
BUSY = (OrderStatus.ASSIGNED.value, OrderStatus.PICKED_UP.value)
WAITING = tuple(s.value for s in NEEDS_RIDER)


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


def run_cycle(
    uow: UnitOfWork, params: DispatchParams, *, leads: Callable[[str], bool] | None = None
) -> int:
    """Dispatch every tenant once (those this process ``leads``, if given: see leader.py);
    return how many offers were made."""
    made = 0
    for tenant in uow.tenants.find():
        if leads is not None and not leads(tenant.id):
            continue  # another process leads this tenant's dispatch
        if uow.db.is_postgres:
            key = zlib.crc32(tenant.id.encode())
            got = uow.conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key})
            if not got.scalar():
                continue  # another process is dispatching this tenant right now
        made += dispatch_tenant(uow, tenant, params)
    return made


def dispatch_tenant(
    uow: UnitOfWork, tenant: Tenant, params: DispatchParams, caps: WorkloadCaps | None = None
) -> int:
    """One cycle for one tenant (see the module docstring); returns offers made. ``caps``
    default to the tenant's own (``tenant_caps``)."""
    caps = caps or caps_of(uow, tenant.id)
    now = uow.clock.now()
    _expire_offers(uow, tenant.id, now)
    waiting = uow.orders.find(
        tables.orders.c.tenant_id == tenant.id, tables.orders.c.status.in_(WAITING)
    )
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
    boosted: set[str] = set()  # orders with an open anomaly that waits on a rider go first
    for anomaly in active_for_orders(uow, [o.id for o in orders]):
        if anomaly["type"] in BOOSTED_ANOMALIES:
            boosted.add(anomaly["order_id"])
        lost = (anomaly["facts"] or {}).get("rider_id")
        if anomaly["type"] == "rider_lost" and lost:  # never back to the rider we lost
            refused[lost].add(anomaly["order_id"])
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
    if not riders:
        return 0
    merchants = {m.id: m for m in uow.merchants.find(tables.merchants.c.tenant_id == tenant.id)}
    plane = Plane(next(iter(merchants.values())).location)
    t = minute(now)
    jobs = tuple(
        _job(
            o,
            merchants[o.merchant_id].location,
            merchants[o.merchant_id].prep_minutes,
            plane,
            boosted=o.id in boosted,
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
    couriers = tuple(
        Courier(
            r.id,
            plane.point(r.location),
            t,
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
    live = _live_params(params, tenant)
    risk = [z for z in closures(uow, tenant.id, now=now) if z.active(now)]
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


def _live_params(params: DispatchParams, tenant: Tenant) -> DispatchParams:
    return replace(params, metres_per_minute=tenant.rider_speed_m_per_min)


def _job(
    order: Order, merchant_at: LatLon, prep_minutes: int, plane: Plane, *, boosted: bool = False
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
    )


def _expire_offers(uow: UnitOfWork, tenant_id: str, now: datetime) -> None:
    for offer in uow.offers.find(
        tables.offers.c.tenant_id == tenant_id, tables.offers.c.status == OfferStatus.PENDING.value
    ):
        if now >= offer.expires_at:
            offer.expire(now)
            uow.offers.save(offer)

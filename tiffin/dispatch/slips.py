"""Re-dispatch on a slipping ETA, live: the rule of ``tiffin.optimiser.slip`` on the database.

For each assigned order whose food is not picked up, the assigned rider's ETA at the merchant
(from their last reported position and the tenant's rider speed) is compared with the free
riders'. When the rule says so, the order is taken from the rider (``unassign`` by the system
with a ``SLIP_REASON`` reason, so the rider is told by the order's own event), the rider is paid
the tenant's ``slip_pay_cents`` for the lost trip (``slip_payouts``), and the order is offered to
the earliest free rider. Every rider who ever accepted the order counts as having held it, so the
order is never offered back to them (``barred_after_slip``, used by the dispatcher too).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite

from tiffin.dispatch.moves import pay_of
from tiffin.dispatch.service import BUSY, SLIP_REASON, minute
from tiffin.domain.geo import LatLon, distance_m
from tiffin.domain.ids import new_id
from tiffin.domain.order import Action, Order, OrderStatus
from tiffin.domain.people import Offer, OfferStatus
from tiffin.domain.principals import SYSTEM
from tiffin.optimiser.slip import Held, SlipRule, slipping
from tiffin.riders.service import offer_order
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork


def slips_of(order: Order) -> int:
    """How many times the rule already took this order from a rider."""
    return sum(
        1 for t in order.history if t.action is Action.UNASSIGN and t.reason.startswith(SLIP_REASON)
    )


def holders(offers: Sequence[Offer], order_id: str) -> frozenset[str]:
    """Every rider who accepted an offer of the order (who held it at some point)."""
    return frozenset(
        o.rider_id for o in offers if o.order_id == order_id and o.status is OfferStatus.ACCEPTED
    )


def _eta(at: LatLon, to: LatLon, now: datetime, speed: float) -> int:
    return minute(now) + math.ceil(distance_m(at, to) / speed)


def redispatch_slipping(uow: UnitOfWork, tenant_id: str, rule: SlipRule | None = None) -> int:
    """Apply the rule to the tenant's assigned orders; return how many were re-offered."""
    now = uow.clock.now()
    o = tables.orders.c
    assigned = uow.orders.find(
        o.tenant_id == tenant_id, o.status == OrderStatus.ASSIGNED.value, o.rider_id.is_not(None)
    )
    if not assigned:
        return 0
    speed = uow.tenants.require(tenant_id).rider_speed_m_per_min
    merchants = {m.id: m for m in uow.merchants.find(tables.merchants.c.tenant_id == tenant_id)}
    riders = {
        r.id: r
        for r in uow.riders.find(
            tables.riders.c.tenant_id == tenant_id, tables.riders.c.shift_started_at.is_not(None)
        )
        if r.location is not None
    }
    busy = {x.rider_id for x in uow.orders.find(o.tenant_id == tenant_id, o.status.in_(BUSY))}
    offers = uow.offers.find(
        tables.offers.c.tenant_id == tenant_id,
        (tables.offers.c.status == OfferStatus.PENDING.value)
        | tables.offers.c.order_id.in_([a.id for a in assigned]),
    )
    pending = {x.rider_id for x in offers if x.status is OfferStatus.PENDING}
    free = {rid: r for rid, r in riders.items() if rid not in busy and rid not in pending}
    pay = pay_of(uow, tenant_id).slip_pay_cents
    moved = 0
    for order in assigned:
        rider = riders.get(order.rider_id or "")
        if rider is None or rider.location is None or order.picked_up_at is not None:
            continue
        shop = merchants[order.merchant_id].location
        refused = {
            x.rider_id
            for x in offers
            if x.order_id == order.id
            and x.status
            in (
                OfferStatus.REJECTED,
                OfferStatus.EXPIRED,
            )
        }
        others = {
            rid: _eta(r.location, shop, now, speed)
            for rid, r in free.items()
            if r.location is not None and rid not in refused
        }
        held = Held(
            order.id,
            rider.id,
            _eta(rider.location, shop, now, speed),
            picked_up=False,
            earlier_riders=holders(offers, order.id) - {rider.id},
            moves=slips_of(order),
        )
        to = slipping(held, others, rule)
        if to is None:
            continue
        late = held.eta_at_merchant - others[to]
        order.apply(
            Action.UNASSIGN,
            actor=SYSTEM,
            at=now,
            reason=f"{SLIP_REASON}: {late} minutes later than another rider could be",
        )
        uow.flush()
        _pay(uow, tenant_id, order.id, rider.id, pay)
        offer_order(
            uow,
            tenant_id=tenant_id,
            order_id=order.id,
            rider_id=to,
            explanation={"policy": "eta-slip", "from_rider": rider.id, "minutes_saved": late},
        )
        del free[to]
        moved += 1
    return moved


def _pay(uow: UnitOfWork, tenant_id: str, order_id: str, rider_id: str, cents: int) -> None:
    """Pay the rider the order was taken from, once per order and rider (a unique key, so a
    retried cycle cannot pay twice)."""
    c = tables.slip_payouts.c
    dialect = postgresql if uow.conn.dialect.name == "postgresql" else sqlite
    uow.conn.execute(
        dialect.insert(tables.slip_payouts)
        .values(
            id=new_id("slp"),
            tenant_id=tenant_id,
            order_id=order_id,
            rider_id=rider_id,
            pay_cents=cents,
            at=uow.clock.now(),
        )
        .on_conflict_do_nothing(index_elements=[c.order_id, c.rider_id])
    )

"""Fairness, live: each rider's load today (orders, hours, km, earnings), the Gini figure, and
why riders turn offers down (counted per reason and merchant).

Earnings are what tiffin knows a rider earned: the delivery fees of the orders they delivered,
the pay of the moves they accepted, and what they were paid when an order was taken from them
for a slipping ETA. Km are the merchant-to-door distances of the orders
delivered (the rides to merchants are not recorded). A rider may turn an offer down with the
reason ``overloaded``: it is counted like any other reason and, like every refusal, costs the
rider nothing but that order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from tiffin.domain.geo import LatLon, distance_m
from tiffin.domain.order_status import OrderStatus
from tiffin.domain.people import local_day_start
from tiffin.optimiser.fairness import gini
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

OVERLOADED = "overloaded"


@dataclass(frozen=True)
class RiderLoad:
    rider_id: str
    name: str
    orders: int
    hours: float
    km: float
    earnings_cents: int


@dataclass(frozen=True)
class Fairness:
    riders: tuple[RiderLoad, ...]
    gini_orders: float
    gini_earnings: float


@dataclass(frozen=True)
class Rejections:
    reason: str
    merchant_id: str
    count: int


def _day_start(uow: UnitOfWork, tenant_id: str) -> datetime:
    """Where the tenant's "today" begins: midnight on its own clock."""
    return local_day_start(uow.clock.now(), uow.tenants.require(tenant_id).time_zone)


def loads_today(uow: UnitOfWork, tenant_id: str) -> Fairness:
    """Every rider of the tenant who worked today, with their load, and the Gini figures
    (over riders who were on shift today)."""
    now = uow.clock.now()
    start = _day_start(uow, tenant_id)
    o, s, m, mv = tables.orders.c, tables.rider_shifts.c, tables.merchants.c, tables.move_offers.c
    riders = {r.id: r.name for r in uow.riders.find(tables.riders.c.tenant_id == tenant_id)}
    hours: dict[str, float] = defaultdict(float)
    for rider_id, began, ended in uow.conn.execute(
        select(s.rider_id, s.started_at, s.ended_at).where(
            s.tenant_id == tenant_id,
            s.started_at <= now,
            (s.ended_at.is_(None)) | (s.ended_at >= start),
        )
    ):
        hours[rider_id] += max(0.0, ((ended or now) - max(began, start)).total_seconds() / 3600)
    orders: dict[str, int] = defaultdict(int)
    km: dict[str, float] = defaultdict(float)
    earned: dict[str, int] = defaultdict(int)
    for row in uow.conn.execute(
        select(o.rider_id, o.delivery_fee_cents, o.dropoff_lat, o.dropoff_lon, m.lat, m.lon)
        .join(tables.merchants, m.id == o.merchant_id)
        .where(
            o.tenant_id == tenant_id,
            o.status == OrderStatus.DELIVERED.value,
            o.finished_at >= start,
            o.rider_id.is_not(None),
        )
    ):
        orders[row.rider_id] += 1
        earned[row.rider_id] += row.delivery_fee_cents
        km[row.rider_id] += (
            distance_m(LatLon(row.lat, row.lon), LatLon(row.dropoff_lat, row.dropoff_lon)) / 1000
        )
    for rider_id, pay in uow.conn.execute(
        select(mv.rider_id, mv.pay_cents).where(
            mv.tenant_id == tenant_id, mv.status == "accepted", mv.answered_at >= start
        )
    ):
        earned[rider_id] += pay
    sp = tables.slip_payouts.c
    for rider_id, pay in uow.conn.execute(
        select(sp.rider_id, sp.pay_cents).where(sp.tenant_id == tenant_id, sp.at >= start)
    ):
        earned[rider_id] += pay
    worked = sorted(set(hours) | set(orders))
    loads = tuple(
        RiderLoad(
            r,
            riders.get(r, ""),
            orders[r],
            round(hours[r], 2),
            round(km[r], 2),
            earned[r],
        )
        for r in worked
    )
    return Fairness(
        loads,
        round(gini([x.orders for x in loads]), 3),
        round(gini([x.earnings_cents for x in loads]), 3),
    )


def rejections_today(uow: UnitOfWork, tenant_id: str) -> list[Rejections]:
    """Offers turned down today, counted per reason and merchant (largest first)."""
    f, o = tables.offers.c, tables.orders.c
    start = _day_start(uow, tenant_id)
    reason = func.substr(f.reason, 1, 60)
    rows = uow.conn.execute(
        select(reason.label("reason"), o.merchant_id, func.count().label("n"))
        .join(tables.orders, o.id == f.order_id)
        .where(f.tenant_id == tenant_id, f.status == "rejected", f.answered_at >= start)
        .group_by(reason, o.merchant_id)
    ).all()
    found = [Rejections(r.reason, r.merchant_id, int(r.n)) for r in rows]
    return sorted(found, key=lambda x: (-x.count, x.reason, x.merchant_id))


class FairnessGauges(Collector):
    """``/metrics``: each tenant's Gini figures and the riders who worked today."""

    def __init__(self, open_uow: Callable[..., UnitOfWork]) -> None:
        self.open_uow = open_uow

    def collect(self) -> Iterator[Any]:
        ginis = GaugeMetricFamily(
            "tiffin_rider_load_gini",
            "How unevenly today's work is shared (0 = evenly)",
            labels=["tenant", "measure"],
        )
        working = GaugeMetricFamily(
            "tiffin_riders_worked_today",
            "Riders with a shift or a delivery today",
            labels=["tenant"],
        )
        with self.open_uow(read_only=True) as uow:
            for tenant in uow.tenants.find():
                fair = loads_today(uow, tenant.id)
                ginis.add_metric([tenant.id, "orders"], fair.gini_orders)
                ginis.add_metric([tenant.id, "earnings"], fair.gini_earnings)
                working.add_metric([tenant.id], len(fair.riders))
        yield from (ginis, working)

"""Live demand forecast and repositioning suggestions, from the order history in the database.

The forecaster is the simulator's (exponential smoothing per merchant over 15-minute buckets);
when the same window yesterday has history, the forecast blends in that seasonal-naive count.
Suggestions reuse ``plan_moves``: idle riders toward merchants whose expected orders exceed the
riders already there. They are advice for operators and riders, not orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tiffin.dispatch.service import BUSY, Plane, minute
from tiffin.domain.geo import distance_m
from tiffin.optimiser.forecast import DemandForecast
from tiffin.optimiser.model import Courier
from tiffin.optimiser.reposition import RepositionParams, plan_moves
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

HISTORY = timedelta(days=2)
BUCKET_MINUTES = 15
NEAR_METRES = 150


@dataclass(frozen=True)
class SiteForecast:
    merchant_id: str
    name: str
    expected_orders: float
    riders_near: int


@dataclass(frozen=True)
class Suggestion:
    rider_id: str
    merchant_id: str
    ride_minutes: int


def forecast_and_suggest(
    uow: UnitOfWork, tenant_id: str, horizon_minutes: int
) -> tuple[list[SiteForecast], list[Suggestion]]:
    now = uow.clock.now()
    merchants = {m.id: m for m in uow.merchants.find(tables.merchants.c.tenant_id == tenant_id)}
    if not merchants:
        return [], []
    expected = _expected(uow, tenant_id, now, horizon_minutes)
    riders = [
        r
        for r in uow.riders.find(
            tables.riders.c.tenant_id == tenant_id, tables.riders.c.shift_started_at.is_not(None)
        )
        if r.location is not None
    ]
    near = {
        m.id: sum(
            1 for r in riders if r.location and distance_m(r.location, m.location) <= NEAR_METRES
        )
        for m in merchants.values()
    }
    sites = [
        SiteForecast(m.id, m.name, round(expected.get(m.id, 0.0), 2), near[m.id])
        for m in merchants.values()
    ]
    busy = {
        o.rider_id
        for o in uow.orders.find(
            tables.orders.c.tenant_id == tenant_id, tables.orders.c.status.in_(BUSY)
        )
    }
    plane = Plane(next(iter(merchants.values())).location)
    t = minute(now)
    idle = [
        Courier(r.id, plane.point(r.location), t, t + 24 * 60)
        for r in riders
        if r.id not in busy and r.location is not None
    ]
    moves = plan_moves(
        idle,
        expected,
        {m.id: plane.point(m.location) for m in merchants.values()},
        near,
        uow.tenants.require(tenant_id).rider_speed_m_per_min,
        RepositionParams(horizon_minutes=horizon_minutes),
    )
    return sites, [Suggestion(m.courier_id, m.site, m.ride_minutes) for m in moves]


def _expected(uow: UnitOfWork, tenant_id: str, now: datetime, horizon: int) -> dict[str, float]:
    c = tables.orders.c
    placed = uow.conn.execute(
        tables.orders.select()
        .with_only_columns(c.merchant_id, c.placed_at)
        .where(c.tenant_id == tenant_id, c.placed_at >= now - HISTORY, c.placed_at <= now)
        .order_by(c.placed_at)
    ).all()
    smooth = DemandForecast(bucket_minutes=BUCKET_MINUTES)
    yesterday: dict[str, int] = {}
    window = (now - timedelta(days=1), now - timedelta(days=1) + timedelta(minutes=horizon))
    for merchant_id, at in placed:
        smooth.observe(merchant_id, minute(at))
        if window[0] <= at < window[1]:
            yesterday[merchant_id] = yesterday.get(merchant_id, 0) + 1
    result = {}
    for site in sorted(set(smooth.sites()) | set(yesterday)):
        level = smooth.expected(site, minute(now), horizon)
        result[site] = (level + yesterday[site]) / 2 if site in yesterday else level
    return result

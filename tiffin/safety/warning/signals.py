"""Reading each served zone's early-warning signals from the store: riders on shift there,
their recent health check-ins, the authority's risk level over it, a declared weather window,
and the orders the dispatch forecaster expects (its exponential smoothing, fed the zone's
recent orders by drop-off)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select

from tiffin.domain.geo import LatLon
from tiffin.domain.people import Zone
from tiffin.optimiser.forecast import DemandForecast
from tiffin.safety import service
from tiffin.safety.partners.data import zone_of
from tiffin.safety.warning.model import ZoneSignals
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork
from tiffin.tenancy.service import zones_of

SIGNAL_WINDOW = timedelta(hours=6)
BUCKET_MINUTES = 15
_RANK = {"low": 1, "medium": 2, "high": 3}


def centroid(polygon: tuple[LatLon, ...]) -> LatLon:
    return LatLon(
        sum(p.lat for p in polygon) / len(polygon), sum(p.lon for p in polygon) / len(polygon)
    )


def _risk_levels(
    uow: UnitOfWork, tenant_id: str, zones: list[Zone], now: datetime
) -> dict[str, str]:
    """The highest level in force over each served zone (a risk zone counts where its centre is)."""
    found: dict[str, str] = {}
    for rz in service.closures(uow, tenant_id, now=now):
        if not rz.active(now):
            continue
        name = zone_of(zones, centroid(rz.polygon))
        level = rz.level.value
        if _RANK.get(level, 0) > _RANK.get(found.get(name, ""), 0):
            found[name] = level
    return found


def _expected_orders(
    uow: UnitOfWork, tenant_id: str, zones: list[Zone], now: datetime, horizon: timedelta
) -> dict[str, float]:
    o = tables.orders.c
    rows = uow.conn.execute(
        select(o.placed_at, o.dropoff_lat, o.dropoff_lon)
        .where(o.tenant_id == tenant_id, o.placed_at > now - SIGNAL_WINDOW, o.placed_at <= now)
        .order_by(o.placed_at)
    ).all()
    start = now - SIGNAL_WINDOW
    forecast = DemandForecast(bucket_minutes=BUCKET_MINUTES)
    for placed_at, lat, lon in rows:
        forecast.observe(
            zone_of(zones, LatLon(lat, lon)), int((placed_at - start).total_seconds() // 60)
        )
    t = int(SIGNAL_WINDOW.total_seconds() // 60)
    minutes = int(horizon.total_seconds() // 60)
    return {z.name: forecast.expected(z.name, t, minutes) for z in zones}


def gather(uow: UnitOfWork, tenant_id: str, now: datetime, horizon: timedelta) -> list[ZoneSignals]:
    zones = zones_of(uow, tenant_id)
    r, h = tables.riders.c, tables.health_checkins.c
    on_shift: Counter[str] = Counter()
    for lat, lon in uow.conn.execute(
        select(r.lat, r.lon).where(r.tenant_id == tenant_id, r.shift_started_at.is_not(None))
    ).all():
        on_shift[zone_of(zones, None if lat is None else LatLon(lat, lon))] += 1
    checks: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    for passed, lat, lon in uow.conn.execute(
        select(h.passed, r.lat, r.lon)
        .join_from(tables.health_checkins, tables.riders, r.id == h.rider_id)
        .where(h.tenant_id == tenant_id, h.at > now - SIGNAL_WINDOW, h.at <= now)
    ).all():
        name = zone_of(zones, None if lat is None else LatLon(lat, lon))
        checks[name] += 1
        failed[name] += 0 if passed else 1
    levels = _risk_levels(uow, tenant_id, zones, now)
    stormy = uow.safety_rules.bad_weather(tenant_id, now)
    expected = _expected_orders(uow, tenant_id, zones, now, horizon)
    return [
        ZoneSignals(
            zone_id=z.id,
            zone_name=z.name,
            riders_on_shift=on_shift[z.name],
            checkins=checks[z.name],
            failed_checkins=failed[z.name],
            risk_level=levels.get(z.name),
            bad_weather=stormy,
            orders_expected=expected[z.name],
        )
        for z in zones
    ]

"""Reading each served zone's early-warning signals from the store: riders on shift there,
their recent health check-ins, the authority's risk level over it, a declared weather window,
and the orders to expect (``model.forecast_orders``: the zone's orders by drop-off in the same
window on the last ``HISTORY_DAYS`` days, scaled by today's last hour); and the tenant's own
orders per rider-hour (``carried_rate``)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select

from tiffin.domain.geo import LatLon
from tiffin.domain.order import OrderStatus
from tiffin.domain.people import Zone
from tiffin.safety import service
from tiffin.safety.partners.data import zone_of
from tiffin.safety.warning.model import (
    ORDERS_PER_RIDER_HOUR,
    ZoneSignals,
    carried_per_rider_hour,
    forecast_orders,
)
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork
from tiffin.tenancy.service import zones_of

SIGNAL_WINDOW = timedelta(hours=6)  # health check-ins counted
HISTORY_DAYS = 7  # recent days: the usual day's orders, and what riders carried
LAST_HOUR = timedelta(hours=1)  # today's pace, against the same hour on those days
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
    """Per zone: ``forecast_orders`` from today's last hour and, on each of the last
    ``HISTORY_DAYS`` days, the same hour and the horizon after it (one statement). A day counts
    as history when the tenant had any order in that window: a tenant younger than a day, or
    a time of day it never serves, falls back to the last hour's rate."""
    o = tables.orders.c
    spans = [
        (now - timedelta(days=d) - LAST_HOUR, now - timedelta(days=d) + horizon)
        for d in range(1, HISTORY_DAYS + 1)
    ]
    rows = uow.conn.execute(
        select(o.placed_at, o.dropoff_lat, o.dropoff_lon).where(
            o.tenant_id == tenant_id,
            or_(
                and_(o.placed_at > now - LAST_HOUR, o.placed_at <= now),
                *(and_(o.placed_at > a, o.placed_at <= b) for a, b in spans),
            ),
        )
    ).all()
    last: Counter[str] = Counter()
    before: Counter[str] = Counter()  # the same hour on past days, summed
    ahead: Counter[str] = Counter()
    days: set[int] = set()
    for placed_at, lat, lon in rows:
        name = zone_of(zones, LatLon(lat, lon))
        if placed_at > now - LAST_HOUR:
            last[name] += 1
            continue
        day = round((now - placed_at) / timedelta(days=1))  # 1: yesterday's window, ...
        at = now - timedelta(days=day)
        days.add(day)
        (before if placed_at <= at else ahead)[name] += 1
    hours = horizon.total_seconds() / 3600
    n = len(days)
    return {
        z.name: forecast_orders(
            last_hour=last[z.name],
            usual_last_hour=before[z.name] / n if n else None,
            usual_ahead=ahead[z.name] / n if n else None,
            horizon_hours=hours,
        )
        for z in zones
    }


def carried_rate(uow: UnitOfWork, tenant_id: str, now: datetime) -> float:
    """The tenant's own orders per rider-hour (``model.carried_per_rider_hour``): on each of the
    last ``HISTORY_DAYS`` days, the clock hour with the most deliveries, and the rider-hours on
    shift in it (shifts clipped to the hour). Two statements."""
    since = now - timedelta(days=HISTORY_DAYS)
    s, o = tables.rider_shifts.c, tables.orders.c
    done: Counter[datetime] = Counter()
    for (finished,) in uow.conn.execute(
        select(o.finished_at).where(
            o.tenant_id == tenant_id,
            o.status == OrderStatus.DELIVERED.value,
            o.finished_at > since,
            o.finished_at <= now,
        )
    ).all():
        done[finished.replace(minute=0, second=0, microsecond=0)] += 1
    busiest: dict[date, datetime] = {}
    for hour, n in done.items():
        kept = busiest.get(hour.date())
        if kept is None or n > done[kept]:
            busiest[hour.date()] = hour
    if not busiest:
        return ORDERS_PER_RIDER_HOUR
    shifts = uow.conn.execute(
        select(s.started_at, s.ended_at).where(
            s.tenant_id == tenant_id,
            s.started_at < now,
            or_(s.ended_at.is_(None), s.ended_at > since),
        )
    ).all()
    hours = []
    for hour in busiest.values():
        end = min(hour + timedelta(hours=1), now)
        on = sum(
            max(0.0, (min(end, e or now) - max(hour, b)).total_seconds() / 3600) for b, e in shifts
        )
        hours.append((done[hour], on))
    return carried_per_rider_hour(hours)


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

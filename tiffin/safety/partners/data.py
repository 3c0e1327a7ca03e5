"""What a partner reads and pushes: the aggregated risk map, check-in counts per zone and day
(never a name or a rider id), zones pushed through the same GeoJSON validation operators use,
and the tracing exports an operator released to it (personal data leaves only that way)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import select

from tiffin.domain.geo import LatLon
from tiffin.domain.ids import new_id
from tiffin.domain.people import Zone
from tiffin.domain.principals import Principal
from tiffin.domain.zones import RiskZone
from tiffin.safety import service, tracing
from tiffin.safety.partners.keys import Caller, partner
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork
from tiffin.tenancy.service import zones_of

UNPLACED = "unplaced"  # a rider with no known position counts here, not in a guessed zone


def risk_map(uow: UnitOfWork, tenant_id: str, now: datetime) -> list[RiskZone]:
    """Risk zones in force or still to come: shapes and levels, no people."""
    return service.closures(uow, tenant_id, now=now)


def zone_of(zones: list[Zone], where: LatLon | None) -> str:
    if where is None:
        return UNPLACED
    return next((z.name for z in zones if z.covers(where)), UNPLACED)


def health_stats(
    uow: UnitOfWork, tenant_id: str, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    """Check-ins passed and failed per served zone (where the rider is now) and UTC day."""
    h, r = tables.health_checkins.c, tables.riders.c
    rows = uow.conn.execute(
        select(h.at, h.passed, r.lat, r.lon)
        .join_from(tables.health_checkins, tables.riders, r.id == h.rider_id)
        .where(h.tenant_id == tenant_id, h.at >= since, h.at <= until)
    ).all()
    zones = zones_of(uow, tenant_id)
    passed: Counter[tuple[str, str]] = Counter()
    failed: Counter[tuple[str, str]] = Counter()
    for at, ok, lat, lon in rows:
        where = None if lat is None or lon is None else LatLon(lat, lon)
        key = (at.date().isoformat(), zone_of(zones, where))
        (passed if ok else failed)[key] += 1
    keys = sorted(set(passed) | set(failed))
    return [{"day": d, "zone": z, "passed": passed[d, z], "failed": failed[d, z]} for d, z in keys]


def push_zones(
    uow: UnitOfWork, caller: Caller, features: list[Any], *, reason: str
) -> list[RiskZone]:
    """A partner declares zones: the operators' GeoJSON import, all or none."""
    return service.import_zones(uow, caller.principal, features, reason=reason)


def release(
    uow: UnitOfWork, principal: Principal, partner_id: str, trace_id: str
) -> dict[str, Any]:
    """An operator hands a recorded trace's export to one partner of the tenant."""
    partner(uow, principal.tenant_id, partner_id)
    export = tracing.export(tracing.replay(uow, principal.tenant_id, trace_id))
    row = {
        "id": new_id("prl"),
        "tenant_id": principal.tenant_id,
        "partner_id": partner_id,
        "trace_id": trace_id,
        "export": export,
        "released_by": principal.user_id,
        "released_at": uow.clock.now(),
    }
    uow.conn.execute(tables.partner_releases.insert().values(**row))
    return row


def releases(uow: UnitOfWork, caller: Caller, *, limit: int, offset: int) -> list[dict[str, Any]]:
    """The exports released to the calling partner, newest first (no one else's)."""
    p = tables.partner_releases.c
    rows = uow.conn.execute(
        select(tables.partner_releases)
        .where(p.partner_id == caller.partner_id, p.tenant_id == caller.tenant_id)
        .order_by(p.released_at.desc(), p.id)
        .limit(limit)
        .offset(offset)
    ).mappings()
    return [dict(x) for x in rows]

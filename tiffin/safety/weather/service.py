"""Weather windows kept: an operator's storm warning, or a weather service's CAP alert pushed by a
partner. Each use case takes a unit of work and never commits (the caller does, once).

A window names the areas it covers, or none (the whole tenant). An operator names the tenant's
zones (delivery zones or risk zones: their shapes are copied, so the warning covers what was
declared even if a zone is redrawn later) and/or polygons. A CAP alert is one window, keyed by
its sender and identifier: a repeated push changes nothing, an ``Update`` amends the window it
references and a ``Cancel`` ends it now. Every write moves the tenant's catalog version
(migration 0020), so checkout's copies pick the change up at once, in every process.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select

from tiffin.domain.geo import LatLon
from tiffin.domain.ids import new_id
from tiffin.domain.principals import Principal
from tiffin.domain.weather import WeatherArea
from tiffin.errors import Invalid, NotFound
from tiffin.safety.weather.cap import CapAlert, checked_polygon
from tiffin.store import tables
from tiffin.store.repositories import tenant_owned
from tiffin.store.uow import UnitOfWork

OPERATOR, CAP = "operator", "cap"
# How long after a CAP window ends an update naming only a later message still finds it (one
# naming the first message always does).
RECENT = timedelta(days=7)


def declare(
    uow: UnitOfWork,
    principal: Principal,
    *,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    zone_ids: Sequence[str] = (),
    polygons: Sequence[Sequence[Sequence[float]]] = (),
) -> str:
    """An operator's warning over the named zones and polygons (none: the whole tenant)."""
    if ends_at <= starts_at:
        raise Invalid("a force-majeure window must end after it starts", code="bad_window")
    if not reason.strip():
        raise Invalid("say what the force majeure is (a storm, a flood)", code="reason_required")
    areas = [*_zone_areas(uow, principal.tenant_id, zone_ids)]
    for i, ring in enumerate(polygons):
        points = [_latlon(p, f"polygon {i + 1}") for p in ring]
        areas.append(checked_polygon(points, f"polygon {i + 1}"))
    window_id = new_id("fmj")
    uow.conn.execute(
        tables.force_majeure.insert().values(
            id=window_id,
            tenant_id=principal.tenant_id,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason,
            created_by=principal.user_id,
            created_at=uow.clock.now(),
            areas=[a.to_json() for a in areas] or None,
            zone_ids=list(zone_ids) or None,
            source=OPERATOR,
        )
    )
    return window_id


def end(uow: UnitOfWork, principal: Principal, window_id: str) -> dict[str, Any]:
    """The window stops now (one already over is left as it was)."""
    row = window(uow, principal.tenant_id, window_id)
    now = uow.clock.now()
    if row["ends_at"] > now:
        _update(uow, window_id, ends_at=max(now, row["starts_at"]), updated_at=now)
        row = window(uow, principal.tenant_id, window_id)
    return row


def window(uow: UnitOfWork, tenant_id: str, window_id: str) -> dict[str, Any]:
    """One window of the tenant; another tenant's is not found."""
    found = tenant_owned(uow.conn, tables.force_majeure, window_id, tenant_id)
    if found is None:
        raise NotFound(f"no force-majeure window {window_id!r}", resource="force_majeure")
    return found


def windows_of(
    uow: UnitOfWork, tenant_id: str, *, since: datetime, limit: int, offset: int
) -> list[dict[str, Any]]:
    """The tenant's windows ending after ``since``, latest start first."""
    f = tables.force_majeure.c
    rows = uow.conn.execute(
        select(tables.force_majeure)
        .where(f.tenant_id == tenant_id, f.ends_at > since)
        .order_by(f.starts_at.desc(), f.id)
        .limit(limit)
        .offset(offset)
    ).mappings()
    return [dict(r) for r in rows]


@dataclass(frozen=True)
class Applied:
    """What a pushed alert did: ``declared``, ``amended``, ``ended``, ``unchanged`` (seen
    before), or ``ignored`` (a test, exercise or draft; a cancel of nothing known)."""

    outcome: str
    window_id: str | None


def apply_alert(uow: UnitOfWork, principal: Principal, alert: CapAlert) -> Applied:
    """Keep a parsed CAP alert as a window (see the module docstring)."""
    if not alert.actual:
        return Applied("ignored", None)
    found = _by_keys(uow, principal.tenant_id, (alert.key, *alert.references))
    if found is not None and alert.key in (found["external_id"], *(found["external_refs"] or ())):
        return Applied("unchanged", found["id"])
    now = uow.clock.now()
    if found is None:
        if alert.msg_type == "Cancel":
            return Applied("ignored", None)
        window_id = new_id("fmj")
        uow.conn.execute(
            tables.force_majeure.insert().values(
                id=window_id,
                tenant_id=principal.tenant_id,
                starts_at=alert.starts_at,
                ends_at=alert.ends_at,
                reason=_reason(alert),
                created_by=principal.user_id,
                created_at=now,
                areas=[a.to_json() for a in alert.areas],
                source=CAP,
                external_id=alert.key,
                external_refs=[alert.key],
                event=alert.event or None,
                severity=alert.severity,
            )
        )
        return Applied("declared", window_id)
    refs = [*(found["external_refs"] or ()), alert.key]
    if alert.msg_type == "Cancel":
        ends = max(min(found["ends_at"], now), found["starts_at"])
        _update(uow, found["id"], ends_at=ends, external_refs=refs, updated_at=now)
        return Applied("ended", found["id"])
    _update(
        uow,
        found["id"],
        starts_at=alert.starts_at,
        ends_at=alert.ends_at,
        areas=[a.to_json() for a in alert.areas],
        reason=_reason(alert),
        event=alert.event or None,
        severity=alert.severity,
        external_refs=refs,
        updated_at=now,
    )
    return Applied("amended", found["id"])


def _reason(alert: CapAlert) -> str:
    return f"{alert.event or 'weather warning'} ({alert.severity}; CAP {alert.identifier})"


def _by_keys(uow: UnitOfWork, tenant_id: str, keys: Sequence[str]) -> dict[str, Any] | None:
    """The tenant's CAP window first declared by, or already amended by, one of ``keys``."""
    f = tables.force_majeure.c
    recent = uow.clock.now() - RECENT
    rows = uow.conn.execute(
        select(tables.force_majeure).where(
            f.tenant_id == tenant_id,
            f.source == CAP,
            or_(f.external_id.in_(list(keys)), f.ends_at > recent),
        )
    ).mappings()
    for row in rows:  # refs are JSON: matched here, among the tenant's few recent CAP windows
        known = {row["external_id"], *(row["external_refs"] or ())}
        if known & set(keys):
            return dict(row)
    return None


def _update(uow: UnitOfWork, window_id: str, **values: Any) -> None:
    f = tables.force_majeure.c
    uow.conn.execute(tables.force_majeure.update().where(f.id == window_id).values(**values))


def _zone_areas(uow: UnitOfWork, tenant_id: str, zone_ids: Sequence[str]) -> list[WeatherArea]:
    if not zone_ids:
        return []
    wanted = list(dict.fromkeys(zone_ids))
    shapes: dict[str, Any] = {}
    for table in (tables.zones, tables.risk_zones):
        rows = uow.conn.execute(
            select(table.c.id, table.c.polygon).where(
                table.c.tenant_id == tenant_id, table.c.id.in_(wanted)
            )
        )
        shapes.update({r.id: r.polygon for r in rows})
    missing = [z for z in wanted if z not in shapes]
    if missing:  # another tenant's zone is as unknown as a made-up one
        raise Invalid(f"no zone {missing[0]!r} in this tenant", code="unknown_zone")
    return [WeatherArea(ring=tuple(LatLon(lat, lon) for lat, lon in shapes[z])) for z in wanted]


def _latlon(pair: Sequence[float], where: str) -> LatLon:
    try:
        lat, lon = pair
        return LatLon(float(lat), float(lon))
    except (TypeError, ValueError):
        raise Invalid(f"{where}: {pair!r} is not [lat, lon]", code="bad_geometry") from None

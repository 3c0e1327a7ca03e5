"""Closing high-risk zones and reading the closures in force."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tiffin.domain.events import RiskZoneClosed
from tiffin.domain.geo import LatLon
from tiffin.domain.ids import new_id
from tiffin.domain.people import served
from tiffin.domain.principals import Principal
from tiffin.domain.zones import RiskLevel, RiskZone
from tiffin.errors import Invalid
from tiffin.safety.geojson import BadFeature, parse_features
from tiffin.store.uow import UnitOfWork
from tiffin.tenancy.service import zones_of


def close_zone(
    uow: UnitOfWork,
    principal: Principal,
    *,
    name: str,
    polygon: Sequence[LatLon],
    handoff: LatLon,
    closed_from: datetime | None,
    closed_until: datetime,
    reason: str,
    level: RiskLevel = RiskLevel.HIGH,
) -> RiskZone:
    """Declare a risk zone; a high-risk one is closed to riders (an operator's or a health
    authority's call). Refuses zones that make no sense."""
    now = uow.clock.now()
    try:
        zone = RiskZone(
            id=new_id("rzn"),
            tenant_id=principal.tenant_id,
            name=name,
            polygon=tuple(polygon),
            handoff=handoff,
            closed_from=closed_from or now,
            closed_until=closed_until,
            reason=reason,
            created_by=principal.user_id,
            created_at=now,
            level=level,
        )
    except ValueError as exc:
        raise Invalid(str(exc), code="bad_risk_zone") from None
    if zone.closed_until <= now:
        raise Invalid("this closure would already be over", code="bad_risk_zone")
    if not served(zones_of(uow, principal.tenant_id), handoff):
        raise Invalid("the hand-off point is outside every zone we serve", code="bad_risk_zone")
    uow.risk_zones.add(zone)
    if not zone.closes_to_riders:
        return zone  # a lower level informs; only a closure is an event riders feel
    uow.emit(
        RiskZoneClosed(
            aggregate_id=zone.id,
            tenant_id=zone.tenant_id,
            at=now,
            actor=principal.actor,
            reason=reason,
            name=name,
            closed_until=closed_until,
        )
    )
    return zone


def closures(uow: UnitOfWork, tenant_id: str, *, now: datetime | None = None) -> list[RiskZone]:
    """Closures of the tenant; with ``now``, only those in force or still to come."""
    found = uow.risk_zones.of_tenant(tenant_id)
    return [z for z in found if now is None or z.closed_until > now]


def import_zones(
    uow: UnitOfWork, principal: Principal, features: list[Any], *, reason: str
) -> list[RiskZone]:
    """Declare every zone of a health authority's GeoJSON features, all or none."""
    zones = []
    for index, f in enumerate(parse_features(features)):
        try:
            zones.append(
                close_zone(
                    uow,
                    principal,
                    name=f.name,
                    polygon=f.polygon,
                    handoff=f.handoff,
                    closed_from=f.valid_from,
                    closed_until=f.valid_until,
                    reason=reason,
                    level=f.level,
                )
            )
        except Invalid as exc:
            raise BadFeature(f"feature {index}: {exc.detail}", feature_index=index) from None
    return zones

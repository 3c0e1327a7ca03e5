"""Closing high-risk zones and reading the closures in force."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tiffin.domain.events import RiskZoneClosed
from tiffin.domain.geo import LatLon
from tiffin.domain.ids import new_id
from tiffin.domain.people import served
from tiffin.domain.principals import Principal
from tiffin.domain.zones import RiskZone
from tiffin.errors import Invalid
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
) -> RiskZone:
    """Close an area to riders (an operator's call); refuses closures that make no sense."""
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
        )
    except ValueError as exc:
        raise Invalid(str(exc), code="bad_risk_zone") from None
    if zone.closed_until <= now:
        raise Invalid("this closure would already be over", code="bad_risk_zone")
    if not served(zones_of(uow, principal.tenant_id), handoff):
        raise Invalid("the hand-off point is outside every zone we serve", code="bad_risk_zone")
    uow.risk_zones.add(zone)
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

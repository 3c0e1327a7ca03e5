"""Creating tenants and zones: done by the CLI and the seed, not by public sign-up."""

from __future__ import annotations

from collections.abc import Sequence

from tiffin.domain.geo import LatLon
from tiffin.domain.ids import new_id
from tiffin.domain.people import Tenant, Zone
from tiffin.errors import Conflict
from tiffin.store.uow import UnitOfWork


def create_tenant(
    uow: UnitOfWork,
    *,
    slug: str,
    name: str,
    delivery_fee_cents: int = 300,
    time_zone: str = "UTC",
) -> Tenant:
    if uow.tenants.with_slug(slug) is not None:
        raise Conflict(f"a tenant called {slug!r} exists already", code="tenant_exists")
    tenant = Tenant(
        id=new_id("ten"),
        slug=slug,
        name=name,
        delivery_fee_cents=delivery_fee_cents,
        time_zone=time_zone,
    )
    uow.tenants.add(tenant)
    return tenant


def add_zone(
    uow: UnitOfWork, *, tenant_id: str, name: str, polygon: Sequence[tuple[float, float]]
) -> Zone:
    zone = Zone(
        id=new_id("zon"),
        tenant_id=tenant_id,
        name=name,
        polygon=tuple(LatLon(lat, lon) for lat, lon in polygon),
    )
    uow.zones.add(zone)
    return zone


def zones_of(uow: UnitOfWork, tenant_id: str) -> list[Zone]:
    return uow.zones.of_tenant(tenant_id)

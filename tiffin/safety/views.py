"""/v1/risk-zones: operators close high-risk zones; everyone in the tenant can see them."""

from __future__ import annotations

from fastapi import APIRouter, status

from tiffin.api.deps import CurrentPrincipal, OperatorPrincipal, PlatformDep
from tiffin.api.paging import PageDep
from tiffin.api.problems import error_responses
from tiffin.domain.priorities import Priority, priority
from tiffin.safety import service
from tiffin.safety.schemas import RiskZoneRead, ZoneClosure

router = APIRouter(
    prefix="/v1/risk-zones", tags=["safety"], responses=error_responses(400, 401, 403, 422)
)


@priority(Priority.IMPORTANT)
@router.post("", status_code=status.HTTP_201_CREATED)
def close_zone(
    body: ZoneClosure, platform: PlatformDep, principal: OperatorPrincipal
) -> RiskZoneRead:
    with platform.uow() as uow:
        zone = service.close_zone(
            uow,
            principal,
            name=body.name,
            polygon=[p.to_domain() for p in body.polygon],
            handoff=body.handoff.to_domain(),
            closed_from=body.closed_from,
            closed_until=body.closed_until,
            reason=body.reason,
        )
        uow.commit()
    return RiskZoneRead.of(zone)


@priority(Priority.IMPORTANT)
@router.get("")
def list_closures(
    platform: PlatformDep, principal: CurrentPrincipal, page: PageDep
) -> list[RiskZoneRead]:
    """Closures in force or still to come."""
    with platform.uow(read_only=True) as uow:
        found = service.closures(uow, principal.tenant_id, now=platform.clock.now())
    return [RiskZoneRead.of(z) for z in page.of(found)]

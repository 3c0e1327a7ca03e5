"""/v1/dispatch: what the dispatcher expects and suggests (operators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tiffin.api.deps import OperatorPrincipal, PlatformDep
from tiffin.api.problems import error_responses
from tiffin.dispatch.schemas import (
    ForecastRead,
    SiteForecastRead,
    SuggestionRead,
    WorkloadCapsChange,
    WorkloadCapsRead,
)
from tiffin.dispatch.suggest import forecast_and_suggest
from tiffin.dispatch.workload_caps import caps_of, set_caps
from tiffin.domain.priorities import Priority, priority
from tiffin.optimiser.caps import WorkloadCaps

router = APIRouter(
    prefix="/v1/dispatch", tags=["dispatch"], responses=error_responses(401, 403, 422)
)


@priority(Priority.DEFERRABLE, feature="forecast")
@router.get("/forecast")
def forecast(
    platform: PlatformDep,
    principal: OperatorPrincipal,
    horizon_minutes: Annotated[int, Query(ge=15, le=60)] = 30,
) -> ForecastRead:
    """Expected orders per merchant over the horizon, and idle riders worth moving."""
    with platform.uow(read_only=True) as uow:
        sites, moves = forecast_and_suggest(uow, principal.tenant_id, horizon_minutes)
    return ForecastRead(
        horizon_minutes=horizon_minutes,
        sites=[SiteForecastRead(**s.__dict__) for s in sites],
        suggestions=[SuggestionRead(**m.__dict__) for m in moves],
    )


@priority(Priority.IMPORTANT)
@router.get("/caps")
def workload_caps(platform: PlatformDep, principal: OperatorPrincipal) -> WorkloadCapsRead:
    """The tenant's workload caps for riders (the defaults until an operator sets them)."""
    with platform.uow(read_only=True) as uow:
        return WorkloadCapsRead.of(caps_of(uow, principal.tenant_id))


@priority(Priority.IMPORTANT)
@router.put("/caps", responses=error_responses(400))
def change_workload_caps(
    body: WorkloadCapsChange, platform: PlatformDep, principal: OperatorPrincipal
) -> WorkloadCapsRead:
    """Set the tenant's workload caps; the dispatcher applies them from its next cycle."""
    caps = WorkloadCaps(body.max_orders_per_hour, body.max_continuous_minutes, body.max_carried)
    with platform.uow() as uow:
        set_caps(uow, principal, caps, body.reason)
        uow.commit()
    return WorkloadCapsRead.of(caps)

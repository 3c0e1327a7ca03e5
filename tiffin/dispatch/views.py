"""/v1/dispatch: what the dispatcher expects and suggests (operators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tiffin.api.deps import OperatorPrincipal, UowFactoryDep
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
from tiffin.optimiser.caps import WorkloadCaps

router = APIRouter(
    prefix="/v1/dispatch", tags=["dispatch"], responses=error_responses(401, 403, 422)
)


@router.get("/forecast")
def forecast(
    open_uow: UowFactoryDep,
    principal: OperatorPrincipal,
    horizon_minutes: Annotated[int, Query(ge=15, le=60)] = 30,
) -> ForecastRead:
    """Expected orders per merchant over the horizon, and idle riders worth moving."""
    with open_uow(read_only=True) as uow:
        sites, moves = forecast_and_suggest(uow, principal.tenant_id, horizon_minutes)
    return ForecastRead(
        horizon_minutes=horizon_minutes,
        sites=[SiteForecastRead(**s.__dict__) for s in sites],
        suggestions=[SuggestionRead(**m.__dict__) for m in moves],
    )


@router.get("/caps")
def workload_caps(open_uow: UowFactoryDep, principal: OperatorPrincipal) -> WorkloadCapsRead:
    """The tenant's workload caps for riders (the defaults until an operator sets them)."""
    with open_uow(read_only=True) as uow:
        return WorkloadCapsRead.of(caps_of(uow, principal.tenant_id))


@router.put("/caps", responses=error_responses(400))
def change_workload_caps(
    body: WorkloadCapsChange, open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> WorkloadCapsRead:
    """Set the tenant's workload caps; the dispatcher applies them from its next cycle."""
    caps = WorkloadCaps(body.max_orders_per_hour, body.max_continuous_minutes, body.max_carried)
    with open_uow() as uow:
        set_caps(uow, principal, caps, body.reason)
        uow.commit()
    return WorkloadCapsRead.of(caps)

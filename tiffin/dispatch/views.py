"""/v1/dispatch: what the dispatcher expects and suggests (operators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from tiffin.api.common import Strict
from tiffin.api.deps import OperatorPrincipal, PlatformDep
from tiffin.api.problems import error_responses
from tiffin.dispatch.caps import WorkloadCaps
from tiffin.dispatch.suggest import forecast_and_suggest
from tiffin.dispatch.tenant_caps import caps_of, set_caps

router = APIRouter(
    prefix="/v1/dispatch", tags=["dispatch"], responses=error_responses(401, 403, 422)
)


class WorkloadCapsRead(BaseModel):
    max_orders_per_hour: int = Field(description="Pickups a rider may make in any 60 minutes.")
    max_continuous_minutes: int = Field(description="Minutes on shift before no more offers.")
    max_carried: int = Field(description="Orders a rider may carry at once.")

    @classmethod
    def of(cls, caps: WorkloadCaps) -> WorkloadCapsRead:
        return cls(
            max_orders_per_hour=caps.max_orders_per_hour,
            max_continuous_minutes=caps.max_continuous_minutes,
            max_carried=caps.max_carried,
        )


class WorkloadCapsChange(Strict):
    max_orders_per_hour: int = Field(ge=1, le=30)
    max_continuous_minutes: int = Field(ge=30, le=12 * 60)
    max_carried: int = Field(ge=1, le=10)
    reason: str = Field(min_length=1, max_length=500, description="Why (kept with the change).")


class SiteForecastRead(BaseModel):
    merchant_id: str
    name: str
    expected_orders: float
    riders_near: int


class SuggestionRead(BaseModel):
    rider_id: str
    merchant_id: str
    ride_minutes: int


class ForecastRead(BaseModel):
    horizon_minutes: int
    sites: list[SiteForecastRead]
    suggestions: list[SuggestionRead]


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


@router.get("/caps")
def workload_caps(platform: PlatformDep, principal: OperatorPrincipal) -> WorkloadCapsRead:
    """The tenant's workload caps for riders (the defaults until an operator sets them)."""
    with platform.uow(read_only=True) as uow:
        return WorkloadCapsRead.of(caps_of(uow, principal.tenant_id))


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

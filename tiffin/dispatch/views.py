"""/v1/dispatch: what the dispatcher expects and suggests (operators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from tiffin.api.deps import OperatorPrincipal, PlatformDep
from tiffin.api.problems import error_responses
from tiffin.dispatch.suggest import forecast_and_suggest

router = APIRouter(
    prefix="/v1/dispatch", tags=["dispatch"], responses=error_responses(401, 403, 422)
)


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

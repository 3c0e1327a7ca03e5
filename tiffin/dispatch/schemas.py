"""/v1/dispatch's request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tiffin.api.common import Strict
from tiffin.optimiser.caps import WorkloadCaps


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


class DeclarationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["weather_warning", "incident"]
    note: str = Field(min_length=1, max_length=500, description="What is happening, for the log.")


class DeclarationLift(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


class DeclarationRead(BaseModel):
    id: str
    kind: str
    note: str
    declared_by: str
    declared_at: datetime
    lifted_at: datetime | None = None


class ModeChangeRead(BaseModel):
    at: datetime
    previous: str
    mode: str
    reason: str


class ModeRead(BaseModel):
    mode: Literal["normal", "crisis"] = Field(description="The weights dispatch uses now.")
    since: datetime | None
    reason: str
    declarations: list[DeclarationRead] = Field(description="Warnings and incidents in force.")
    changes: list[ModeChangeRead] = Field(description="Switches, newest first (paged).")


class MoveOfferRead(BaseModel):
    id: str
    rider_id: str
    merchant_id: str
    lat: float = Field(description="Where to wait.")
    lon: float
    why: str = Field(description="The orders expected there and the riders already near.")
    ride_minutes: int
    wait_minutes: int = Field(description="How long the tenant asks the rider to wait there.")
    pay_cents: int = Field(description="What the move pays, fixed when it was offered.")
    status: Literal["pending", "accepted", "declined", "expired"]
    decline_reason: str | None
    created_at: datetime
    expires_at: datetime
    answered_at: datetime | None


class MoveDecline(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=300)


class MovePayChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pay_cents: int = Field(ge=0, le=10_000, description="Paid per accepted move.")
    wait_minutes: int = Field(ge=5, le=120)
    slip_pay_cents: int = Field(
        default=200, ge=0, le=10_000, description="Paid to a rider an order is taken from."
    )


class MovePayRead(BaseModel):
    pay_cents: int
    wait_minutes: int
    slip_pay_cents: int


class RiderLoadRead(BaseModel):
    rider_id: str
    name: str
    orders: int = Field(description="Delivered today.")
    hours: float = Field(description="On shift today.")
    km: float = Field(description="Merchant-to-door distance of today's deliveries.")
    earnings_cents: int = Field(description="Delivery fees and move pay today.")


class RejectionCountRead(BaseModel):
    reason: str
    merchant_id: str
    count: int


class FairnessRead(BaseModel):
    gini_orders: float = Field(description="0 = today's orders shared evenly.")
    gini_earnings: float
    riders: list[RiderLoadRead] = Field(description="A page of riders who worked today.")
    rejections: list[RejectionCountRead] = Field(description="Offers turned down today.")

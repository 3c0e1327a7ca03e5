"""Rider, shift and offer payloads."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from tiffin.api.common import Point, Strict
from tiffin.domain.people import Offer, OfferStatus, Rider, VehicleType


class LocationIn(Strict):
    location: Point


class OfferCreate(Strict):
    rider_id: str = Field(min_length=1, max_length=40)


class RiderRead(BaseModel):
    id: str
    name: str
    vehicle: VehicleType
    on_shift: bool
    location: Point | None
    location_at: datetime | None

    @classmethod
    def of(cls, r: Rider) -> RiderRead:
        return cls(
            id=r.id,
            name=r.name,
            vehicle=r.vehicle,
            on_shift=r.on_shift,
            location=Point.of(r.location) if r.location else None,
            location_at=r.location_at,
        )


class ShiftRead(BaseModel):
    id: str
    rider_id: str
    started_at: datetime
    ended_at: datetime | None


class OfferRead(BaseModel):
    id: str
    order_id: str
    rider_id: str
    status: OfferStatus
    created_at: datetime
    expires_at: datetime
    reason: str
    score: float | None

    @classmethod
    def of(cls, o: Offer) -> OfferRead:
        return cls(
            id=o.id,
            order_id=o.order_id,
            rider_id=o.rider_id,
            status=o.status,
            created_at=o.created_at,
            expires_at=o.expires_at,
            reason=o.reason,
            score=o.score,
        )

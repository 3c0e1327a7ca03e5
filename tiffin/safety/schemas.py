"""Risk-zone payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field

from tiffin.api.common import Lax, Point, Strict
from tiffin.domain.zones import RiskZone


class ZoneClosure(Strict):
    name: str = Field(min_length=1, max_length=200, pattern=r"\S")
    polygon: list[Point] = Field(min_length=3, max_length=200)
    handoff: Point = Field(description="Contactless hand-off point, outside the zone.")
    closed_from: Annotated[AwareDatetime, Lax] | None = Field(
        default=None, description="Defaults to now."
    )
    closed_until: Annotated[AwareDatetime, Lax]
    reason: str = Field(min_length=1, max_length=500, pattern=r"\S")


class RiskZoneRead(BaseModel):
    id: str
    name: str
    polygon: list[Point]
    handoff: Point
    closed_from: datetime
    closed_until: datetime
    reason: str

    @classmethod
    def of(cls, z: RiskZone) -> RiskZoneRead:
        return cls(
            id=z.id,
            name=z.name,
            polygon=[Point.of(p) for p in z.polygon],
            handoff=Point.of(z.handoff),
            closed_from=z.closed_from,
            closed_until=z.closed_until,
            reason=z.reason,
        )

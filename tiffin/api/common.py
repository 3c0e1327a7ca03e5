"""Schemas shared by several capabilities."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from tiffin.domain.geo import LatLon


class Strict(BaseModel):
    """Request bodies refuse unknown fields: a typo should fail loudly, not be ignored."""

    model_config = ConfigDict(extra="forbid")


class Point(Strict):
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)

    def to_domain(self) -> LatLon:
        return LatLon(self.lat, self.lon)

    @classmethod
    def of(cls, p: LatLon) -> Point:
        return cls(lat=p.lat, lon=p.lon)


class ReasonIn(Strict):
    reason: str = Field(min_length=1, max_length=500, pattern=r"\S")

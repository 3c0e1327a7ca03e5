"""High-risk zones (pure): a polygon closed to riders for a window, with a contactless
hand-off point (无接触配送) outside it where riders leave orders addressed inside."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tiffin.domain.geo import LatLon, contains


class RiskLevel(StrEnum):
    """A health authority's risk level; only a high-risk zone is closed to riders."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class RiskZone:
    id: str
    tenant_id: str
    name: str
    polygon: tuple[LatLon, ...]
    handoff: LatLon
    closed_from: datetime
    closed_until: datetime
    reason: str
    created_by: str
    created_at: datetime
    level: RiskLevel = RiskLevel.HIGH

    def __post_init__(self) -> None:
        if len(self.polygon) < 3:
            raise ValueError("a zone needs at least three corners")
        if self.closed_until <= self.closed_from:
            raise ValueError("a closure must end after it starts")
        if contains(self.polygon, self.handoff):
            raise ValueError("the hand-off point must lie outside the closed zone")

    def active(self, now: datetime) -> bool:
        return self.closed_from <= now < self.closed_until

    @property
    def closes_to_riders(self) -> bool:
        return self.level is RiskLevel.HIGH

    def covers(self, point: LatLon) -> bool:
        return contains(self.polygon, point)

"""What the early-warning routes answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from tiffin.safety.warning.model import Action, Warning
from tiffin.safety.warning.service import Applied


class AppliedRead(BaseModel):
    recommendation_id: str
    action: Action
    detail: str
    applied_by: str
    applied_at: datetime

    @classmethod
    def of(cls, a: Applied) -> AppliedRead:
        return cls(
            recommendation_id=a.recommendation_id,
            action=Action(a.action),
            detail=a.detail,
            applied_by=a.applied_by,
            applied_at=a.applied_at,
        )


class RecommendationRead(BaseModel):
    id: str
    action: Action
    why: str
    extra_minutes: int
    riders_wanted: int
    applied: AppliedRead | None


class WarningRead(BaseModel):
    """A zone's outlook over the horizon: riders it can count on against orders expected."""

    zone_id: str
    zone_name: str
    failed_share: float
    riders_expected: float
    orders_expected: float
    capacity: float
    shortfall_riders: int
    recommendations: list[RecommendationRead]

    @classmethod
    def of(cls, w: Warning, done: dict[str, Applied]) -> WarningRead:
        return cls(
            zone_id=w.zone_id,
            zone_name=w.zone_name,
            failed_share=w.failed_share,
            riders_expected=w.riders_expected,
            orders_expected=w.orders_expected,
            capacity=w.capacity,
            shortfall_riders=w.shortfall_riders,
            recommendations=[
                RecommendationRead(
                    id=r.id,
                    action=r.action,
                    why=r.why,
                    extra_minutes=r.extra_minutes,
                    riders_wanted=r.riders_wanted,
                    applied=AppliedRead.of(done[r.id]) if r.id in done else None,
                )
                for r in w.recommendations
            ],
        )

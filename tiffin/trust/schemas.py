"""Responses of /v1/me/trust and /v1/trust/{role}/{id}."""

from __future__ import annotations

from pydantic import BaseModel, Field

from tiffin.trust.policy import Score


class TrustReasonRead(BaseModel):
    event: str
    count: int
    weight: float = Field(description="points per event, from the tenant's trust policy")
    points: float = Field(description="what these events did to the score (capped count x weight)")


class TrustRead(BaseModel):
    role: str
    subject_id: str
    score: int = Field(ge=0, le=100)
    base: float
    reasons: list[TrustReasonRead]
    trusted: bool = Field(description="complaints' grants stand without an operator's review")
    watched: bool = Field(description="operators review this person's complaints")

    @classmethod
    def of(cls, role: str, subject_id: str, result: Score) -> TrustRead:
        return cls(
            role=role,
            subject_id=subject_id,
            score=result.value,
            base=result.base,
            reasons=[
                TrustReasonRead(event=r.event, count=r.count, weight=r.weight, points=r.points)
                for r in result.reasons
            ],
            trusted=result.trusted,
            watched=result.watched,
        )

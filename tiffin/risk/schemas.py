"""Risk API shapes: rule drafts and versions, thresholds, cases and their actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, model_validator

from tiffin.api.common import Instant, Strict
from tiffin.risk.cases import Outcome
from tiffin.risk.model import Checkpoint, Mode


class RuleCreate(Strict):
    rule_id: str = Field(min_length=1, max_length=60, pattern=r"^[a-z][a-z0-9_]*$")
    description: str = Field(min_length=1, max_length=500, pattern=r"\S")
    expression: str = Field(min_length=1, max_length=1000)
    score: int = Field(ge=-1000, le=1000)
    checkpoint: Checkpoint = Checkpoint.CLAIM
    mode: Mode = Mode.LIVE
    enabled: bool = True
    snoozed_until: Instant | None = None


class RuleRead(BaseModel):
    rule_id: str
    version: int
    checkpoint: str
    mode: str
    description: str
    expression: str
    score: int
    enabled: bool
    snoozed_until: datetime | None
    created_by: str
    created_at: datetime | None


class Saved(BaseModel):
    rule_id: str
    version: int


class ThresholdsIn(Strict):
    review_score: int = Field(ge=1, le=10_000)
    block_score: int = Field(ge=1, le=10_000)
    grant_threshold_cents: int = Field(ge=0, le=10_000_000)
    hold_hours: int = Field(ge=1, le=168)

    @model_validator(mode="after")
    def _ordered(self) -> ThresholdsIn:
        if self.block_score < self.review_score:
            raise ValueError("block_score must be at least review_score")
        return self


class ThresholdsRead(BaseModel):
    review_score: int
    block_score: int
    grant_threshold_cents: int
    hold_hours: int


class CaseRead(BaseModel):
    id: str
    customer_id: str
    order_id: str | None
    rider_id: str | None = None  # a hand-back case is about this rider
    grant_id: str | None
    reason_code: str
    status: str
    assignee: str | None
    outcome: str | None
    due_at: datetime
    opened_at: datetime
    resolved_at: datetime | None


class CaseDetail(CaseRead):
    decision: dict[str, Any]
    notes: list[dict[str, Any]]


class AssignIn(Strict):
    assignee: str | None = Field(default=None, max_length=40, description="default: yourself")


class NoteIn(Strict):
    text: str = Field(min_length=1, max_length=2000, pattern=r"\S")


class ResolveIn(Strict):
    outcome: Outcome
    note: str = Field(min_length=1, max_length=2000, pattern=r"\S")


class Resolved(BaseModel):
    id: str
    outcome: str
    grant_status: str | None


class RuleStat(BaseModel):
    rule: str
    hits: int
    reviewed: int
    confirmed_abuse: int
    precision: float | None


class ShadowReport(BaseModel):
    decisions: int
    agree: int
    matrix: list[dict[str, Any]]

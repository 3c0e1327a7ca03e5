"""Compliance API shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from tiffin.api.common import Strict
from tiffin.compliance.model import DisputeOutcome
from tiffin.domain.anomalies import Liability


class LiabilityRuleRead(BaseModel):
    situation: str
    liable: str
    why: str


class OrderChecksRead(BaseModel):
    order_id: str
    status: str
    ended_by: str | None
    refund_owed: bool
    refunded_cents: int
    charged_cents: int
    findings: list[str]


class DisputeCreate(Strict):
    anomaly_id: str = Field(min_length=1, max_length=40)
    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S")


class DecisionIn(Strict):
    outcome: DisputeOutcome
    liable: Liability | None = Field(default=None, description="who pays instead (upheld)")
    note: str = Field(min_length=1, max_length=2000, pattern=r"\S")


class DisputeRead(BaseModel):
    id: str
    anomaly_id: str
    raised_by: str
    was_liable: str
    reason: str
    status: str
    now_liable: str | None
    recharged_cents: int
    decided_by: str | None
    decision_note: str | None
    created_at: datetime
    decided_at: datetime | None

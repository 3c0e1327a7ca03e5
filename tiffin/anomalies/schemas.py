"""What the anomaly endpoints take and answer: the operator's queue, customers' reports and
ratings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from tiffin.anomalies.playbook import Step
from tiffin.api.common import Lax, Strict


class AnomalyRead(BaseModel):
    id: str
    order_id: str
    type: str
    severity: int
    status: str
    liable: str
    reason: str
    facts: dict[str, Any]
    since_at: datetime
    detected_at: datetime
    sla_due_at: datetime
    occurrences: int
    playbook_version: int
    taken_by: str | None
    closed_at: datetime | None
    resolution: str | None


class AnomalyDetail(AnomalyRead):
    actions: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    grants: list[dict[str, Any]]
    feedback: dict[str, Any] | None


class NoteIn(Strict):
    text: str = Field(min_length=1, max_length=2000, pattern=r"\S")


class ActionIn(Strict):
    step: Annotated[Step, Lax]


class CloseIn(Strict):
    resolution: str = Field(min_length=1, max_length=2000, pattern=r"\S")


class ProblemIn(Strict):
    problem: Literal["missing", "wrong", "damaged"]
    photo_ref: str | None = Field(
        default=None, max_length=500, description="an uploaded photo's reference"
    )
    note: str = Field(default="", max_length=2000)


class DelayIn(Strict):
    """A kitchen's estimate of how late an order's food will be, and why."""

    minutes: int = Field(ge=1, le=120, description="how many minutes later than promised")
    note: str = Field(default="", max_length=500, description="why, for the customer's message")


class DelayRead(BaseModel):
    anomaly_id: str | None = Field(description="the late-food case opened; none when it merged")
    outcome: Literal["reported", "merged"]


class FeedbackIn(Strict):
    rating: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=2000)


class Done(BaseModel):
    id: str
    outcome: str


class CustomerAnomalyRead(BaseModel):
    """One of the customer's own anomalies: what happened to their order, and what they can rate."""

    id: str
    order_id: str
    type: str
    reason: str
    status: str
    detected_at: datetime

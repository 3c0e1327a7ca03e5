"""What the care endpoints take and answer: the customer's inbox, wallet and notifications; the
operator's grants, call list, notices, care report and documents."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from tiffin.anomalies.playbook import Playbook
from tiffin.api.common import Instant, Strict
from tiffin.care.policy import CompensationPolicy


class MessageRead(BaseModel):
    id: str
    order_id: str | None
    title: str
    body: str
    created_at: datetime


class GrantRead(BaseModel):
    """A grant as its customer or an operator sees it (``ledger.Grant`` without internal ids)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    order_id: str
    cause: str
    instrument: str | None
    tier: str | None
    amount_cents: int
    refund_cents: int
    points_multiplier: int
    liable: str
    payer: str
    policy_version: int
    reason: str
    status: str
    created_at: datetime
    reversed_at: datetime | None = None
    reversal_reason: str | None = None


class WalletRead(BaseModel):
    credit_cents: int
    refunded_cents: int
    coupons: list[dict[str, Any]]
    grants: list[GrantRead]


class NotificationRead(BaseModel):
    """A notice sent to a customer or a merchant, with its delivery state."""

    id: str
    order_id: str | None
    anomaly_id: str | None
    title: str
    body: str
    status: str
    created_at: datetime


class CareReportRead(BaseModel):
    """One anomaly type under one compensation policy version (None: nothing was granted)."""

    type: str
    policy_version: int | None
    anomalies: int
    rated: int
    satisfaction: float | None
    cost_cents: int
    cost_per_anomaly_cents: int


class CallRead(BaseModel):
    """A customer waiting for a phone call, with the notification that asked for it."""

    id: str
    customer_id: str
    phone: str
    priority: int
    created_at: datetime
    title: str
    body: str
    order_id: str | None


class CallDoneRead(BaseModel):
    id: str
    outcome: str


class NoticeRead(BaseModel):
    id: str
    kind: str
    text: str
    created_at: datetime


class CreatedRead(BaseModel):
    """The id of what was just created."""

    id: str


ZoneId = Annotated[str, Field(min_length=1, max_length=40)]
# A ring of [lat, lon] corners, closed or not; at most 500 of them.
Corner = Annotated[list[float], Field(min_length=2, max_length=2)]
Ring = Annotated[list[Corner], Field(min_length=3, max_length=500)]


class ForceMajeureIn(Strict):
    """A storm warning. ``zone_ids`` (the tenant's delivery or risk zones) and ``polygons``
    name the areas it covers; neither: the whole tenant."""

    starts_at: Instant
    ends_at: Instant
    reason: str = Field(min_length=1, max_length=500, pattern=r"\S")
    zone_ids: list[ZoneId] = Field(default_factory=list, max_length=20)
    polygons: list[Ring] = Field(default_factory=list, max_length=10)


class ForceMajeureRead(BaseModel):
    """A weather window: when, where (``areas``: none is the whole tenant), and from whom
    (``source`` operator or cap; a CAP alert's ``external_id`` is its sender,identifier)."""

    id: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    source: str
    zone_ids: list[str] | None
    areas: list[dict[str, Any]] | None
    event: str | None
    severity: str | None
    external_id: str | None
    created_at: datetime
    updated_at: datetime | None


class CallDoneIn(Strict):
    outcome: str = Field(min_length=1, max_length=2000, pattern=r"\S")


class Versioned(BaseModel):
    kind: str
    version: int


# The tenant's playbook or compensation policy in force, exactly as saved.
CareDocumentRead = Playbook | CompensationPolicy

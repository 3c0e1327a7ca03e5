"""Payloads of rider aid: insurance claims, support requests and the emergency roster."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from tiffin.api.common import Instant, Lax, Strict
from tiffin.safety.aid.model import (
    Claim,
    ClaimKind,
    ClaimStatus,
    Step,
    SupportKind,
    SupportRequest,
    SupportStatus,
)
from tiffin.safety.aid.roster import LANGUAGES, Channel, RosterEntry, Scope

Note = Field(default="", max_length=1000)
Words = Field(min_length=1, max_length=2000, pattern=r"\S")


class StepRead(BaseModel):
    status: str
    actor_role: str
    actor_id: str | None
    at: datetime
    note: str

    @classmethod
    def of(cls, s: Step) -> StepRead:
        return cls(
            status=s.status, actor_role=s.actor.role, actor_id=s.actor.id, at=s.at, note=s.note
        )


class ClaimCreate(Strict):
    kind: Annotated[ClaimKind, Lax]
    incident_at: Instant = Field(description="when it happened")
    description: str = Words
    claimed_cents: int = Field(ge=1, le=100_000_000)


class ClaimStepIn(Strict):
    status: Annotated[ClaimStatus, Lax] = Field(description="in_review, approved, rejected, paid")
    note: str = Note
    paid_cents: int | None = Field(default=None, ge=1, le=100_000_000)


class ClaimRead(BaseModel):
    id: str
    rider_id: str
    policy: str
    kind: ClaimKind
    incident_at: datetime
    description: str
    claimed_cents: int
    paid_cents: int | None
    status: ClaimStatus
    filed_at: datetime
    updated_at: datetime
    steps: list[StepRead]

    @classmethod
    def of(cls, c: Claim) -> ClaimRead:
        return cls(
            id=c.id,
            rider_id=c.rider_id,
            policy=c.policy,
            kind=c.kind,
            incident_at=c.incident_at,
            description=c.description,
            claimed_cents=c.claimed_cents,
            paid_cents=c.paid_cents,
            status=c.status,
            filed_at=c.filed_at,
            updated_at=c.updated_at,
            steps=[StepRead.of(s) for s in c.steps],
        )


class SupportCreate(Strict):
    kind: Annotated[SupportKind, Lax]
    urgent: bool = False
    description: str = Words


class AssignIn(Strict):
    to: str | None = Field(
        default=None, min_length=1, max_length=40, description="an operator's user id; you if unset"
    )
    note: str = Note


class CloseIn(Strict):
    note: str = Field(min_length=1, max_length=1000, description="what was done")


class SupportRead(BaseModel):
    id: str
    rider_id: str
    kind: SupportKind
    urgent: bool
    description: str
    status: SupportStatus
    assigned_to: str | None
    filed_at: datetime
    updated_at: datetime
    steps: list[StepRead]

    @classmethod
    def of(cls, r: SupportRequest) -> SupportRead:
        return cls(
            id=r.id,
            rider_id=r.rider_id,
            kind=r.kind,
            urgent=r.urgent,
            description=r.description,
            status=r.status,
            assigned_to=r.assigned_to,
            filed_at=r.filed_at,
            updated_at=r.updated_at,
            steps=[StepRead.of(s) for s in r.steps],
        )


class RosterCreate(Strict):
    scope: Annotated[Scope, Lax]
    merchant_id: str | None = Field(
        default=None, max_length=40, description="for a merchant entry (a merchant: its own)"
    )
    name: str = Field(min_length=1, max_length=120, pattern=r"\S")
    role: str = Field(min_length=1, max_length=80, pattern=r"\S", examples=["duty manager"])
    channel: Annotated[Channel, Lax]
    address: str = Field(min_length=3, max_length=500, description="phone, email or https URL")
    language: str = Field(default="zh-CN", max_length=10, examples=list(LANGUAGES))
    on_call_from: Instant
    on_call_until: Instant


class RosterRead(BaseModel):
    id: str
    scope: Scope
    merchant_id: str | None
    name: str
    role: str
    channel: Channel
    address: str
    language: str
    on_call_from: datetime
    on_call_until: datetime
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, e: RosterEntry) -> RosterRead:
        return cls(
            id=e.id,
            scope=e.scope,
            merchant_id=e.merchant_id,
            name=e.name,
            role=e.role,
            channel=e.channel,
            address=e.address,
            language=e.language,
            on_call_from=e.on_call_from,
            on_call_until=e.on_call_until,
            created_by=e.created_by,
            created_at=e.created_at,
        )

"""What the incident endpoints and the public status page take and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from tiffin.api.common import Instant, Lax, Strict
from tiffin.incidents.model import State

ImpactName = Literal["none", "minor", "major", "critical"]
ComponentName = Literal["ordering", "dispatch", "notifications", "payments"]


class IncidentIn(Strict):
    title: str = Field(min_length=1, max_length=200, pattern=r"\S")
    components: dict[ComponentName, ImpactName] = Field(min_length=1)
    message: str = Field(min_length=1, max_length=4000, pattern=r"\S")
    started_at: Instant | None = Field(
        default=None, description="when the trouble began, if before now (for make-good)"
    )


class UpdateIn(Strict):
    state: Annotated[State, Lax]
    message: str = Field(min_length=1, max_length=4000, pattern=r"\S")
    components: dict[ComponentName, ImpactName] | None = None
    internal: bool = Field(default=False, description="an operator note, not on the status page")


class IncidentRead(BaseModel):
    id: str
    tenant_id: str | None
    title: str
    state: str
    components: dict[str, str]
    source: str
    started_at: datetime
    opened_at: datetime
    resolved_at: datetime | None
    opened_by: str
    made_good_at: datetime | None
    made_good_orders: int
    made_good_cents: int
    confirmed: bool = Field(
        default=False,
        description="an operator of your tenant confirmed it: resolving it makes good for you",
    )


class SubscriptionIn(Strict):
    component: ComponentName
    channel: Literal["inbox", "email", "webhook"]
    address: str | None = Field(default=None, max_length=500)


class SubscriptionRead(BaseModel):
    """The id of the subscription just made."""

    id: str


class StatusUpdateRead(BaseModel):
    """One public update of an incident (times as ISO 8601 strings, as the page was built)."""

    at: str
    state: str
    message: str


class PublicIncidentRead(BaseModel):
    id: str
    title: str
    state: str
    components: dict[str, str]
    started_at: str
    resolved_at: str | None
    updates: list[StatusUpdateRead]


class StatusDayRead(BaseModel):
    """One day of history: each component's worst impact and the incidents touching it."""

    date: str
    worst: dict[str, str]
    incidents: list[str]


class PublicStatementRead(BaseModel):
    """A published statement about an anomaly wave: its newest published version's words."""

    id: str
    version: int
    published_at: str
    texts: dict[str, dict[str, str]] = Field(description='{"zh-CN"|"en": {"title", "body"}}')


class StatusRead(BaseModel):
    """The public status page: each component now, open and past incidents, 90 days of history."""

    status: str
    components: dict[str, str]
    open_incidents: list[PublicIncidentRead]
    past_incidents: list[PublicIncidentRead]
    history: list[StatusDayRead]
    statements: list[PublicStatementRead] = Field(
        default_factory=list, description="Statements about waves of trouble (newest first)."
    )
    generated_at: str
    features_off: list[str] = Field(
        default_factory=list, description="Deferrable features switched off to spare the core."
    )

"""Request and response shapes of the partner API and of its management by operators."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from tiffin.api.common import Lax, Strict
from tiffin.safety.partners.keys import PartnerKey, Scope


class PartnerCreate(Strict):
    name: str = Field(min_length=1, max_length=120, pattern=r"\S")


class PartnerRead(BaseModel):
    id: str
    name: str
    created_at: datetime


class KeyCreate(Strict):
    scopes: list[Annotated[Scope, Lax]] = Field(min_length=1, max_length=4)


class KeyRotate(Strict):
    grace_minutes: int = Field(
        default=60, ge=0, le=7 * 24 * 60, description="how long the old key keeps working (0: none)"
    )


class KeyRead(BaseModel):
    id: str
    partner_id: str
    scopes: list[Scope]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    replaced_by: str | None

    @classmethod
    def of(cls, k: PartnerKey) -> KeyRead:
        return cls(
            id=k.id,
            partner_id=k.partner_id,
            scopes=list(k.scopes),
            created_at=k.created_at,
            expires_at=k.expires_at,
            revoked_at=k.revoked_at,
            replaced_by=k.replaced_by,
        )


class KeyIssued(KeyRead):
    """The key and, this once, its token: only a hash of it is kept."""

    token: str

    @classmethod
    def issued(cls, k: PartnerKey, token: str) -> KeyIssued:
        return cls(**KeyRead.of(k).model_dump(), token=token)


class CallRead(BaseModel):
    id: str
    partner_id: str
    key_id: str
    method: str
    route: str
    status: int
    at: datetime


class ReleaseIn(Strict):
    trace_id: str = Field(min_length=1, max_length=40)


class ReleaseRead(BaseModel):
    id: str
    partner_id: str
    trace_id: str
    released_by: str
    released_at: datetime


class ExportRead(ReleaseRead):
    export: dict[str, Any]


class HealthStatRead(BaseModel):
    """Counts only: how many check-ins passed and failed in a zone on a day."""

    day: str
    zone: str
    passed: int
    failed: int


class WeatherPushRead(BaseModel):
    """What a pushed CAP alert did: ``declared``, ``amended`` or ``ended`` a weather window,
    ``unchanged`` (this message was seen before) or ``ignored`` (a test, exercise, draft or
    acknowledgement; a cancel of an alert never received)."""

    outcome: str
    window_id: str | None

"""Requests and responses of /v1/statements, /v1/anomaly-waves, /v1/sentiment and
/v1/anomalies/{id}/changes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from tiffin.api.common import Instant, Lax, Strict
from tiffin.domain.anomalies import AnomalyType


class StatementText(Strict):
    title: str = Field(min_length=1, max_length=200, pattern=r"\S")
    body: str = Field(min_length=1, max_length=4000, pattern=r"\S")


class StatementEdit(Strict):
    """A new version's words, both languages."""

    zh_CN: StatementText = Field(alias="zh-CN")
    en: StatementText

    def texts(self) -> dict[str, dict[str, str]]:
        return {"zh-CN": self.zh_CN.model_dump(), "en": self.en.model_dump()}


class StatementVersionRead(BaseModel):
    version: int
    facts: dict[str, object]
    texts: dict[str, dict[str, str]]
    author: str
    created_at: datetime
    published_at: datetime | None
    published_by: str | None


class AnomalyWaveIn(Strict):
    """Which wave a statement is about: the anomalies of ``type`` detected in [since, until]
    (at most 7 days) across the tenant (``all``), in one zone (its name) or at one merchant."""

    type: Annotated[AnomalyType, Lax]
    dimension: Literal["all", "zone", "merchant"]
    key: str = Field(default="", max_length=200, description='zone name or merchant id; "" for all')
    since: Instant
    until: Instant

    def definition(self) -> dict[str, object]:
        return self.model_dump(mode="python") | {"type": self.type.value}


class AnomalyWaveRead(BaseModel):
    """A wave found: anomalies of one type in one scope, each detected within the gap of the
    one before. Its ``type``, ``dimension``, ``key``, ``first_at`` and ``until`` draft a
    statement (``since`` is when the earliest trouble began)."""

    type: str
    dimension: str
    key: str
    since: datetime
    first_at: datetime
    until: datetime
    anomalies: int
    orders: int


class StatementRead(BaseModel):
    id: str
    incident_id: str | None = Field(description="the incident it is about, or null for a wave")
    wave: dict[str, str] | None = Field(
        default=None, description="the wave it is about: type, dimension, key, since, until"
    )
    created_by: str
    created_at: datetime
    versions: list[StatementVersionRead]


class PublishedRead(BaseModel):
    statement_id: str
    version: int
    inboxes: int = Field(description="customers whose in-app inbox received it")


class WaveRead(BaseModel):
    id: str
    dimension: str
    key: str
    window_start: datetime
    negatives: int
    incident_id: str | None
    created_at: datetime


class WavePage(BaseModel):
    items: list[WaveRead]
    next_offset: int | None


class ChangeIn(Strict):
    """What a complaint changed, told to the customer who made it."""

    change: Literal["merchant_charged", "rider_retrained", "policy_changed"]
    detail: str = Field(default="", max_length=500)


class ChangeRead(BaseModel):
    id: str
    anomaly_id: str
    change: str
    told: bool

"""Requests and responses of /v1/statements, /v1/sentiment and /v1/anomalies/{id}/changes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from tiffin.api.common import Strict


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


class StatementRead(BaseModel):
    id: str
    incident_id: str
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

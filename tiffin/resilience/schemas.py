"""Request and response bodies of the degraded-features API."""

from __future__ import annotations

from pydantic import BaseModel, Field

from tiffin.api.common import Strict
from tiffin.resilience.switches import MAX_SWITCH_SECONDS


class SwitchOff(Strict):
    reason: str = Field(min_length=1, max_length=500, description="Why (kept with the change).")
    for_seconds: int = Field(
        default=3600, ge=60, le=MAX_SWITCH_SECONDS, description="Back on by itself after this."
    )


class SwitchOn(Strict):
    reason: str = Field(min_length=1, max_length=500, description="Why (kept with the change).")


class SwitchRead(BaseModel):
    feature: str
    scope: str = Field(
        description="'tenant' (an operator's switch) or 'everyone' (the health watch)."
    )
    source: str
    reason: str
    since: str
    until: str | None


class FeaturesRead(BaseModel):
    features: list[str] = Field(description="Every deferrable feature that can be switched off.")
    off: list[SwitchRead]

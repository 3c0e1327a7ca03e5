"""Request and response bodies of /v1/drills: schedules and their runs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, Field

from tiffin.api.common import Lax, Strict
from tiffin.resilience.drill_guard import redacted
from tiffin.resilience.drill_model import (
    MAX_EVERY_SECONDS,
    MIN_EVERY_SECONDS,
    PARAMS,
    DrillKind,
    DrillRun,
    DrillSchedule,
    RunStatus,
    ScheduleState,
)


def _bound(name: str) -> tuple[int, int]:
    """A setting's bounds, widest over the kinds that have it (each kind checks its own)."""
    ranges = [p[name][1:] for p in PARAMS.values() if name in p]
    return min(r[0] for r in ranges), max(r[1] for r in ranges)


class DrillCreate(Strict):
    kind: Annotated[DrillKind, Lax]
    staging_url: str = Field(
        min_length=1,
        max_length=500,
        description="The staging database the drill runs against: sqlite:///path or "
        "postgresql://... Never the live database (refused with staging_url_is_live).",
    )
    every_seconds: int = Field(
        ge=MIN_EVERY_SECONDS, le=MAX_EVERY_SECONDS, description="How often the drill runs."
    )
    first_run_at: Annotated[AwareDatetime, Lax] | None = Field(
        default=None, description="When it first runs (default: as soon as the runner looks)."
    )
    kills: int | None = Field(
        default=None, ge=_bound("kills")[0], le=_bound("kills")[1], description="crash: kill -9s."
    )
    seconds: int | None = Field(
        default=None,
        ge=_bound("seconds")[0],
        le=_bound("seconds")[1],
        description="overload: seconds at three times capacity.",
    )
    zones: int | None = Field(
        default=None, ge=_bound("zones")[0], le=_bound("zones")[1], description="failover: zones."
    )
    load_seconds: int | None = Field(
        default=None,
        ge=_bound("load_seconds")[0],
        le=_bound("load_seconds")[1],
        description="failover: seconds of load before and after the kill.",
    )

    def params(self) -> dict[str, int]:
        """The settings given (the kind refuses those it does not have)."""
        given = {
            "kills": self.kills,
            "seconds": self.seconds,
            "zones": self.zones,
            "load_seconds": self.load_seconds,
        }
        return {k: v for k, v in given.items() if v is not None}


class DrillRead(BaseModel):
    id: str
    kind: DrillKind
    staging_url: str = Field(description="With its password hidden.")
    params: dict[str, int]
    every_seconds: int
    next_run_at: datetime
    state: ScheduleState
    scheduled_by: str
    created_at: datetime

    @classmethod
    def of(cls, s: DrillSchedule) -> DrillRead:
        return cls(
            id=s.id,
            kind=s.kind,
            staging_url=redacted(s.staging_url),
            params=s.params,
            every_seconds=s.every_seconds,
            next_run_at=s.next_run_at,
            state=s.state,
            scheduled_by=s.scheduled_by,
            created_at=s.created_at,
        )


class DrillRunRead(BaseModel):
    id: str
    drill_id: str
    kind: DrillKind
    trigger: str = Field(description="'schedule' or 'manual' (run now).")
    requested_by: str
    requested_at: datetime
    status: RunStatus
    started_at: datetime | None
    finished_at: datetime | None
    seconds: float | None = Field(description="How long the drill took.")
    figures: dict[str, Any] | None = Field(description="The drill's own JSON report.")
    detail: str | None = Field(description="Why the run is an error.")

    @classmethod
    def of(cls, r: DrillRun) -> DrillRunRead:
        return cls(
            id=r.id,
            drill_id=r.schedule_id,
            kind=r.kind,
            trigger=r.trigger,
            requested_by=r.requested_by,
            requested_at=r.requested_at,
            status=r.status,
            started_at=r.started_at,
            finished_at=r.finished_at,
            seconds=r.seconds,
            figures=r.figures,
            detail=r.detail,
        )

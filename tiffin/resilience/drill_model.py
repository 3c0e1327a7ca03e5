"""Scheduled drills, the pure part: the kinds, their settings, and when a schedule runs next.

A schedule runs its drill on a grid: ``next_run_at``, then every ``every_seconds`` after it.
A runner that was down (or busy with another drill) for several slots runs the drill once and
moves to the first slot still ahead, so a drill never runs again and again to catch up.
Time comes from the injected clock; nothing here reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from tiffin.errors import Invalid

MIN_EVERY_SECONDS = 60
MAX_EVERY_SECONDS = 90 * 24 * 3600


class DrillKind(StrEnum):
    """The drills a schedule can run (``tiffin drill <kind>``)."""

    CRASH = "crash"  # kill -9 the server under load, then audit
    FAILOVER = "failover"  # two servers on PostgreSQL, kill the dispatch leader
    OVERLOAD = "overload"  # three times capacity, core kept, deferrable shed first


class ScheduleState(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    DELETED = "deleted"  # kept, so its runs' history still names it


class RunStatus(StrEnum):
    QUEUED = "queued"  # asked for ("run now"), not yet picked up
    RUNNING = "running"
    PASSED = "passed"  # the drill met its targets
    FAILED = "failed"  # the drill ran and missed a target (its figures say which)
    ERROR = "error"  # the drill could not run (refused database, timeout, crash)

    @property
    def finished(self) -> bool:
        return self in (RunStatus.PASSED, RunStatus.FAILED, RunStatus.ERROR)


# Each kind's settings: what an operator may change, its default and its bounds. Defaults are
# the commands' own, except the crash drill's kills (20 takes minutes; a schedule runs often).
PARAMS: dict[DrillKind, dict[str, tuple[int, int, int]]] = {
    DrillKind.CRASH: {"kills": (3, 1, 100)},
    DrillKind.FAILOVER: {"zones": (1, 1, 64), "load_seconds": (4, 1, 600)},
    DrillKind.OVERLOAD: {"seconds": (60, 1, 600)},
}


def drill_params(kind: DrillKind, given: Mapping[str, int] | None) -> dict[str, int]:
    """``given`` checked against ``kind``'s settings, with the defaults filled in; a setting
    the kind does not have, or one out of bounds, is refused (422) by name."""
    allowed = PARAMS[kind]
    unknown = sorted(set(given or {}) - set(allowed))
    if unknown:
        names = ", ".join(allowed)
        raise Invalid(
            f"the {kind} drill has no setting {', '.join(unknown)}; it has: {names}",
            code="drill_param_unknown",
        )
    params: dict[str, int] = {}
    for name, (default, low, high) in allowed.items():
        value = int((given or {}).get(name, default))
        if not low <= value <= high:
            raise Invalid(
                f"{name} must be between {low} and {high} for the {kind} drill",
                code="drill_param_out_of_bounds",
            )
        params[name] = value
    return params


def next_slot(due: datetime, every_seconds: int, now: datetime) -> datetime:
    """The first slot of the grid ``due + k * every_seconds`` (k >= 1) that is after ``now``."""
    if every_seconds <= 0:
        raise ValueError("a cadence is a positive number of seconds")
    step = timedelta(seconds=every_seconds)
    if now < due:
        return due + step
    missed = (now - due) // step  # whole periods between the due slot and now
    return due + (missed + 1) * step


@dataclass(frozen=True)
class DrillSchedule:
    id: str
    tenant_id: str
    kind: DrillKind
    staging_url: str
    params: dict[str, int]
    every_seconds: int
    next_run_at: datetime
    state: ScheduleState
    scheduled_by: str
    created_at: datetime

    @classmethod
    def of(cls, row: Mapping[Any, Any]) -> DrillSchedule:
        return cls(
            row["id"],
            row["tenant_id"],
            DrillKind(row["kind"]),
            row["staging_url"],
            dict(row["params"]),
            int(row["every_seconds"]),
            row["next_run_at"],
            ScheduleState(row["state"]),
            row["scheduled_by"],
            row["created_at"],
        )


@dataclass(frozen=True)
class DrillRun:
    id: str
    tenant_id: str
    schedule_id: str
    kind: DrillKind
    trigger: str  # schedule | manual
    requested_by: str
    requested_at: datetime
    status: RunStatus
    started_at: datetime | None
    finished_at: datetime | None
    runner: str | None
    figures: dict[str, Any] | None
    detail: str | None

    @property
    def seconds(self) -> float | None:
        """How long the drill took, once it finished."""
        if self.started_at is None or self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds(), 1)

    @classmethod
    def of(cls, row: Mapping[Any, Any]) -> DrillRun:
        return cls(
            row["id"],
            row["tenant_id"],
            row["schedule_id"],
            DrillKind(row["kind"]),
            row["trigger"],
            row["requested_by"],
            row["requested_at"],
            RunStatus(row["status"]),
            row["started_at"],
            row["finished_at"],
            row["runner"],
            dict(row["figures"]) if row["figures"] is not None else None,
            row["detail"],
        )

"""The drill runner's side of the schedule: claim the next drill to run, record how it ended.

One drill at a time, across every process serving the live database: a claim takes a named
lock (``try_lock``: an advisory lock on PostgreSQL, the one writer on SQLite) and claims
nothing while another run is marked running. A due schedule is claimed by moving its
``next_run_at`` on from the value it was read with, so two claimers can never both win it. A
run whose process died mid-drill would stay "running" for ever: once it is older than the
drill timeout it is marked an error, which also frees the queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from tiffin.domain.ids import new_id
from tiffin.resilience.drill_model import (
    DrillRun,
    DrillSchedule,
    RunStatus,
    ScheduleState,
    next_slot,
)
from tiffin.store import tables
from tiffin.store.locks import try_lock
from tiffin.store.uow import UnitOfWork

LOCK = "tiffin-drill-runner"
MAX_DETAIL = 1000

_s = tables.drill_schedules.c
_r = tables.drill_runs.c


@dataclass(frozen=True)
class Claimed:
    """A run now marked running, and what it runs against."""

    run: DrillRun
    schedule: DrillSchedule


def reap_stale(uow: UnitOfWork, *, started_before: datetime) -> int:
    """Mark runs still "running" that started before ``started_before`` as errors."""
    done = uow.conn.execute(
        update(tables.drill_runs)
        .where(_r.status == RunStatus.RUNNING.value, _r.started_at < started_before)
        .values(
            status=RunStatus.ERROR.value,
            finished_at=uow.clock.now(),
            detail="the drill did not finish in time, or its runner stopped mid-drill",
        )
    )
    return done.rowcount or 0


def claim_next(uow: UnitOfWork, *, runner: str, timeout: timedelta) -> Claimed | None:
    """The next run to do, marked running by ``runner``: a queued "run now" first (oldest
    first), else the schedule due longest ago; None if nothing is due or a run is going."""
    if not try_lock(uow, LOCK):
        return None
    now = uow.clock.now()
    reap_stale(uow, started_before=now - timeout)
    going = uow.conn.execute(select(_r.id).where(_r.status == RunStatus.RUNNING.value)).first()
    if going is not None:
        return None
    return _claim_queued(uow, runner, now) or _claim_due(uow, runner, now)


def _schedule(uow: UnitOfWork, schedule_id: str) -> DrillSchedule:
    row = uow.conn.execute(select(tables.drill_schedules).where(_s.id == schedule_id)).mappings()
    return DrillSchedule.of(row.one())


def _claim_queued(uow: UnitOfWork, runner: str, now: datetime) -> Claimed | None:
    queued = (
        uow.conn.execute(
            select(tables.drill_runs)
            .where(_r.status == RunStatus.QUEUED.value)
            .order_by(_r.requested_at, _r.id)
            .limit(1)
        )
        .mappings()
        .first()
    )
    if queued is None:
        return None
    schedule = _schedule(uow, queued["schedule_id"])
    won = uow.conn.execute(
        update(tables.drill_runs)
        .where(_r.id == queued["id"], _r.status == RunStatus.QUEUED.value)
        .values(status=RunStatus.RUNNING.value, started_at=now, runner=runner[:80])
    )
    if not won.rowcount:
        return None
    run = DrillRun.of({**queued, "status": "running", "started_at": now, "runner": runner[:80]})
    if schedule.state is ScheduleState.DELETED:  # deleted after the operator asked
        finish(uow, run.id, RunStatus.ERROR, detail="the schedule was deleted before it ran")
        return None
    return Claimed(run, schedule)


def _claim_due(uow: UnitOfWork, runner: str, now: datetime) -> Claimed | None:
    due = (
        uow.conn.execute(
            select(tables.drill_schedules)
            .where(_s.state == ScheduleState.ACTIVE.value, _s.next_run_at <= now)
            .order_by(_s.next_run_at, _s.id)
            .limit(1)
        )
        .mappings()
        .first()
    )
    if due is None:
        return None
    schedule = DrillSchedule.of(due)
    moved = uow.conn.execute(
        update(tables.drill_schedules)
        .where(_s.id == schedule.id, _s.next_run_at == schedule.next_run_at)
        .values(
            next_run_at=next_slot(schedule.next_run_at, schedule.every_seconds, now),
            updated_at=now,
        )
    )
    if not moved.rowcount:
        return None  # another process claimed this slot first
    row: dict[str, Any] = {
        "id": new_id("dru"),
        "tenant_id": schedule.tenant_id,
        "schedule_id": schedule.id,
        "kind": schedule.kind.value,
        "trigger": "schedule",
        "requested_by": schedule.scheduled_by,
        "requested_at": now,
        "status": RunStatus.RUNNING.value,
        "started_at": now,
        "finished_at": None,
        "runner": runner[:80],
        "figures": None,
        "detail": None,
    }
    uow.conn.execute(insert(tables.drill_runs).values(**row))
    return Claimed(DrillRun.of(row), schedule)


def finish(
    uow: UnitOfWork,
    run_id: str,
    status: RunStatus,
    *,
    figures: dict[str, Any] | None = None,
    detail: str | None = None,
) -> bool:
    """Record how a running run ended; False if it is no longer running (reaped meanwhile)."""
    if not status.finished:
        raise ValueError(f"{status} is not how a run ends")
    done = uow.conn.execute(
        update(tables.drill_runs)
        .where(_r.id == run_id, _r.status == RunStatus.RUNNING.value)
        .values(
            status=status.value,
            finished_at=uow.clock.now(),
            figures=figures,
            detail=detail[:MAX_DETAIL] if detail else None,
        )
    )
    return bool(done.rowcount)

"""Operators schedule drills against a staging database, pause, resume and delete them, ask for
a run now, and read the history. Schedules and runs belong to a tenant: an operator sees and
changes only their own tenant's (another tenant's are "not found"). Every change is a
``DrillScheduleChanged`` event, so the audit chain says who pointed a drill where.

The runner's side (claiming what is due, recording what happened) is ``drill_queue``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import insert, select, update

from tiffin.domain.events import DrillScheduleChanged
from tiffin.domain.ids import new_id
from tiffin.domain.principals import SYSTEM, Actor
from tiffin.errors import Conflict, Invalid, NotFound
from tiffin.resilience.drill_guard import staging_url, target
from tiffin.resilience.drill_model import (
    MAX_EVERY_SECONDS,
    MIN_EVERY_SECONDS,
    DrillKind,
    DrillRun,
    DrillSchedule,
    RunStatus,
    ScheduleState,
    drill_params,
    next_slot,
)
from tiffin.store import tables
from tiffin.store.repositories import tenant_owned
from tiffin.store.uow import UnitOfWork

_s = tables.drill_schedules.c
_r = tables.drill_runs.c


def _changed(uow: UnitOfWork, found: DrillSchedule, change: str, actor: Actor, why: str) -> None:
    uow.emit(
        DrillScheduleChanged(
            aggregate_id=found.id,
            tenant_id=found.tenant_id,
            at=uow.clock.now(),
            actor=actor,
            reason=why,
            change=change,
            kind=found.kind.value,
        )
    )


def schedule(
    uow: UnitOfWork,
    *,
    tenant_id: str,
    scheduled_by: str,
    kind: DrillKind,
    url: str,
    every_seconds: int,
    live_url: str,
    allowed: Sequence[str] = (),
    first_run_at: datetime | None = None,
    params: Mapping[str, int] | None = None,
    actor: Actor = SYSTEM,
) -> DrillSchedule:
    """A new schedule: ``kind`` against ``url`` (never ``live_url``, see ``drill_guard``) every
    ``every_seconds``, first at ``first_run_at`` (now if not given)."""
    kept = staging_url(url, live_url=live_url, allowed=allowed)
    if kind is DrillKind.FAILOVER and target(kept).family != "postgresql":
        raise Invalid(
            "the failover drill needs PostgreSQL: SQLite has one server",
            code="failover_needs_postgres",
        )
    if not MIN_EVERY_SECONDS <= every_seconds <= MAX_EVERY_SECONDS:
        raise Invalid(
            f"every_seconds must be between {MIN_EVERY_SECONDS} and {MAX_EVERY_SECONDS}",
            code="drill_cadence_out_of_bounds",
        )
    now = uow.clock.now()
    row = {
        "id": new_id("drl"),
        "tenant_id": tenant_id,
        "kind": kind.value,
        "staging_url": kept,
        "params": drill_params(kind, params),
        "every_seconds": every_seconds,
        "next_run_at": max(first_run_at or now, now),
        "state": ScheduleState.ACTIVE.value,
        "scheduled_by": scheduled_by[:80],
        "created_at": now,
        "updated_at": now,
    }
    uow.conn.execute(insert(tables.drill_schedules).values(**row))
    made = DrillSchedule.of(row)
    _changed(uow, made, "scheduled", actor, f"{kind} drill every {every_seconds} s")
    return made


def get(uow: UnitOfWork, tenant_id: str, drill_id: str) -> DrillSchedule:
    """One of the tenant's schedules (deleted ones too: their runs still name them)."""
    row = tenant_owned(uow.conn, tables.drill_schedules, drill_id, tenant_id)
    if row is None:
        raise NotFound(f"no drill schedule {drill_id}", code="drill_not_found")
    return DrillSchedule.of(row)


def schedules_of(
    uow: UnitOfWork, tenant_id: str, *, limit: int, offset: int = 0
) -> list[DrillSchedule]:
    """The tenant's schedules that are not deleted, oldest first."""
    rows = uow.conn.execute(
        select(tables.drill_schedules)
        .where(_s.tenant_id == tenant_id, _s.state != ScheduleState.DELETED.value)
        .order_by(_s.created_at, _s.id)
        .limit(limit)
        .offset(offset)
    ).mappings()
    return [DrillSchedule.of(r) for r in rows]


def _live(uow: UnitOfWork, tenant_id: str, drill_id: str) -> DrillSchedule:
    found = get(uow, tenant_id, drill_id)
    if found.state is ScheduleState.DELETED:
        raise NotFound(f"drill schedule {drill_id} was deleted", code="drill_not_found")
    return found


def set_state(
    uow: UnitOfWork,
    tenant_id: str,
    drill_id: str,
    state: ScheduleState,
    *,
    actor: Actor = SYSTEM,
    why: str = "",
) -> DrillSchedule:
    """Pause, resume or delete. A resumed schedule keeps its grid: its next run is the first
    slot still ahead (a slot missed while paused is not made up)."""
    found = _live(uow, tenant_id, drill_id)
    if found.state is state:
        return found
    now = uow.clock.now()
    values: dict[str, object] = {"state": state.value, "updated_at": now}
    if state is ScheduleState.ACTIVE and found.next_run_at <= now:
        values["next_run_at"] = next_slot(found.next_run_at, found.every_seconds, now)
    uow.conn.execute(update(tables.drill_schedules).where(_s.id == found.id).values(**values))
    change = {"active": "resumed", "paused": "paused", "deleted": "deleted"}[state.value]
    _changed(uow, found, change, actor, why)
    return get(uow, tenant_id, drill_id)


def request_run(
    uow: UnitOfWork, tenant_id: str, drill_id: str, *, requested_by: str, actor: Actor = SYSTEM
) -> DrillRun:
    """Queue a run of the schedule's drill now (paused schedules too: the operator asked). One
    waiting run per schedule is enough: asking again while one waits is a 409."""
    found = _live(uow, tenant_id, drill_id)
    waiting = uow.conn.execute(
        select(_r.id).where(
            _r.schedule_id == found.id,
            _r.status.in_([RunStatus.QUEUED.value, RunStatus.RUNNING.value]),
        )
    ).first()
    if waiting is not None:
        raise Conflict(
            f"run {waiting.id} of this drill is still waiting or running",
            code="drill_run_pending",
        )
    row = {
        "id": new_id("dru"),
        "tenant_id": tenant_id,
        "schedule_id": found.id,
        "kind": found.kind.value,
        "trigger": "manual",
        "requested_by": requested_by[:80],
        "requested_at": uow.clock.now(),
        "status": RunStatus.QUEUED.value,
        "started_at": None,
        "finished_at": None,
        "runner": None,
        "figures": None,
        "detail": None,
    }
    uow.conn.execute(insert(tables.drill_runs).values(**row))
    _changed(uow, found, "run_requested", actor, "run now")
    return DrillRun.of(row)


def runs_of(
    uow: UnitOfWork,
    tenant_id: str,
    *,
    limit: int,
    offset: int = 0,
    drill_id: str | None = None,
    kind: DrillKind | None = None,
) -> list[DrillRun]:
    """The tenant's drill runs, newest first."""
    query = select(tables.drill_runs).where(_r.tenant_id == tenant_id)
    if drill_id is not None:
        query = query.where(_r.schedule_id == drill_id)
    if kind is not None:
        query = query.where(_r.kind == kind.value)
    rows = uow.conn.execute(
        query.order_by(_r.requested_at.desc(), _r.id.desc()).limit(limit).offset(offset)
    ).mappings()
    return [DrillRun.of(r) for r in rows]


def run_of(uow: UnitOfWork, tenant_id: str, run_id: str) -> DrillRun:
    row = (
        uow.conn.execute(
            select(tables.drill_runs).where(_r.id == run_id, _r.tenant_id == tenant_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no drill run {run_id}", code="drill_run_not_found")
    return DrillRun.of(row)


def last_finished(uow: UnitOfWork, tenant_id: str) -> DrillRun | None:
    """The tenant's most recently finished run, whatever its outcome (the console shows it)."""
    row = (
        uow.conn.execute(
            select(tables.drill_runs)
            .where(
                _r.tenant_id == tenant_id,
                _r.finished_at.is_not(None),
            )
            .order_by(_r.finished_at.desc(), _r.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return DrillRun.of(row) if row is not None else None

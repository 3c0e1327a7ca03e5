"""/v1/drills: operators schedule the crash, failover and overload drills against a staging
database, pause, resume or delete them, run one now, and read the history with its figures.

Operators only, and per tenant: a tenant's operators see and change their own tenant's
schedules and runs; another tenant's are "not found". A drill never runs against the live
database (``tiffin.resilience.drill_guard``); the runner is a deferrable background job
(``tiffin.drills.runner``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Request, status
from fastapi.responses import JSONResponse

from tiffin.api.deps import OperatorPrincipal, PlatformDep, UowFactoryDep
from tiffin.api.idempotency import fingerprint, run_idempotent
from tiffin.api.paging import PageDep
from tiffin.api.problems import error_responses
from tiffin.domain.priorities import Priority, priority
from tiffin.drills.schemas import DrillCreate, DrillRead, DrillRunRead
from tiffin.resilience import drill_schedule as service
from tiffin.resilience.drill_model import DrillKind, ScheduleState
from tiffin.store.uow import UnitOfWork

router = APIRouter(
    prefix="/v1/drills", tags=["drills"], responses=error_responses(400, 401, 403, 404, 422)
)

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="A key you choose; a retry with it never schedules or runs a drill twice.",
    ),
]
DrillId = Annotated[str, Path(max_length=40, description="A schedule's id (drl_...).")]
RunId = Annotated[str, Path(max_length=40, description="A run's id (dru_...).")]


def _who(principal: OperatorPrincipal) -> str:
    return f"operator:{principal.user_id}"


@priority(Priority.DEFERRABLE)
@router.get("")
def list_drills(
    open_uow: UowFactoryDep, principal: OperatorPrincipal, page: PageDep
) -> list[DrillRead]:
    """The tenant's drill schedules (not the deleted ones), oldest first."""
    with open_uow(read_only=True) as uow:
        found = service.schedules_of(uow, principal.tenant_id, limit=page.rows, offset=page.offset)
    return [DrillRead.of(s) for s in page.window(found)]


@priority(Priority.DEFERRABLE)
@router.post("", status_code=status.HTTP_201_CREATED, response_model=DrillRead)
def schedule_drill(
    body: DrillCreate,
    request: Request,
    platform: PlatformDep,
    principal: OperatorPrincipal,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    """Schedule a drill against a staging database every ``every_seconds``. The live database
    is refused (422 ``staging_url_is_live``), and so is a database not on the platform's list
    of staging databases when it keeps one (``staging_url_not_allowed``)."""
    settings = platform.settings

    def work(uow: UnitOfWork) -> DrillRead:
        made = service.schedule(
            uow,
            tenant_id=principal.tenant_id,
            scheduled_by=_who(principal),
            kind=body.kind,
            url=body.staging_url,
            every_seconds=body.every_seconds,
            live_url=settings.database_url,
            allowed=settings.drill_staging_urls,
            first_run_at=body.first_run_at,
            params=body.params(),
            actor=principal.actor,
        )
        return DrillRead.of(made)

    request_hash = fingerprint(request.url.path, body)
    return run_idempotent(platform, principal, idempotency_key, request_hash, work, status_code=201)


@priority(Priority.DEFERRABLE)
@router.get("/runs")
def history(
    open_uow: UowFactoryDep,
    principal: OperatorPrincipal,
    page: PageDep,
    kind: DrillKind | None = None,
) -> list[DrillRunRead]:
    """The tenant's drill runs, newest first, with each drill's figures (``kind`` filters)."""
    with open_uow(read_only=True) as uow:
        found = service.runs_of(
            uow, principal.tenant_id, limit=page.rows, offset=page.offset, kind=kind
        )
    return [DrillRunRead.of(r) for r in page.window(found)]


@priority(Priority.DEFERRABLE)
@router.get("/runs/{run_id}")
def get_run(open_uow: UowFactoryDep, principal: OperatorPrincipal, run_id: RunId) -> DrillRunRead:
    """One run of the tenant's drills."""
    with open_uow(read_only=True) as uow:
        return DrillRunRead.of(service.run_of(uow, principal.tenant_id, run_id))


@priority(Priority.DEFERRABLE)
@router.get("/{drill_id}")
def get_drill(
    open_uow: UowFactoryDep, principal: OperatorPrincipal, drill_id: DrillId
) -> DrillRead:
    """One of the tenant's drill schedules."""
    with open_uow(read_only=True) as uow:
        return DrillRead.of(service.get(uow, principal.tenant_id, drill_id))


@priority(Priority.DEFERRABLE)
@router.get("/{drill_id}/runs")
def list_runs(
    open_uow: UowFactoryDep, principal: OperatorPrincipal, page: PageDep, drill_id: DrillId
) -> list[DrillRunRead]:
    """One schedule's runs, newest first."""
    with open_uow(read_only=True) as uow:
        service.get(uow, principal.tenant_id, drill_id)  # 404 for another tenant's
        found = service.runs_of(
            uow, principal.tenant_id, limit=page.rows, offset=page.offset, drill_id=drill_id
        )
    return [DrillRunRead.of(r) for r in page.window(found)]


def _set_state(
    open_uow: UowFactoryDep, principal: OperatorPrincipal, drill_id: str, state: ScheduleState
) -> DrillRead:
    with open_uow() as uow:
        changed = service.set_state(
            uow, principal.tenant_id, drill_id, state, actor=principal.actor
        )
        uow.commit()
    return DrillRead.of(changed)


# Stopping drills is the operator's lever when the machine is busy: important, not deferrable.


@priority(Priority.IMPORTANT)
@router.post("/{drill_id}/pause")
def pause_drill(
    open_uow: UowFactoryDep, principal: OperatorPrincipal, drill_id: DrillId
) -> DrillRead:
    """Pause a schedule: it runs no more until resumed (a run already going finishes)."""
    return _set_state(open_uow, principal, drill_id, ScheduleState.PAUSED)


@priority(Priority.DEFERRABLE)
@router.post("/{drill_id}/resume")
def resume_drill(
    open_uow: UowFactoryDep, principal: OperatorPrincipal, drill_id: DrillId
) -> DrillRead:
    """Resume a paused schedule at its next slot still ahead (missed ones are not made up)."""
    return _set_state(open_uow, principal, drill_id, ScheduleState.ACTIVE)


@priority(Priority.IMPORTANT)
@router.delete("/{drill_id}")
def delete_drill(
    open_uow: UowFactoryDep, principal: OperatorPrincipal, drill_id: DrillId
) -> DrillRead:
    """Delete a schedule; its runs stay in the history."""
    return _set_state(open_uow, principal, drill_id, ScheduleState.DELETED)


@priority(Priority.DEFERRABLE)
@router.post(
    "/{drill_id}/runs",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DrillRunRead,
    responses=error_responses(409),
)
def run_drill_now(
    request: Request,
    platform: PlatformDep,
    principal: OperatorPrincipal,
    idempotency_key: IdempotencyKey,
    drill_id: DrillId,
) -> JSONResponse:
    """Run the schedule's drill as soon as the runner is free (202: it is queued; follow it at
    ``/v1/drills/runs/{run_id}``). 409 while a run of it waits or runs."""

    def work(uow: UnitOfWork) -> DrillRunRead:
        queued = service.request_run(
            uow,
            principal.tenant_id,
            drill_id,
            requested_by=_who(principal),
            actor=principal.actor,
        )
        return DrillRunRead.of(queued)

    request_hash = fingerprint(request.url.path, None)
    return run_idempotent(platform, principal, idempotency_key, request_hash, work, status_code=202)

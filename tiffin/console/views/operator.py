"""/console: the operator's pages (map and exception queue, incidents, care desk, dispatch,
a rider's timeline), their live regions and their forms."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tiffin.anomalies import service as anomalies
from tiffin.anomalies.schemas import ActionIn, CloseIn, NoteIn
from tiffin.api.deps import PlatformDep
from tiffin.care.call_list import mark_call_done
from tiffin.care.schemas import CallDoneIn
from tiffin.console import regions
from tiffin.console.views.base import page, redirect, require_operator, stream, submit, visitor_of
from tiffin.dispatch.schemas import WorkloadCapsChange
from tiffin.dispatch.workload_caps import set_caps
from tiffin.domain.principals import Principal, Role
from tiffin.errors import Forbidden, Invalid
from tiffin.incidents import service as incident_service
from tiffin.incidents.schemas import IncidentIn, UpdateIn
from tiffin.optimiser.caps import WorkloadCaps

router = APIRouter(include_in_schema=False)


@router.get("/console", response_class=HTMLResponse)
async def console(request: Request, platform: PlatformDep) -> Response:
    visitor, _ = await visitor_of(request, platform)
    if visitor.principal is not None and visitor.principal.role is not Role.OPERATOR:
        return redirect("/app")
    now = platform.clock.now
    return await page(
        request,
        platform,
        "Dispatch console",
        lambda uow, v: regions.operator(uow, v, now()),
        live="/console/live",
        body_class="wide",
    )


@router.get("/console/anomalies/{anomaly_id}", response_class=HTMLResponse)
async def anomaly_page(anomaly_id: str, request: Request, platform: PlatformDep) -> Response:
    return await page(
        request,
        platform,
        "Anomaly",
        lambda uow, v: regions.anomaly(uow, v, anomaly_id[:40]),
        live=f"/console/anomalies/{anomaly_id[:40]}/live",
    )


@router.get("/console/incidents", response_class=HTMLResponse)
async def incidents_page(request: Request, platform: PlatformDep) -> Response:
    return await page(
        request, platform, "Incidents", lambda uow, v: regions.incidents(uow, v), live=None
    )


@router.get("/console/incidents/{incident_id}", response_class=HTMLResponse)
async def incident_page(incident_id: str, request: Request, platform: PlatformDep) -> Response:
    return await page(
        request,
        platform,
        "Post-incident review",
        lambda uow, v: regions.incident_review(uow, v, incident_id[:40]),
        live=None,
    )


@router.get("/console/care", response_class=HTMLResponse)
async def care_page(request: Request, platform: PlatformDep) -> Response:
    now = platform.clock.now
    return await page(
        request,
        platform,
        "Care desk",
        lambda uow, v: regions.care_desk(uow, v, now()),
        live="/console/care/live",
        body_class="wide",
    )


@router.get("/console/dispatch", response_class=HTMLResponse)
async def dispatch_page(request: Request, platform: PlatformDep) -> Response:
    return await page(
        request, platform, "Forecast and caps", lambda uow, v: regions.dispatch(uow, v), live=None
    )


@router.get("/console/riders/{rider_id}", response_class=HTMLResponse)
async def rider_page(rider_id: str, request: Request, platform: PlatformDep) -> Response:
    now = platform.clock.now
    return await page(
        request,
        platform,
        "Rider",
        lambda uow, v: regions.rider_timeline(uow, v, rider_id[:40], now()),
        live=f"/console/riders/{rider_id[:40]}/live",
    )


# live regions (server-sent events)


@router.get("/console/live")
async def console_live(request: Request, platform: PlatformDep) -> Response:
    now = platform.clock.now
    return await stream(request, platform, lambda uow, v: regions.operator(uow, v, now()))


@router.get("/console/anomalies/{anomaly_id}/live")
async def anomaly_live(anomaly_id: str, request: Request, platform: PlatformDep) -> Response:
    return await stream(request, platform, lambda uow, v: regions.anomaly(uow, v, anomaly_id[:40]))


@router.get("/console/care/live")
async def care_live(request: Request, platform: PlatformDep) -> Response:
    now = platform.clock.now
    return await stream(request, platform, lambda uow, v: regions.care_desk(uow, v, now()))


@router.get("/console/riders/{rider_id}/live")
async def rider_live(rider_id: str, request: Request, platform: PlatformDep) -> Response:
    now = platform.clock.now
    return await stream(
        request, platform, lambda uow, v: regions.rider_timeline(uow, v, rider_id[:40], now())
    )


# operator: the exception queue


@router.post("/console/anomalies/{anomaly_id}/{step}")
async def anomaly_step(
    anomaly_id: str, step: str, request: Request, platform: PlatformDep
) -> Response:
    """Take, note, act on (a playbook step by hand) or close an anomaly of the queue."""
    if step not in ("take", "note", "act", "close"):
        raise Invalid("the step is take, note, act or close", code="unknown_step")
    anomaly_id = anomaly_id[:40]

    def work(principal: Principal, values: dict[str, str]) -> None:
        if principal.role is not Role.OPERATOR:
            raise Forbidden("only operators can do this", code="operator_only")
        with platform.uow() as uow:
            if step == "take":
                anomalies.take(uow, principal, anomaly_id)
            elif step == "note":
                text = NoteIn(text=values.get("text", "")).text
                anomalies.note(uow, principal, anomaly_id, text)
            elif step == "close":
                resolution = CloseIn(resolution=values.get("resolution", "")).resolution
                anomalies.close(uow, principal, anomaly_id, resolution)
            else:
                chosen = ActionIn.model_validate({"step": values.get("step", "")}).step
                anomalies.trigger(uow, platform.anomaly_engine, principal, anomaly_id, chosen)
            uow.commit()

    return await submit(request, platform, "/console", work)


# operator: incidents


@router.post("/console/incidents")
async def open_incident(request: Request, platform: PlatformDep) -> Response:
    """Open an incident on one component with its impact (the status page shows it)."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        require_operator(principal)
        body = IncidentIn.model_validate(
            {
                "title": values.get("title", ""),
                "components": {values.get("component", ""): values.get("impact", "")},
                "message": values.get("message", ""),
            }
        )
        with platform.uow() as uow:
            incident_service.open_incident(
                uow,
                tenant_id=principal.tenant_id,
                title=body.title,
                components={str(k): str(v) for k, v in body.components.items()},
                message=body.message,
                author=str(principal.actor),
                started_at=None,
            )
            uow.commit()

    return await submit(request, platform, "/console/incidents", work)


@router.post("/console/incidents/{incident_id}/update")
async def update_incident(incident_id: str, request: Request, platform: PlatformDep) -> Response:
    """A new state and message; 'resolved' resolves it and makes good, as in the API."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        require_operator(principal)
        body = UpdateIn.model_validate(
            {"state": values.get("state", ""), "message": values.get("message", "")}
        )
        with platform.uow() as uow:
            incident_service.post_update(
                uow,
                incident_id[:40],
                tenant_id=principal.tenant_id,
                state=body.state,
                message=body.message,
                author=str(principal.actor),
            )
            uow.commit()

    return await submit(request, platform, "/console/incidents", work)


@router.post("/console/care/calls/{call_id}/done")
async def call_done(call_id: str, request: Request, platform: PlatformDep) -> Response:
    """The customer was called: the call leaves the list with what came of it."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        require_operator(principal)
        outcome = CallDoneIn(outcome=values.get("outcome", "")).outcome
        with platform.uow() as uow:
            mark_call_done(
                uow,
                tenant_id=principal.tenant_id,
                call_id=call_id[:40],
                done_by=principal.user_id,
                outcome=outcome,
            )
            uow.commit()

    return await submit(request, platform, "/console/care", work)


@router.post("/console/dispatch/caps")
async def change_caps(request: Request, platform: PlatformDep) -> Response:
    """New workload caps with the reason (the dispatcher applies them from its next cycle)."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        require_operator(principal)
        fields = ("max_orders_per_hour", "max_continuous_minutes", "max_carried")
        raw: dict[str, Any] = {k: values.get(k, "") for k in fields}
        if not all(str(v).isdigit() for v in raw.values()):
            raise Invalid("the caps are whole numbers", code="bad_number")
        body = WorkloadCapsChange.model_validate(
            {**{k: int(v) for k, v in raw.items()}, "reason": values.get("reason", "")}
        )
        caps = WorkloadCaps(body.max_orders_per_hour, body.max_continuous_minutes, body.max_carried)
        with platform.uow() as uow:
            set_caps(uow, principal, caps, body.reason)
            uow.commit()

    return await submit(request, platform, "/console/dispatch", work)

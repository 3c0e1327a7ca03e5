"""/console/statements: draft a public statement from an incident or an anomaly wave, edit it
(a new version in zh-CN and en), publish a version; every version listed. Through the same
service as ``/v1/.../statements`` (``tiffin.comms.statements``), operators of the tenant only."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Query, Request
from fastapi import Path as FastPath
from fastapi.responses import HTMLResponse, Response

from tiffin.api.deps import PlatformDep
from tiffin.comms import statements
from tiffin.comms.schemas import AnomalyWaveIn, StatementEdit
from tiffin.console import statement_pages
from tiffin.console.views.base import (
    as_operator,
    page,
    redirect,
    require_operator,
    submit,
)
from tiffin.domain.principals import Principal
from tiffin.store.uow import UnitOfWork

router = APIRouter(include_in_schema=False)
DESK = "/console/statements"


@router.get(DESK, response_class=HTMLResponse)
async def desk(
    request: Request,
    platform: PlatformDep,
    min_anomalies: int = Query(default=statement_pages.WAVE_SIZE, ge=2, le=1000),
) -> Response:
    """Statements, incidents and anomaly waves (``min_anomalies``: a wave's least size)."""
    return await page(
        request,
        platform,
        "Statements",
        lambda uow, v: statement_pages.desk(uow, v, min_anomalies=min_anomalies),
        live=None,
    )


@router.get(DESK + "/{statement_id}", response_class=HTMLResponse)
async def one(statement_id: str, request: Request, platform: PlatformDep) -> Response:
    return await page(
        request,
        platform,
        "Statement",
        lambda uow, v: statement_pages.statement(uow, v, statement_id[:40]),
        live=None,
    )


async def _draft(
    request: Request,
    platform: PlatformDep,
    make: Callable[[UnitOfWork, Principal, dict[str, str]], str],
) -> Response:
    """Draft version 1 and open it (the new statement's page), or go back with the code."""
    statement_id = await as_operator(request, platform, DESK, make)
    if isinstance(statement_id, Response):
        return statement_id
    return redirect(f"{DESK}/{statement_id}")


@router.post(DESK + "/incident")
async def draft_from_incident(request: Request, platform: PlatformDep) -> Response:
    """Version 1 from the incident's facts (the tenant's incidents, or the platform's)."""

    def make(uow: UnitOfWork, principal: Principal, values: dict[str, str]) -> str:
        return statements.draft(
            uow,
            values.get("incident_id", "")[:40],
            tenant_id=principal.tenant_id,
            author=str(principal.actor),
        )

    return await _draft(request, platform, make)


@router.post(DESK + "/wave")
async def draft_from_wave(request: Request, platform: PlatformDep) -> Response:
    """Version 1 from an anomaly wave's facts (the wave as the desk listed it)."""

    def make(uow: UnitOfWork, principal: Principal, values: dict[str, str]) -> str:
        fields = ("type", "dimension", "key", "since", "until")
        body = AnomalyWaveIn.model_validate({k: values.get(k, "") for k in fields}, strict=False)
        return statements.draft_from_wave(
            uow, body.definition(), tenant_id=principal.tenant_id, author=str(principal.actor)
        )

    return await _draft(request, platform, make)


@router.post(DESK + "/{statement_id}/versions")
async def edit(statement_id: str, request: Request, platform: PlatformDep) -> Response:
    """The operator's words as a new version; nothing published changes."""
    statement_id = statement_id[:40]

    def work(principal: Principal, values: dict[str, str]) -> None:
        require_operator(principal)
        body = StatementEdit.model_validate(
            {
                lang: {
                    "title": values.get(f"title_{lang}", ""),
                    "body": values.get(f"body_{lang}", ""),
                }
                for lang in ("zh-CN", "en")
            }
        )
        with platform.uow() as uow:
            statements.edit(
                uow,
                statement_id,
                tenant_id=principal.tenant_id,
                texts=body.texts(),
                author=str(principal.actor),
            )
            uow.commit()

    return await submit(request, platform, f"{DESK}/{statement_id}", work)


@router.post(DESK + "/{statement_id}/versions/{version}/publish")
async def publish(
    statement_id: str,
    request: Request,
    platform: PlatformDep,
    version: int = FastPath(ge=1, le=100_000),
) -> Response:
    """To the status page, subscribers and affected customers' inboxes (once per version)."""
    statement_id = statement_id[:40]

    def work(principal: Principal, values: dict[str, str]) -> None:
        require_operator(principal)
        with platform.uow() as uow:
            statements.publish(
                uow,
                statement_id,
                version,
                tenant_id=principal.tenant_id,
                author=str(principal.actor),
            )
            uow.commit()

    return await submit(request, platform, f"{DESK}/{statement_id}", work)

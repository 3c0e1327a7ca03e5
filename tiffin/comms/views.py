"""/v1/incidents/{id}/statements and /v1/statements (operators): draft, edit, publish;
/v1/sentiment/waves (operators): spikes of negative feedback; /v1/anomalies/{id}/changes
(operators): close the loop with the customer who complained."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, status

from tiffin.api.deps import OperatorPrincipal, PlatformDep
from tiffin.api.problems import error_responses
from tiffin.comms import loop, statements, watch
from tiffin.comms.schemas import (
    ChangeIn,
    ChangeRead,
    PublishedRead,
    StatementEdit,
    StatementRead,
    WavePage,
    WaveRead,
)
from tiffin.domain.priorities import Priority, priority

router = APIRouter(
    prefix="/v1", tags=["comms"], responses=error_responses(400, 401, 403, 404, 409, 422)
)


def _read(row: dict[str, Any]) -> StatementRead:
    return StatementRead.model_validate(row)


@priority(Priority.IMPORTANT)
@router.post("/incidents/{incident_id}/statements", status_code=status.HTTP_201_CREATED)
def draft_statement(
    incident_id: str, platform: PlatformDep, principal: OperatorPrincipal
) -> StatementRead:
    """Draft a public statement (zh-CN and en) from the incident's facts: version 1."""
    with platform.uow() as uow:
        statement_id = statements.draft(
            uow, incident_id, tenant_id=principal.tenant_id, author=str(principal.actor)
        )
        row = statements.read(uow, statement_id, tenant_id=principal.tenant_id)
        uow.commit()
    return _read(row)


@priority(Priority.IMPORTANT)
@router.get("/statements/{statement_id}")
def get_statement(
    statement_id: str, platform: PlatformDep, principal: OperatorPrincipal
) -> StatementRead:
    """The statement with every version, newest first (at most as many as were written)."""
    with platform.uow(read_only=True) as uow:
        return _read(statements.read(uow, statement_id, tenant_id=principal.tenant_id))


@priority(Priority.IMPORTANT)
@router.post("/statements/{statement_id}/versions", status_code=status.HTTP_201_CREATED)
def edit_statement(
    statement_id: str, body: StatementEdit, platform: PlatformDep, principal: OperatorPrincipal
) -> StatementRead:
    """The operator's words as a new version (nothing published changes)."""
    with platform.uow() as uow:
        statements.edit(
            uow,
            statement_id,
            tenant_id=principal.tenant_id,
            texts=body.texts(),
            author=str(principal.actor),
        )
        row = statements.read(uow, statement_id, tenant_id=principal.tenant_id)
        uow.commit()
    return _read(row)


@priority(Priority.IMPORTANT)
@router.post("/statements/{statement_id}/versions/{version}/publish")
def publish_statement(
    statement_id: str, version: int, platform: PlatformDep, principal: OperatorPrincipal
) -> PublishedRead:
    """Status page, subscribers' lanes (email, webhook), and affected customers' inboxes."""
    with platform.uow() as uow:
        inboxes = statements.publish(
            uow,
            statement_id,
            version,
            tenant_id=principal.tenant_id,
            author=str(principal.actor),
        )
        uow.commit()
    return PublishedRead(statement_id=statement_id, version=version, inboxes=inboxes)


@priority(Priority.DEFERRABLE, feature="reports")
@router.get("/sentiment/waves")
def sentiment_waves(
    platform: PlatformDep,
    principal: OperatorPrincipal,
    limit: int = Query(default=50, ge=1, le=100),
    offset: int = Query(default=0, ge=0, le=100_000),
) -> WavePage:
    """Spikes of negative feedback per zone, merchant and topic, newest first."""
    with platform.uow(read_only=True) as uow:
        rows, after = watch.waves(uow, str(principal.tenant_id), limit=limit, offset=offset)
    return WavePage(items=[WaveRead(**r) for r in rows], next_offset=after)


@priority(Priority.IMPORTANT)
@router.post("/anomalies/{anomaly_id}/changes", status_code=status.HTTP_201_CREATED)
def close_the_loop(
    anomaly_id: str, body: ChangeIn, platform: PlatformDep, principal: OperatorPrincipal
) -> ChangeRead:
    """Record what a complaint changed; the customer is told once per change."""
    with platform.uow() as uow:
        closure_id, told = loop.close_loop(
            uow, principal, anomaly_id, change=body.change, detail=body.detail
        )
        uow.commit()
    return ChangeRead(id=closure_id, anomaly_id=anomaly_id, change=body.change, told=told)

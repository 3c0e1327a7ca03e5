"""/v1/incidents/{id}/statements, /v1/anomaly-waves and /v1/statements (operators): find waves,
draft, edit, publish; /v1/sentiment/waves and /v1/sentiment/policy (operators): spikes of
negative feedback and what makes one; /v1/anomalies/{id}/changes (operators): close the loop
with the customer who complained."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Query, status

from tiffin.api.deps import OperatorPrincipal, PlatformDep, UowFactoryDep
from tiffin.api.paging import PageDep
from tiffin.api.problems import error_responses
from tiffin.comms import loop, statements, watch, watch_rules, wave_statements
from tiffin.comms.policy import WatchPolicy
from tiffin.comms.schemas import (
    AnomalyWaveIn,
    AnomalyWaveRead,
    ChangeIn,
    ChangeRead,
    PublishedRead,
    StatementEdit,
    StatementRead,
    WavePage,
    WaveRead,
)
from tiffin.comms.waves import WaveRules
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
@router.get("/anomaly-waves")
def anomaly_waves(
    open_uow: UowFactoryDep,
    principal: OperatorPrincipal,
    page: PageDep,
    hours: int = Query(default=24, ge=1, le=168, description="how far back to look"),
    min_anomalies: int = Query(default=5, ge=2, le=1000, description="a wave's least size"),
    gap_minutes: int = Query(default=15, ge=1, le=240, description="most time between two"),
) -> list[AnomalyWaveRead]:
    """Waves of anomalies in your tenant: one type, across the tenant, in one zone or at one
    merchant, each detected within the gap of the one before; newest first."""
    rules = WaveRules(min_anomalies=min_anomalies, gap=timedelta(minutes=gap_minutes))
    with open_uow(read_only=True) as uow:
        found = wave_statements.detect(uow, principal.tenant_id, hours=hours, rules=rules)
    return [AnomalyWaveRead.model_validate(w, from_attributes=True) for w in page.of(found)]


@priority(Priority.IMPORTANT)
@router.post("/anomaly-waves/statements", status_code=status.HTTP_201_CREATED)
def draft_wave_statement(
    body: AnomalyWaveIn, open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> StatementRead:
    """Draft a public statement (zh-CN and en) from an anomaly wave's facts: version 1. Edit and
    publish it like an incident's."""
    with open_uow() as uow:
        statement_id = statements.draft_from_wave(
            uow, body.definition(), tenant_id=principal.tenant_id, author=str(principal.actor)
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


@priority(Priority.DEFERRABLE, feature="reports")
@router.get("/sentiment/policy")
def get_sentiment_policy(open_uow: UowFactoryDep, principal: OperatorPrincipal) -> WatchPolicy:
    """Your tenant's spike thresholds in force: the window, the default, one per dimension and
    one per named zone, merchant or topic (the defaults until a policy is saved)."""
    with open_uow(read_only=True) as uow:
        return watch_rules.policy_for(uow, principal.tenant_id)


@priority(Priority.IMPORTANT)
@router.put("/sentiment/policy", responses=error_responses(400))
def put_sentiment_policy(
    document: dict[str, Any], open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> WatchPolicy:
    """Save your tenant's next spike thresholds (the version must go up); refused with every
    problem named, including zones and merchants your tenant does not have."""
    with open_uow() as uow:
        saved = watch_rules.save_policy(uow, principal, document)
        uow.commit()
    return saved

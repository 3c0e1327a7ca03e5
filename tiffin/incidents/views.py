"""/v1/incidents (operators), the public status page (/status, /status.json) and its
subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Query, status
from fastapi.responses import HTMLResponse, PlainTextResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from tiffin.accounts.model import Role
from tiffin.api.common import Instant, Strict
from tiffin.api.deps import CurrentPrincipal, OperatorPrincipal, PlatformDep
from tiffin.api.paging import PageDep
from tiffin.api.problems import error_responses
from tiffin.errors import NotFound
from tiffin.incidents import confirmation, service
from tiffin.incidents.model import State
from tiffin.incidents.status import review_markdown, status_html
from tiffin.incidents.status import status as status_page
from tiffin.platform import Platform
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

router = APIRouter(
    prefix="/v1", tags=["incidents"], responses=error_responses(400, 401, 403, 404, 409, 422)
)
public = APIRouter(tags=["status"], responses=error_responses(404, 422))

ImpactName = Literal["none", "minor", "major", "critical"]
ComponentName = Literal["ordering", "dispatch", "notifications", "payments"]


class IncidentIn(Strict):
    title: str = Field(min_length=1, max_length=200, pattern=r"\S")
    components: dict[ComponentName, ImpactName] = Field(min_length=1)
    message: str = Field(min_length=1, max_length=4000, pattern=r"\S")
    started_at: Instant | None = Field(
        default=None, description="when the trouble began, if before now (for make-good)"
    )


class UpdateIn(Strict):
    state: State
    message: str = Field(min_length=1, max_length=4000, pattern=r"\S")
    components: dict[ComponentName, ImpactName] | None = None
    internal: bool = Field(default=False, description="an operator note, not on the status page")


class IncidentRead(BaseModel):
    id: str
    tenant_id: str | None
    title: str
    state: str
    components: dict[str, str]
    source: str
    started_at: datetime
    opened_at: datetime
    resolved_at: datetime | None
    opened_by: str
    made_good_at: datetime | None
    made_good_orders: int
    made_good_cents: int
    confirmed: bool = Field(
        default=False,
        description="an operator of your tenant confirmed it: resolving it makes good for you",
    )


class SubscriptionIn(Strict):
    component: ComponentName
    channel: Literal["inbox", "email", "webhook"]
    address: str | None = Field(default=None, max_length=500)


@router.post("/incidents", status_code=status.HTTP_201_CREATED)
def open_incident(
    body: IncidentIn, platform: PlatformDep, principal: OperatorPrincipal
) -> IncidentRead:
    with platform.uow() as uow:
        incident_id = service.open_incident(
            uow,
            tenant_id=principal.tenant_id,
            title=body.title,
            components={str(k): str(v) for k, v in body.components.items()},
            message=body.message,
            author=str(principal.actor),
            started_at=body.started_at,
        )
        row = _read(uow, incident_id, principal.tenant_id)
        uow.commit()
    return row


def _read(uow: UnitOfWork, incident_id: str, tenant_id: str) -> IncidentRead:
    row = service.get(uow, incident_id, tenant_id=tenant_id)
    return IncidentRead(**row, confirmed=confirmation.is_confirmed(uow, incident_id, tenant_id))


@router.get("/incidents")
def list_incidents(
    platform: PlatformDep,
    principal: OperatorPrincipal,
    page: PageDep,
    state: State | None = None,
) -> list[IncidentRead]:
    i = tables.incidents.c
    query = (
        select(tables.incidents)
        .where((i.tenant_id.is_(None)) | (i.tenant_id == principal.tenant_id))
        .order_by(i.opened_at.desc(), i.id)
        .limit(page.rows)
        .offset(page.offset)
    )
    if state is not None:
        query = query.where(i.state == state.value)
    with platform.uow(read_only=True) as uow:
        rows = page.window(list(uow.conn.execute(query).mappings()))
        confirmed = _confirmed_here(uow, [r["id"] for r in rows], principal.tenant_id)
    return [IncidentRead(**r, confirmed=r["id"] in confirmed) for r in rows]


def _confirmed_here(uow: UnitOfWork, incident_ids: list[str], tenant_id: str) -> set[str]:
    c = tables.incident_confirmations.c
    query = select(c.incident_id).where(c.tenant_id == tenant_id, c.incident_id.in_(incident_ids))
    return {str(r) for r in uow.conn.execute(query).scalars()}


@router.get("/incidents/{incident_id}")
def get_incident(
    incident_id: str, platform: PlatformDep, principal: OperatorPrincipal
) -> IncidentRead:
    with platform.uow(read_only=True) as uow:
        return _read(uow, incident_id, principal.tenant_id)


@router.post("/incidents/{incident_id}/updates", status_code=status.HTTP_201_CREATED)
def post_update(
    incident_id: str, body: UpdateIn, platform: PlatformDep, principal: OperatorPrincipal
) -> IncidentRead:
    """A new state and message (subscribers are told); ``resolved`` makes good automatically."""
    with platform.uow() as uow:
        service.post_update(
            uow,
            incident_id,
            tenant_id=principal.tenant_id,
            state=body.state,
            message=body.message,
            author=str(principal.actor),
            components={str(k): str(v) for k, v in body.components.items()}
            if body.components
            else None,
            internal=body.internal,
        )
        row = _read(uow, incident_id, principal.tenant_id)
        uow.commit()
    return row


@router.post("/incidents/{incident_id}/confirm")
def confirm_incident(
    incident_id: str, platform: PlatformDep, principal: OperatorPrincipal
) -> IncidentRead:
    """Vouch that an incident (one a health signal opened) really hurt your tenant's customers:
    its make-good then covers them, at once if it is already resolved."""
    with platform.uow() as uow:
        row = service.get(uow, incident_id, tenant_id=principal.tenant_id)
        new = confirmation.confirm(
            uow, incident_id, tenant_id=principal.tenant_id, by=str(principal.actor)
        )
        if new and row["state"] == State.RESOLVED.value:
            service.make_good(uow, incident_id)
        read = _read(uow, incident_id, principal.tenant_id)
        uow.commit()
    return read


@router.get("/incidents/{incident_id}/review", response_class=PlainTextResponse)
def review(incident_id: str, platform: PlatformDep, principal: OperatorPrincipal) -> str:
    """The post-incident review as Markdown: timeline and make-good totals."""
    with platform.uow(read_only=True) as uow:
        return review_markdown(uow, service.get(uow, incident_id, tenant_id=principal.tenant_id))


@router.post("/status/subscriptions", status_code=status.HTTP_201_CREATED)
def subscribe(
    body: SubscriptionIn, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, str]:
    """Hear of every update on a component: in the app (customers), by email or by webhook."""
    customer_id = principal.subject_id if principal.role is Role.CUSTOMER else None
    with platform.uow() as uow:
        sub_id = service.subscribe(
            uow,
            tenant_id=principal.tenant_id,
            component=body.component,
            channel=body.channel,
            address=body.address,
            customer_id=customer_id,
        )
        uow.commit()
    return {"id": sub_id}


def _tenant_id(platform: Platform, slug: str | None) -> str | None:
    if slug is None:
        return None
    t = tables.tenants.c
    with platform.uow(read_only=True) as uow:
        found = uow.conn.execute(select(t.id).where(t.slug == slug)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no tenant {slug!r}", resource="tenant")
    return str(found)


TenantSlug = Query(default=None, max_length=60, description="include this tenant's incidents")


@public.get("/status.json")
def status_json(platform: PlatformDep, tenant: str | None = TenantSlug) -> dict[str, Any]:
    """Public: each component now, open incidents with updates, 90 days of history."""
    tenant_id = _tenant_id(platform, tenant)
    with platform.uow(read_only=True) as uow:
        return status_page(uow, tenant_id, platform.clock.now())


@public.get("/status", response_class=HTMLResponse)
def status_html_page(platform: PlatformDep, tenant: str | None = TenantSlug) -> str:
    tenant_id = _tenant_id(platform, tenant)
    with platform.uow(read_only=True) as uow:
        return status_html(status_page(uow, tenant_id, platform.clock.now()))

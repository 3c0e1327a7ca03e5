"""/v1/incidents (operators), the public status page (/status, /status.json) and its
subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from fastapi.responses import HTMLResponse, PlainTextResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from tiffin.accounts.model import Role
from tiffin.api.common import Instant, Lax, Strict
from tiffin.api.deps import CurrentPrincipal, OperatorPrincipal, PlatformDep
from tiffin.api.problems import error_responses
from tiffin.errors import NotFound
from tiffin.incidents import service
from tiffin.incidents.model import State
from tiffin.incidents.status import review_markdown, status_html
from tiffin.incidents.status import status as status_page
from tiffin.platform import Platform
from tiffin.store import tables

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
    state: Annotated[State, Lax]
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
        row = service.get(uow, incident_id, tenant_id=principal.tenant_id)
        uow.commit()
    return IncidentRead(**row)


@router.get("/incidents")
def list_incidents(
    platform: PlatformDep,
    principal: OperatorPrincipal,
    state: State | None = None,
) -> list[IncidentRead]:
    i = tables.incidents.c
    query = (
        select(tables.incidents)
        .where((i.tenant_id.is_(None)) | (i.tenant_id == principal.tenant_id))
        .order_by(i.opened_at.desc())
        .limit(200)
    )
    if state is not None:
        query = query.where(i.state == state.value)
    with platform.uow(read_only=True) as uow:
        return [IncidentRead(**r) for r in uow.conn.execute(query).mappings()]


@router.get("/incidents/{incident_id}")
def get_incident(
    incident_id: str, platform: PlatformDep, principal: OperatorPrincipal
) -> IncidentRead:
    with platform.uow(read_only=True) as uow:
        return IncidentRead(**service.get(uow, incident_id, tenant_id=principal.tenant_id))


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
        row = service.get(uow, incident_id, tenant_id=principal.tenant_id)
        uow.commit()
    return IncidentRead(**row)


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

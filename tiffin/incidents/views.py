"""/v1/incidents (operators), the public status page (/status, /status.json) and its
subscriptions."""

from __future__ import annotations

from fastapi import APIRouter, Query, status
from fastapi.responses import HTMLResponse, PlainTextResponse

from tiffin.api.deps import (
    CurrentPrincipal,
    OperatorPrincipal,
    PlatformDep,
    UowFactoryDep,
)
from tiffin.api.paging import PageDep
from tiffin.api.problems import error_responses
from tiffin.domain.principals import Role
from tiffin.domain.priorities import Priority, priority
from tiffin.errors import NotFound
from tiffin.incidents import confirmation, queries, service, subscribers, subscriptions
from tiffin.incidents.make_good import make_good
from tiffin.incidents.model import State
from tiffin.incidents.schemas import (
    IncidentIn,
    IncidentRead,
    StatusRead,
    SubscriptionIn,
    SubscriptionRead,
    UpdateIn,
)
from tiffin.incidents.status import review_markdown, status_html
from tiffin.incidents.status import status as status_page
from tiffin.store.uow import UnitOfWork, UnitOfWorkFactory

router = APIRouter(
    prefix="/v1", tags=["incidents"], responses=error_responses(400, 401, 403, 404, 409, 422)
)
public = APIRouter(tags=["status"], responses=error_responses(404, 422))


@priority(Priority.IMPORTANT)
@router.post("/incidents", status_code=status.HTTP_201_CREATED)
def open_incident(
    body: IncidentIn, open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> IncidentRead:
    """An operator opens an incident (an outage or a degradation) on named components."""
    with open_uow() as uow:
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


@priority(Priority.IMPORTANT)
@router.get("/incidents")
def list_incidents(
    open_uow: UowFactoryDep,
    principal: OperatorPrincipal,
    page: PageDep,
    state: State | None = None,
) -> list[IncidentRead]:
    """The tenant's incidents, newest first, optionally by state."""
    with open_uow(read_only=True) as uow:
        found = page.window(
            queries.incidents_seen_by(
                uow, principal.tenant_id, state=state, limit=page.rows, offset=page.offset
            )
        )
        confirmed = confirmation.confirmed_among(uow, [r["id"] for r in found], principal.tenant_id)
    return [IncidentRead(**r, confirmed=r["id"] in confirmed) for r in found]


@priority(Priority.IMPORTANT)
@router.get("/incidents/{incident_id}")
def get_incident(
    incident_id: str, open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> IncidentRead:
    """One incident with its updates and whether it is confirmed."""
    with open_uow(read_only=True) as uow:
        return _read(uow, incident_id, principal.tenant_id)


@priority(Priority.IMPORTANT)
@router.post("/incidents/{incident_id}/updates", status_code=status.HTTP_201_CREATED)
def post_update(
    incident_id: str, body: UpdateIn, open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> IncidentRead:
    """A new state and message (subscribers are told); ``resolved`` makes good automatically."""
    with open_uow() as uow:
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


@priority(Priority.IMPORTANT)
@router.post("/incidents/{incident_id}/confirm")
def confirm_incident(
    incident_id: str, open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> IncidentRead:
    """Vouch that an incident (one a health signal opened) really hurt your tenant's customers:
    its make-good then covers them, at once if it is already resolved."""
    with open_uow() as uow:
        row = service.get(uow, incident_id, tenant_id=principal.tenant_id)
        new = confirmation.confirm(
            uow, incident_id, tenant_id=principal.tenant_id, by=str(principal.actor)
        )
        if new and row["state"] == State.RESOLVED.value:
            make_good(uow, incident_id)
        read = _read(uow, incident_id, principal.tenant_id)
        uow.commit()
    return read


@priority(Priority.DEFERRABLE, feature="reports")
@router.get("/incidents/{incident_id}/review", response_class=PlainTextResponse)
def review(incident_id: str, open_uow: UowFactoryDep, principal: OperatorPrincipal) -> str:
    """The post-incident review as Markdown: timeline and make-good totals."""
    with open_uow(read_only=True) as uow:
        return review_markdown(uow, service.get(uow, incident_id, tenant_id=principal.tenant_id))


@priority(Priority.DEFERRABLE, feature="subscriptions")
@router.post("/status/subscriptions", status_code=status.HTTP_201_CREATED)
def subscribe(
    body: SubscriptionIn, platform: PlatformDep, principal: CurrentPrincipal
) -> SubscriptionRead:
    """Hear of every update on a component: in the app (customers), by email or by webhook
    (public http(s) URLs only; a few subscriptions per person: docs/security.md)."""
    customer_id = principal.subject_id if principal.role is Role.CUSTOMER else None
    if body.channel == "webhook" and body.address:  # resolved here, outside any transaction
        platform.outbound.check(body.address, tenant=principal.tenant_id)
    with platform.uow() as uow:
        sub_id = subscribers.subscribe(
            uow,
            tenant_id=principal.tenant_id,
            component=body.component,
            channel=body.channel,
            address=body.address,
            customer_id=customer_id,
        )
        subscriptions.own(
            uow,
            subscription_id=sub_id,
            user_id=principal.user_id,
            cap=platform.settings.max_subscriptions_per_person,
        )
        uow.commit()
    return SubscriptionRead(id=sub_id)


def _tenant_id(open_uow: UnitOfWorkFactory, slug: str | None) -> str | None:
    if slug is None:
        return None
    with open_uow(read_only=True) as uow:
        found = queries.tenant_id_of_slug(uow, slug)
    if found is None:
        raise NotFound(f"no tenant {slug!r}", resource="tenant")
    return found


TenantSlug = Query(default=None, max_length=60, description="include this tenant's incidents")


@priority(Priority.IMPORTANT)
@public.get("/status.json")
def status_json(platform: PlatformDep, tenant: str | None = TenantSlug) -> StatusRead:
    """Public: each component now, open incidents with updates, 90 days of history, and the
    deferrable features switched off."""
    tenant_id = _tenant_id(platform.uow, tenant)
    with platform.uow(read_only=True) as uow:
        page = status_page(uow, tenant_id, platform.clock.now())
    return StatusRead.model_validate(page | {"features_off": _features_off(platform, tenant_id)})


@priority(Priority.IMPORTANT)
@public.get("/status", response_class=HTMLResponse)
def status_html_page(platform: PlatformDep, tenant: str | None = TenantSlug) -> str:
    """The public status page as HTML, for people (status.json is the same for machines)."""
    tenant_id = _tenant_id(platform.uow, tenant)
    with platform.uow(read_only=True) as uow:
        page = status_page(uow, tenant_id, platform.clock.now())
    return status_html(page | {"features_off": _features_off(platform, tenant_id)})


def _features_off(platform: PlatformDep, tenant_id: str | None) -> list[str]:
    """Deferrable features switched off now (docs/core-first.md: degraded modes)."""
    return sorted({str(s["feature"]) for s in platform.degraded.snapshot(tenant_id)})

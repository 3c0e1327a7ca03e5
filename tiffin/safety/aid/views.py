"""/v1/riders/me/insurance-claims and /support-requests: a rider files and follows their own;
/v1/safety/claims and /support-requests: the tenant's operators take them through their steps;
/v1/safety/roster: who is on call, kept by operators (and by merchants for their kitchen)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, status
from fastapi.responses import JSONResponse

from tiffin.api.deps import CurrentPrincipal, OperatorPrincipal, PlatformDep
from tiffin.api.idempotency import fingerprint, run_idempotent
from tiffin.api.paging import PageDep
from tiffin.api.problems import error_responses
from tiffin.domain.priorities import Priority, priority
from tiffin.errors import Invalid
from tiffin.safety.aid import claims, roster, support
from tiffin.safety.aid.model import ClaimStatus, SupportStatus
from tiffin.safety.aid.schemas import (
    AssignIn,
    ClaimCreate,
    ClaimRead,
    ClaimStepIn,
    CloseIn,
    RosterCreate,
    RosterRead,
    SupportCreate,
    SupportRead,
)
from tiffin.safety.health import own_rider_id
from tiffin.store.uow import UnitOfWork

router = APIRouter(
    prefix="/v1", tags=["safety"], responses=error_responses(400, 401, 403, 404, 409, 422)
)

# An instant in a query: ISO 8601 with its offset (a bare number is not a time).
Moment = Annotated[
    str | None,
    Query(
        max_length=40,
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$",
        description="e.g. 2026-12-01T18:00:00+08:00",
    ),
]
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="A key you choose per claim; a retry with it never files a second one.",
    ),
]


@priority(Priority.IMPORTANT)
@router.post(
    "/riders/me/insurance-claims",
    status_code=status.HTTP_201_CREATED,
    response_model=ClaimRead,
)
def file_claim(
    body: ClaimCreate,
    request: Request,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    """A rider files an insurance claim against the policy that covered them when it happened
    (409 ``no_valid_policy`` without one)."""

    def work(uow: UnitOfWork) -> ClaimRead:
        claim = claims.file_claim(
            uow,
            principal,
            kind=body.kind,
            incident_at=body.incident_at,
            description=body.description,
            claimed_cents=body.claimed_cents,
        )
        return ClaimRead.of(claim)

    request_hash = fingerprint(request.url.path, body)
    return run_idempotent(platform, principal, idempotency_key, request_hash, work, status_code=201)


@priority(Priority.IMPORTANT)
@router.get("/riders/me/insurance-claims")
def my_claims(platform: PlatformDep, principal: CurrentPrincipal, page: PageDep) -> list[ClaimRead]:
    """The calling rider's own claims, newest first, with every step."""
    with platform.uow(read_only=True) as uow:
        rider_id = own_rider_id(uow, principal)
        found = claims.claims(
            uow, principal.tenant_id, rider_id=rider_id, limit=page.rows, offset=page.offset
        )
    return [ClaimRead.of(c) for c in page.window(found)]


@priority(Priority.IMPORTANT)
@router.get("/riders/me/insurance-claims/{claim_id}")
def my_claim(claim_id: str, platform: PlatformDep, principal: CurrentPrincipal) -> ClaimRead:
    """One of the calling rider's claims (anyone else's is not found)."""
    with platform.uow(read_only=True) as uow:
        return ClaimRead.of(claims.rider_claim(uow, principal, claim_id))


@priority(Priority.IMPORTANT)
@router.get("/safety/claims")
def tenant_claims(
    platform: PlatformDep,
    principal: OperatorPrincipal,
    page: PageDep,
    status: ClaimStatus | None = None,
) -> list[ClaimRead]:
    """The tenant's insurance claims, newest first (optionally in one status)."""
    with platform.uow(read_only=True) as uow:
        found = claims.claims(
            uow, principal.tenant_id, status=status, limit=page.rows, offset=page.offset
        )
    return [ClaimRead.of(c) for c in page.window(found)]


@priority(Priority.IMPORTANT)
@router.get("/safety/claims/{claim_id}")
def tenant_claim(claim_id: str, platform: PlatformDep, principal: OperatorPrincipal) -> ClaimRead:
    """One claim of the tenant, with every step (who, when, note)."""
    with platform.uow(read_only=True) as uow:
        return ClaimRead.of(claims.tenant_claim(uow, principal, claim_id))


@priority(Priority.IMPORTANT)
@router.post("/safety/claims/{claim_id}/steps")
def advance_claim(
    claim_id: str, body: ClaimStepIn, platform: PlatformDep, principal: OperatorPrincipal
) -> ClaimRead:
    """Take a claim's next step: in_review, then approved or rejected (say why), then paid
    (with the amount, at most the claim)."""
    with platform.uow() as uow:
        claim = claims.advance_claim(
            uow, principal, claim_id, to=body.status, note=body.note, paid_cents=body.paid_cents
        )
        uow.commit()
    return ClaimRead.of(claim)


@priority(Priority.CORE)
@router.post("/riders/me/support-requests", status_code=status.HTTP_201_CREATED)
def request_support(
    body: SupportCreate, platform: PlatformDep, principal: CurrentPrincipal
) -> SupportRead:
    """A rider asks for counselling or other support; urgent requests head the operators'
    list. Never shed under load."""
    with platform.uow() as uow:
        found = support.request_support(
            uow, principal, kind=body.kind, urgent=body.urgent, description=body.description
        )
        uow.commit()
    return SupportRead.of(found)


@priority(Priority.IMPORTANT)
@router.get("/riders/me/support-requests")
def my_requests(
    platform: PlatformDep, principal: CurrentPrincipal, page: PageDep
) -> list[SupportRead]:
    """The calling rider's own support requests."""
    with platform.uow(read_only=True) as uow:
        rider_id = own_rider_id(uow, principal)
        found = support.requests(
            uow, principal.tenant_id, rider_id=rider_id, limit=page.rows, offset=page.offset
        )
    return [SupportRead.of(r) for r in page.window(found)]


@priority(Priority.IMPORTANT)
@router.get("/riders/me/support-requests/{request_id}")
def my_request(request_id: str, platform: PlatformDep, principal: CurrentPrincipal) -> SupportRead:
    """One of the calling rider's support requests (anyone else's is not found)."""
    with platform.uow(read_only=True) as uow:
        return SupportRead.of(support.rider_request(uow, principal, request_id))


@priority(Priority.IMPORTANT)
@router.get("/safety/support-requests")
def tenant_requests(
    platform: PlatformDep,
    principal: OperatorPrincipal,
    page: PageDep,
    status: SupportStatus | None = None,
) -> list[SupportRead]:
    """The tenant's support requests, urgent first, then newest."""
    with platform.uow(read_only=True) as uow:
        found = support.requests(
            uow, principal.tenant_id, status=status, limit=page.rows, offset=page.offset
        )
    return [SupportRead.of(r) for r in page.window(found)]


@priority(Priority.IMPORTANT)
@router.get("/safety/support-requests/{request_id}")
def tenant_request(
    request_id: str, platform: PlatformDep, principal: OperatorPrincipal
) -> SupportRead:
    """One support request of the tenant, with every step."""
    with platform.uow(read_only=True) as uow:
        return SupportRead.of(support.tenant_request(uow, principal, request_id))


@priority(Priority.IMPORTANT)
@router.post("/safety/support-requests/{request_id}/assign")
def assign_request(
    request_id: str, body: AssignIn, platform: PlatformDep, principal: OperatorPrincipal
) -> SupportRead:
    """Give the request to an operator of the tenant (yourself if nobody is named)."""
    with platform.uow() as uow:
        found = support.assign(uow, principal, request_id, to=body.to, note=body.note)
        uow.commit()
    return SupportRead.of(found)


@priority(Priority.IMPORTANT)
@router.post("/safety/support-requests/{request_id}/close")
def close_request(
    request_id: str, body: CloseIn, platform: PlatformDep, principal: OperatorPrincipal
) -> SupportRead:
    """Close the request with what was done."""
    with platform.uow() as uow:
        found = support.close(uow, principal, request_id, note=body.note)
        uow.commit()
    return SupportRead.of(found)


@priority(Priority.IMPORTANT)
@router.post("/safety/roster", status_code=status.HTTP_201_CREATED)
def add_roster_entry(
    body: RosterCreate, platform: PlatformDep, principal: CurrentPrincipal
) -> RosterRead:
    """Put someone on call (platform, a merchant, the campus office) for a window; they are
    told when public-health mode changes while on call."""
    with platform.uow() as uow:
        entry = roster.add_entry(
            uow,
            principal,
            scope=body.scope,
            merchant_id=body.merchant_id,
            name=body.name,
            role=body.role,
            channel=body.channel,
            address=body.address,
            language=body.language,
            on_call_from=body.on_call_from,
            on_call_until=body.on_call_until,
        )
        uow.commit()
    return RosterRead.of(entry)


@priority(Priority.IMPORTANT)
@router.get("/safety/roster")
def list_roster(
    platform: PlatformDep,
    principal: CurrentPrincipal,
    page: PageDep,
    on_call_at: Moment = None,
    scope: roster.Scope | None = None,
) -> list[RosterRead]:
    """The roster you keep (a merchant: its own entries), optionally only who is on call at a
    moment or in one scope."""
    with platform.uow(read_only=True) as uow:
        found = roster.entries(
            uow,
            principal,
            on_call_at=_moment(on_call_at),
            scope=scope,
            limit=page.rows,
            offset=page.offset,
        )
    return [RosterRead.of(e) for e in page.window(found)]


@priority(Priority.IMPORTANT)
@router.delete("/safety/roster/{entry_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_roster_entry(entry_id: str, platform: PlatformDep, principal: CurrentPrincipal) -> None:
    """Take an entry off the roster."""
    with platform.uow() as uow:
        roster.remove_entry(uow, principal, entry_id)
        uow.commit()


def _moment(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{text!r} is not a time", code="bad_time") from None

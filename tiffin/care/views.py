"""/v1/me/inbox, wallet and notifications; the operator's care desk: grants, policies,
force majeure, the call list, notices and the care report."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select, update

from tiffin.accounts.model import Principal, Role
from tiffin.anomalies import records
from tiffin.anomalies.service import care_report
from tiffin.api.common import Instant, ReasonIn, Strict
from tiffin.api.deps import CurrentPrincipal, OperatorPrincipal, PlatformDep
from tiffin.api.paging import PageDep
from tiffin.api.problems import error_responses
from tiffin.care import ledger
from tiffin.care.inbox import messages_for
from tiffin.care.notify import notifications_for
from tiffin.errors import Conflict, Forbidden, NotFound
from tiffin.store import tables

router = APIRouter(
    prefix="/v1", tags=["care"], responses=error_responses(400, 401, 403, 404, 409, 422)
)


class MessageRead(BaseModel):
    id: str
    order_id: str | None
    title: str
    body: str
    created_at: datetime


class GrantRead(BaseModel):
    """A grant as its customer or an operator sees it (``ledger.Grant`` without internal ids)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    order_id: str
    cause: str
    instrument: str | None
    tier: str | None
    amount_cents: int
    refund_cents: int
    points_multiplier: int
    liable: str
    payer: str
    policy_version: int
    reason: str
    status: str
    created_at: datetime
    reversed_at: datetime | None = None
    reversal_reason: str | None = None


class WalletRead(BaseModel):
    credit_cents: int
    refunded_cents: int
    coupons: list[dict[str, Any]]
    grants: list[GrantRead]


class ForceMajeureIn(Strict):
    starts_at: Instant
    ends_at: Instant
    reason: str = Field(min_length=1, max_length=500, pattern=r"\S")


class CallDoneIn(Strict):
    outcome: str = Field(min_length=1, max_length=2000, pattern=r"\S")


class Versioned(BaseModel):
    kind: str
    version: int


def _customer_id(principal: Principal) -> str:
    if principal.role is not Role.CUSTOMER or principal.subject_id is None:
        raise Forbidden("only customers have an inbox and a wallet", code="customer_only")
    return str(principal.subject_id)


@router.get("/me/inbox")
def inbox(platform: PlatformDep, principal: CurrentPrincipal, page: PageDep) -> list[MessageRead]:
    customer_id = _customer_id(principal)
    with platform.uow(read_only=True) as uow:
        found = page.of(messages_for(uow, customer_id))
    return [MessageRead(**m) for m in found]  # type: ignore[arg-type]


@router.get("/me/wallet")
def my_wallet(platform: PlatformDep, principal: CurrentPrincipal) -> WalletRead:
    """Credit, refunds, live coupons and every grant the customer received."""
    customer_id = _customer_id(principal)
    with platform.uow(read_only=True) as uow:
        w = ledger.wallet(uow, customer_id)
    return WalletRead(
        credit_cents=w.credit_cents,
        refunded_cents=w.refunded_cents,
        coupons=w.coupons,
        grants=[GrantRead.model_validate(g) for g in w.grants],
    )


@router.get("/me/notifications")
def my_notifications(
    platform: PlatformDep, principal: CurrentPrincipal, page: PageDep
) -> list[dict[str, Any]]:
    """Notices sent to the caller: a customer's trouble messages and their delivery state, a
    merchant's order alerts."""
    if principal.role not in (Role.CUSTOMER, Role.MERCHANT) or principal.subject_id is None:
        raise Forbidden("only customers and merchants receive notifications", code="no_inbox")
    with platform.uow(read_only=True) as uow:
        return page.of(notifications_for(uow, f"{principal.role.value}:{principal.subject_id}"))


@router.post("/grants/{grant_id}/reverse", responses=error_responses(404, 409))
def reverse_grant(
    grant_id: str, body: ReasonIn, platform: PlatformDep, principal: OperatorPrincipal
) -> GrantRead:
    with platform.uow() as uow:
        grant = ledger.reverse(uow, principal, grant_id, reason=body.reason)
        uow.commit()
    return GrantRead.model_validate(grant)


@router.get("/care/report")
def report(
    platform: PlatformDep, principal: OperatorPrincipal, page: PageDep, since: Instant | None = None
) -> list[dict[str, Any]]:
    """Satisfaction and cost per anomaly type and compensation policy version."""
    with platform.uow(read_only=True) as uow:
        return page.of(care_report(uow, principal, since=since))


@router.post("/care/force-majeure", status_code=status.HTTP_201_CREATED)
def force_majeure(
    body: ForceMajeureIn, platform: PlatformDep, principal: OperatorPrincipal
) -> dict[str, str]:
    """Declare a storm or a flood: delays inside the window are nobody's fault."""
    with platform.uow() as uow:
        window_id = records.declare_force_majeure(
            uow, principal, starts_at=body.starts_at, ends_at=body.ends_at, reason=body.reason
        )
        uow.commit()
    return {"id": window_id}


@router.get("/care/call-list")
def call_list(
    platform: PlatformDep, principal: OperatorPrincipal, page: PageDep
) -> list[dict[str, Any]]:
    """Customers who want a phone call, most urgent first."""
    c = tables.call_list.c
    n = tables.notifications.c
    query = (
        select(c.id, c.customer_id, c.phone, c.priority, c.created_at, n.title, n.body, n.order_id)
        .join(tables.notifications, n.id == c.notification_id)
        .where(c.tenant_id == principal.tenant_id, c.done_at.is_(None))
        .order_by(c.priority.desc(), c.created_at, c.id)
        .limit(page.rows)
        .offset(page.offset)
    )
    with platform.uow(read_only=True) as uow:
        return page.window([dict(r) for r in uow.conn.execute(query).mappings()])


@router.post("/care/call-list/{call_id}/done", responses=error_responses(404, 409))
def call_done(
    call_id: str, body: CallDoneIn, platform: PlatformDep, principal: OperatorPrincipal
) -> dict[str, str]:
    c = tables.call_list.c
    with platform.uow() as uow:
        row = uow.conn.execute(select(tables.call_list).where(c.id == call_id)).mappings().first()
        if row is None or row["tenant_id"] != principal.tenant_id:
            raise NotFound(f"no call with id {call_id!r}", resource="call")
        if row["done_at"] is not None:
            raise Conflict("this call was already made", code="already_called")
        now = uow.clock.now()
        uow.conn.execute(
            update(tables.call_list)
            .where(c.id == call_id)
            .values(done_at=now, done_by=principal.user_id, outcome=body.outcome)
        )
        n = tables.notifications.c
        uow.conn.execute(
            update(tables.notifications)
            .where(n.id == row["notification_id"])
            .values(status="delivered", delivered_at=now, delivered_via="call")
        )
        uow.commit()
    return {"id": call_id, "outcome": body.outcome}


@router.get("/care/notices")
def notices(
    platform: PlatformDep, principal: OperatorPrincipal, page: PageDep
) -> list[dict[str, Any]]:
    """Things the engine wants an operator to know (the daily budget reached, ...)."""
    t = tables.operator_notices.c
    query = (
        select(t.id, t.kind, t.text, t.created_at)
        .where(t.tenant_id == principal.tenant_id)
        .order_by(t.created_at.desc(), t.id)
        .limit(page.rows)
        .offset(page.offset)
    )
    with platform.uow(read_only=True) as uow:
        return page.window([dict(r) for r in uow.conn.execute(query).mappings()])


# Last: /care/{kind} would otherwise shadow /care/call-list and /care/notices.
@router.get("/care/{kind}")
def get_document(
    kind: Literal["playbook", "compensation"], platform: PlatformDep, principal: OperatorPrincipal
) -> dict[str, Any]:
    """The tenant's playbook or compensation policy in force (the defaults until one is saved)."""
    with platform.uow(read_only=True) as uow:
        doc = (
            records.playbook_for(uow, principal.tenant_id)
            if kind == "playbook"
            else records.policy_for(uow, principal.tenant_id)
        )
    return doc.model_dump(mode="json")


@router.put("/care/{kind}", responses=error_responses(400))
def put_document(
    kind: Literal["playbook", "compensation"],
    document: dict[str, Any],
    platform: PlatformDep,
    principal: OperatorPrincipal,
) -> Versioned:
    """Save a new version; it is validated first and refused with every problem named."""
    with platform.uow() as uow:
        version = records.save_document(uow, principal, kind, document)
        uow.commit()
    return Versioned(kind=kind, version=version)

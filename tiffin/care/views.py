"""/v1/me/inbox, wallet and notifications; the operator's care desk: grants, policies,
force majeure, the call list, notices and the care report."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, status

from tiffin.anomalies import queries as anomaly_queries
from tiffin.anomalies.service import care_report
from tiffin.api.common import Instant, ReasonIn
from tiffin.api.deps import ClockDep, CurrentPrincipal, OperatorPrincipal, UowFactoryDep
from tiffin.api.paging import PageDep
from tiffin.api.problems import error_responses
from tiffin.care import ledger, queries
from tiffin.care.call_list import mark_call_done
from tiffin.care.inbox import messages_for
from tiffin.care.notify import notifications_for
from tiffin.care.queries import policy_for
from tiffin.care.schemas import (
    CallDoneIn,
    CallDoneRead,
    CallRead,
    CareDocumentRead,
    CareReportRead,
    CreatedRead,
    ForceMajeureIn,
    ForceMajeureRead,
    GrantRead,
    MessageRead,
    NoticeRead,
    NotificationRead,
    Versioned,
    WalletRead,
)
from tiffin.domain.principals import Principal, Role
from tiffin.domain.priorities import Priority, priority
from tiffin.errors import Forbidden
from tiffin.safety.weather import service as weather

router = APIRouter(
    prefix="/v1", tags=["care"], responses=error_responses(400, 401, 403, 404, 409, 422)
)


def _customer_id(principal: Principal) -> str:
    if principal.role is not Role.CUSTOMER or principal.subject_id is None:
        raise Forbidden("only customers have an inbox and a wallet", code="customer_only")
    return str(principal.subject_id)


@priority(Priority.CORE)
@router.get("/me/inbox")
def inbox(open_uow: UowFactoryDep, principal: CurrentPrincipal, page: PageDep) -> list[MessageRead]:
    """The messages sent to the calling customer (apologies, credits, news of their orders)."""
    customer_id = _customer_id(principal)
    with open_uow(read_only=True) as uow:
        found = page.of(messages_for(uow, customer_id))
    return [MessageRead(**m) for m in found]  # type: ignore[arg-type]


@priority(Priority.IMPORTANT)
@router.get("/me/wallet")
def my_wallet(open_uow: UowFactoryDep, principal: CurrentPrincipal) -> WalletRead:
    """Credit, refunds, live coupons and every grant the customer received."""
    customer_id = _customer_id(principal)
    with open_uow(read_only=True) as uow:
        w = ledger.wallet(uow, customer_id)
    return WalletRead(
        credit_cents=w.credit_cents,
        refunded_cents=w.refunded_cents,
        coupons=w.coupons,
        grants=[GrantRead.model_validate(g) for g in w.grants],
    )


@priority(Priority.CORE)
@router.get("/me/notifications")
def my_notifications(
    open_uow: UowFactoryDep, principal: CurrentPrincipal, page: PageDep
) -> list[NotificationRead]:
    """Notices sent to the caller: a customer's trouble messages and their delivery state, a
    merchant's order alerts."""
    if principal.role not in (Role.CUSTOMER, Role.MERCHANT) or principal.subject_id is None:
        raise Forbidden("only customers and merchants receive notifications", code="no_inbox")
    with open_uow(read_only=True) as uow:
        found = page.of(notifications_for(uow, f"{principal.role.value}:{principal.subject_id}"))
    return [NotificationRead.model_validate(n) for n in found]


@priority(Priority.IMPORTANT)
@router.post("/grants/{grant_id}/reverse", responses=error_responses(404, 409))
def reverse_grant(
    grant_id: str, body: ReasonIn, open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> GrantRead:
    """An operator takes back a compensation grant given in error, with a reason."""
    with open_uow() as uow:
        grant = ledger.reverse(uow, principal, grant_id, reason=body.reason)
        uow.commit()
    return GrantRead.model_validate(grant)


@priority(Priority.DEFERRABLE, feature="reports")
@router.get("/care/report")
def report(
    open_uow: UowFactoryDep,
    principal: OperatorPrincipal,
    page: PageDep,
    since: Instant | None = None,
) -> list[CareReportRead]:
    """Satisfaction and cost per anomaly type and compensation policy version."""
    with open_uow(read_only=True) as uow:
        rows = page.of(care_report(uow, principal, since=since))
    return [CareReportRead.model_validate(r) for r in rows]


@priority(Priority.IMPORTANT)
@router.post("/care/force-majeure", status_code=status.HTTP_201_CREATED)
def force_majeure(
    body: ForceMajeureIn, open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> CreatedRead:
    """Declare a storm or a flood: delays inside the window are nobody's fault."""
    with open_uow() as uow:
        window_id = weather.declare(
            uow,
            principal,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            reason=body.reason,
            zone_ids=body.zone_ids,
            polygons=body.polygons,
        )
        uow.commit()
    return CreatedRead(id=window_id)


@priority(Priority.IMPORTANT)
@router.get("/care/force-majeure")
def force_majeure_windows(
    open_uow: UowFactoryDep, clock: ClockDep, principal: OperatorPrincipal, page: PageDep
) -> list[ForceMajeureRead]:
    """The tenant's weather windows in force or to come (an operator's or a weather feed's),
    latest start first."""
    with open_uow(read_only=True) as uow:
        rows = weather.windows_of(
            uow, principal.tenant_id, since=clock.now(), limit=page.rows, offset=page.offset
        )
    return [ForceMajeureRead.model_validate(r) for r in page.window(rows)]


@priority(Priority.IMPORTANT)
@router.post("/care/force-majeure/{window_id}/end", responses=error_responses(404))
def end_force_majeure(
    window_id: str, open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> ForceMajeureRead:
    """The storm is over: the window ends now (promises and thresholds go back at once)."""
    with open_uow() as uow:
        row = weather.end(uow, principal, window_id)
        uow.commit()
    return ForceMajeureRead.model_validate(row)


@priority(Priority.IMPORTANT)
@router.get("/care/call-list")
def call_list(
    open_uow: UowFactoryDep, principal: OperatorPrincipal, page: PageDep
) -> list[CallRead]:
    """Customers who want a phone call, most urgent first."""
    with open_uow(read_only=True) as uow:
        calls = queries.open_calls(uow, principal.tenant_id, limit=page.rows, offset=page.offset)
    return [CallRead.model_validate(c) for c in page.window(calls)]


@priority(Priority.IMPORTANT)
@router.post("/care/call-list/{call_id}/done", responses=error_responses(404, 409))
def call_done(
    call_id: str, body: CallDoneIn, open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> CallDoneRead:
    """An operator records that a customer on the call list was called."""
    with open_uow() as uow:
        mark_call_done(
            uow,
            tenant_id=principal.tenant_id,
            call_id=call_id,
            done_by=principal.user_id,
            outcome=body.outcome,
        )
        uow.commit()
    return CallDoneRead(id=call_id, outcome=body.outcome)


@priority(Priority.IMPORTANT)
@router.get("/care/notices")
def notices(
    open_uow: UowFactoryDep, principal: OperatorPrincipal, page: PageDep
) -> list[NoticeRead]:
    """Things the engine wants an operator to know (the daily budget reached, ...)."""
    with open_uow(read_only=True) as uow:
        found = queries.recent_notices(
            uow, principal.tenant_id, limit=page.rows, offset=page.offset
        )
    return [NoticeRead.model_validate(n) for n in page.window(found)]


# Last: /care/{kind} would otherwise shadow /care/call-list and /care/notices.
@priority(Priority.DEFERRABLE, feature="transparency")
@router.get("/care/{kind}")
def get_document(
    kind: Literal["playbook", "compensation"], open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> CareDocumentRead:
    """The tenant's playbook or compensation policy in force (the defaults until one is saved)."""
    with open_uow(read_only=True) as uow:
        return (
            anomaly_queries.playbook_for(uow, principal.tenant_id)
            if kind == "playbook"
            else policy_for(uow, principal.tenant_id)
        )


@priority(Priority.IMPORTANT)
@router.put("/care/{kind}", responses=error_responses(400))
def put_document(
    kind: Literal["playbook", "compensation"],
    document: dict[str, Any],
    open_uow: UowFactoryDep,
    principal: OperatorPrincipal,
) -> Versioned:
    """Save a new version; it is validated first and refused with every problem named."""
    with open_uow() as uow:
        version = anomaly_queries.save_document(uow, principal, kind, document)
        uow.commit()
    return Versioned(kind=kind, version=version)

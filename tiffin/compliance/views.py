"""/v1/compliance: the liability rules, consumer-rights checks per order, and disputes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from tiffin.api.deps import CurrentPrincipal, OperatorPrincipal, PlatformDep
from tiffin.api.problems import error_responses
from tiffin.compliance import service
from tiffin.compliance.model import LIABILITY_RULES
from tiffin.compliance.schemas import (
    DecisionIn,
    DisputeCreate,
    DisputeRead,
    LiabilityRuleRead,
    OrderChecksRead,
)
from tiffin.domain.priorities import Priority, priority

router = APIRouter(
    prefix="/v1/compliance",
    tags=["compliance"],
    responses=error_responses(400, 401, 403, 404, 409, 422),
)
Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=100_000)]


@priority(Priority.DEFERRABLE, feature="reports")
@router.get("/liability-rules")
def liability_rules(principal: CurrentPrincipal) -> list[LiabilityRuleRead]:
    """Who is charged for what, in the order the detectors apply it."""
    return [
        LiabilityRuleRead(situation=r.situation, liable=r.liable.value, why=r.why)
        for r in LIABILITY_RULES
    ]


@priority(Priority.IMPORTANT)
@router.get("/orders/{order_id}/checks")
def order_checks(
    order_id: str, platform: PlatformDep, principal: OperatorPrincipal
) -> OrderChecksRead:
    """The consumer-rights checks on one order (refund offered, promotion honest)."""
    with platform.uow(read_only=True) as uow:
        return OrderChecksRead(**service.check_order(uow, principal, order_id))


@priority(Priority.IMPORTANT)
@router.post("/disputes", status_code=status.HTTP_201_CREATED)
def open_dispute(
    body: DisputeCreate, platform: PlatformDep, principal: CurrentPrincipal
) -> DisputeRead:
    """A merchant or rider disputes the anomaly charged to them (once per anomaly)."""
    with platform.uow() as uow:
        dispute_id = service.open_dispute(uow, principal, body.anomaly_id, body.reason)
        row = service.get_dispute(uow, principal, dispute_id)
        uow.commit()
    return DisputeRead(**row)


@priority(Priority.IMPORTANT)
@router.get("/disputes")
def list_disputes(
    platform: PlatformDep,
    principal: CurrentPrincipal,
    state: Literal["open", "upheld", "rejected"] | None = Query(default=None, alias="status"),
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[DisputeRead]:
    """Liability disputes: a merchant or rider sees their own, an operator the tenant's."""
    with platform.uow(read_only=True) as uow:
        rows = service.list_disputes(uow, principal, status=state, limit=limit, offset=offset)
    return [DisputeRead(**r) for r in rows]


@priority(Priority.IMPORTANT)
@router.get("/disputes/{dispute_id}")
def get_dispute(dispute_id: str, platform: PlatformDep, principal: CurrentPrincipal) -> DisputeRead:
    """One dispute with the attribution it contests and, once decided, its outcome."""
    with platform.uow(read_only=True) as uow:
        return DisputeRead(**service.get_dispute(uow, principal, dispute_id))


@priority(Priority.IMPORTANT)
@router.post("/disputes/{dispute_id}/decide")
def decide(
    dispute_id: str, body: DecisionIn, platform: PlatformDep, principal: OperatorPrincipal
) -> DisputeRead:
    """Upheld: the anomaly's liability changes and its paid grants are re-charged; rejected:
    the attribution stands. Decided once (409 ``already_decided``)."""
    with platform.uow() as uow:
        row = service.decide(
            uow, principal, dispute_id, body.outcome, liable=body.liable, note=body.note
        )
        uow.commit()
    return DisputeRead(**row)

"""/v1/anomalies: the operator's exception queue; customers report item problems and rate
how an anomaly was handled."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, status

from tiffin.anomalies import service
from tiffin.anomalies.schemas import (
    ActionIn,
    AnomalyDetail,
    AnomalyRead,
    CloseIn,
    CustomerAnomalyRead,
    Done,
    FeedbackIn,
    NoteIn,
    ProblemIn,
)
from tiffin.api.deps import CurrentPrincipal, OperatorPrincipal, PlatformDep
from tiffin.api.paging import PageDep
from tiffin.api.problems import error_responses
from tiffin.domain.priorities import Priority, priority

router = APIRouter(
    prefix="/v1", tags=["anomalies"], responses=error_responses(400, 401, 403, 404, 409, 422)
)


@priority(Priority.IMPORTANT)
@router.get("/anomalies")
def list_anomalies(
    platform: PlatformDep,
    principal: OperatorPrincipal,
    page: PageDep,
    status: Literal["open", "escalated", "handled", "closed"] | None = None,
) -> list[AnomalyRead]:
    """Open and escalated anomalies, soonest SLA first (or every anomaly of one status)."""
    with platform.uow(read_only=True) as uow:
        return [AnomalyRead(**r) for r in page.of(service.queue(uow, principal, status=status))]


@priority(Priority.IMPORTANT)
@router.get("/anomalies/{anomaly_id}")
def get_anomaly(
    anomaly_id: str, platform: PlatformDep, principal: OperatorPrincipal
) -> AnomalyDetail:
    with platform.uow(read_only=True) as uow:
        return AnomalyDetail(**service.detail(uow, principal, anomaly_id))


@priority(Priority.IMPORTANT)
@router.post("/anomalies/{anomaly_id}/take", responses=error_responses(409))
def take(anomaly_id: str, platform: PlatformDep, principal: OperatorPrincipal) -> Done:
    with platform.uow() as uow:
        service.take(uow, principal, anomaly_id)
        uow.commit()
    return Done(id=anomaly_id, outcome="taken")


@priority(Priority.IMPORTANT)
@router.post("/anomalies/{anomaly_id}/notes", status_code=status.HTTP_201_CREATED)
def add_note(
    anomaly_id: str, body: NoteIn, platform: PlatformDep, principal: OperatorPrincipal
) -> Done:
    with platform.uow() as uow:
        service.note(uow, principal, anomaly_id, body.text)
        uow.commit()
    return Done(id=anomaly_id, outcome="noted")


@priority(Priority.IMPORTANT)
@router.post("/anomalies/{anomaly_id}/actions", responses=error_responses(409))
def run_action(
    anomaly_id: str, body: ActionIn, platform: PlatformDep, principal: OperatorPrincipal
) -> Done:
    """Run one playbook step by hand: redispatch, compensate, notify_customer, ..."""
    with platform.uow() as uow:
        outcome = service.trigger(uow, platform.anomaly_engine, principal, anomaly_id, body.step)
        uow.commit()
    return Done(id=anomaly_id, outcome=outcome)


@priority(Priority.IMPORTANT)
@router.post("/anomalies/{anomaly_id}/close", responses=error_responses(409))
def close(
    anomaly_id: str, body: CloseIn, platform: PlatformDep, principal: OperatorPrincipal
) -> Done:
    with platform.uow() as uow:
        service.close(uow, principal, anomaly_id, body.resolution)
        uow.commit()
    return Done(id=anomaly_id, outcome="closed")


@priority(Priority.IMPORTANT)
@router.post(
    "/orders/{order_id}/problems",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(409),
)
def report_problem(
    order_id: str, body: ProblemIn, platform: PlatformDep, principal: CurrentPrincipal
) -> Done:
    """Missing, wrong or damaged items on a delivered order (one report per order)."""
    with platform.uow() as uow:
        anomaly_id = service.report_problem(
            uow,
            platform.anomaly_engine,
            principal,
            order_id,
            problem=body.problem,
            photo_ref=body.photo_ref,
            note=body.note,
        )
        uow.commit()
    return Done(id=anomaly_id, outcome="reported")


@priority(Priority.IMPORTANT)
@router.get("/me/anomalies")
def my_anomalies(
    platform: PlatformDep, principal: CurrentPrincipal, page: PageDep
) -> list[CustomerAnomalyRead]:
    """A customer's own anomalies: what happened to their orders, and what they can rate."""
    with platform.uow(read_only=True) as uow:
        found = page.of(service.anomalies_of_customer(uow, principal))
    return [CustomerAnomalyRead.model_validate(a) for a in found]


@priority(Priority.DEFERRABLE, feature="feedback")
@router.post(
    "/anomalies/{anomaly_id}/feedback",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(409),
)
def feedback(
    anomaly_id: str, body: FeedbackIn, platform: PlatformDep, principal: CurrentPrincipal
) -> Done:
    """The customer rates how we handled it (1-5, once)."""
    with platform.uow() as uow:
        service.give_feedback(uow, principal, anomaly_id, rating=body.rating, comment=body.comment)
        uow.commit()
    return Done(id=anomaly_id, outcome="thank you")

"""/v1/anomalies: the operator's exception queue; customers report item problems and rate
how an anomaly was handled."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, status

from tiffin.anomalies import kitchen_delay, service
from tiffin.anomalies.schemas import (
    ActionIn,
    AnomalyDetail,
    AnomalyRead,
    CloseIn,
    CustomerAnomalyRead,
    DelayIn,
    DelayRead,
    Done,
    FeedbackIn,
    NoteIn,
    ProblemIn,
)
from tiffin.api.deps import CurrentPrincipal, OperatorPrincipal, PlatformDep, UowFactoryDep
from tiffin.api.paging import PageDep
from tiffin.api.problems import error_responses
from tiffin.domain.priorities import Priority, priority

router = APIRouter(
    prefix="/v1", tags=["anomalies"], responses=error_responses(400, 401, 403, 404, 409, 422)
)


@priority(Priority.IMPORTANT)
@router.get("/anomalies")
def list_anomalies(
    open_uow: UowFactoryDep,
    principal: OperatorPrincipal,
    page: PageDep,
    status: Literal["open", "escalated", "handled", "closed"] | None = None,
) -> list[AnomalyRead]:
    """Open and escalated anomalies, soonest SLA first (or every anomaly of one status)."""
    with open_uow(read_only=True) as uow:
        return [AnomalyRead(**r) for r in page.of(service.queue(uow, principal, status=status))]


@priority(Priority.IMPORTANT)
@router.get("/anomalies/{anomaly_id}")
def get_anomaly(
    anomaly_id: str, open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> AnomalyDetail:
    """One abnormal order: what was detected, why, the playbook's steps and the notes."""
    with open_uow(read_only=True) as uow:
        return AnomalyDetail(**service.detail(uow, principal, anomaly_id))


@priority(Priority.IMPORTANT)
@router.post("/anomalies/{anomaly_id}/take", responses=error_responses(409))
def take(anomaly_id: str, open_uow: UowFactoryDep, principal: OperatorPrincipal) -> Done:
    """An operator takes the anomaly, so two people do not work on it at once."""
    with open_uow() as uow:
        service.take(uow, principal, anomaly_id)
        uow.commit()
    return Done(id=anomaly_id, outcome="taken")


@priority(Priority.IMPORTANT)
@router.post("/anomalies/{anomaly_id}/notes", status_code=status.HTTP_201_CREATED)
def add_note(
    anomaly_id: str, body: NoteIn, open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> Done:
    """An operator adds a note to the anomaly's record."""
    with open_uow() as uow:
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
    anomaly_id: str, body: CloseIn, open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> Done:
    """An operator closes the anomaly with its resolution."""
    with open_uow() as uow:
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
    order_id: str,
    body: ProblemIn,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    device_id: Annotated[str | None, Header(alias="X-Device-Id", max_length=128)] = None,
) -> Done:
    """Missing, wrong or damaged items on a delivered order (one report per order). Risk
    control may refuse the claim (403 ``risk_blocked``) or hold its payout for a check
    (outcome ``under_review``)."""
    with platform.uow() as uow:
        reported = service.report_problem(
            uow,
            platform.anomaly_engine,
            principal,
            order_id,
            problem=body.problem,
            photo_ref=body.photo_ref,
            note=body.note,
            device_id=device_id,
        )
        uow.commit()  # a block's decision is kept: it feeds the rule statistics
    reported.raise_if_blocked()
    held = reported.risk is not None and reported.risk.case_id is not None
    return Done(id=str(reported.anomaly_id), outcome="under_review" if held else "reported")


@priority(Priority.IMPORTANT)
@router.post(
    "/orders/{order_id}/delays",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(409),
)
def report_delay(
    order_id: str, body: DelayIn, platform: PlatformDep, principal: CurrentPrincipal
) -> DelayRead:
    """The order's kitchen says its food will be late (while it cooks): the late-food case
    opens now and the playbook tells the customer; a second report merges into it."""
    with platform.uow() as uow:
        opened = kitchen_delay.report_delay(
            uow,
            platform.anomaly_engine,
            principal,
            order_id[:40],
            minutes=body.minutes,
            note=body.note,
        )
        uow.commit()
    return DelayRead(anomaly_id=opened, outcome="reported" if opened else "merged")


@priority(Priority.IMPORTANT)
@router.get("/me/anomalies")
def my_anomalies(
    open_uow: UowFactoryDep, principal: CurrentPrincipal, page: PageDep
) -> list[CustomerAnomalyRead]:
    """A customer's own anomalies: what happened to their orders, and what they can rate."""
    with open_uow(read_only=True) as uow:
        found = page.of(service.anomalies_of_customer(uow, principal))
    return [CustomerAnomalyRead.model_validate(a) for a in found]


@priority(Priority.DEFERRABLE, feature="feedback")
@router.post(
    "/anomalies/{anomaly_id}/feedback",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(409),
)
def feedback(
    anomaly_id: str, body: FeedbackIn, open_uow: UowFactoryDep, principal: CurrentPrincipal
) -> Done:
    """The customer rates how we handled it (1-5, once)."""
    with open_uow() as uow:
        service.give_feedback(uow, principal, anomaly_id, rating=body.rating, comment=body.comment)
        uow.commit()
    return Done(id=anomaly_id, outcome="thank you")

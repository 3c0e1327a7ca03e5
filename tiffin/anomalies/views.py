"""/v1/anomalies: the operator's exception queue; customers report item problems and rate
how an anomaly was handled."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, status
from pydantic import BaseModel, Field

from tiffin.anomalies import service
from tiffin.anomalies.playbook import Step
from tiffin.api.common import Strict
from tiffin.api.deps import CurrentPrincipal, OperatorPrincipal, PlatformDep
from tiffin.api.problems import error_responses

router = APIRouter(
    prefix="/v1", tags=["anomalies"], responses=error_responses(400, 401, 403, 404, 409, 422)
)


class AnomalyRead(BaseModel):
    id: str
    order_id: str
    type: str
    severity: int
    status: str
    liable: str
    reason: str
    facts: dict[str, Any]
    since_at: datetime
    detected_at: datetime
    sla_due_at: datetime
    occurrences: int
    playbook_version: int
    taken_by: str | None
    closed_at: datetime | None
    resolution: str | None


class AnomalyDetail(AnomalyRead):
    actions: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    grants: list[dict[str, Any]]
    feedback: dict[str, Any] | None


class NoteIn(Strict):
    text: str = Field(min_length=1, max_length=2000, pattern=r"\S")


class ActionIn(Strict):
    step: Step


class CloseIn(Strict):
    resolution: str = Field(min_length=1, max_length=2000, pattern=r"\S")


class ProblemIn(Strict):
    problem: Literal["missing", "wrong", "damaged"]
    photo_ref: str | None = Field(
        default=None, max_length=500, description="an uploaded photo's reference"
    )
    note: str = Field(default="", max_length=2000)


class FeedbackIn(Strict):
    rating: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=2000)


class Done(BaseModel):
    id: str
    outcome: str


@router.get("/anomalies")
def list_anomalies(
    platform: PlatformDep,
    principal: OperatorPrincipal,
    status: Literal["open", "escalated", "handled", "closed"] | None = None,
) -> list[AnomalyRead]:
    """Open and escalated anomalies, soonest SLA first (or every anomaly of one status)."""
    with platform.uow(read_only=True) as uow:
        return [AnomalyRead(**r) for r in service.queue(uow, principal, status=status)]


@router.get("/anomalies/{anomaly_id}")
def get_anomaly(
    anomaly_id: str, platform: PlatformDep, principal: OperatorPrincipal
) -> AnomalyDetail:
    with platform.uow(read_only=True) as uow:
        return AnomalyDetail(**service.detail(uow, principal, anomaly_id))


@router.post("/anomalies/{anomaly_id}/take", responses=error_responses(409))
def take(anomaly_id: str, platform: PlatformDep, principal: OperatorPrincipal) -> Done:
    with platform.uow() as uow:
        service.take(uow, principal, anomaly_id)
        uow.commit()
    return Done(id=anomaly_id, outcome="taken")


@router.post("/anomalies/{anomaly_id}/notes", status_code=status.HTTP_201_CREATED)
def add_note(
    anomaly_id: str, body: NoteIn, platform: PlatformDep, principal: OperatorPrincipal
) -> Done:
    with platform.uow() as uow:
        service.note(uow, principal, anomaly_id, body.text)
        uow.commit()
    return Done(id=anomaly_id, outcome="noted")


@router.post("/anomalies/{anomaly_id}/actions", responses=error_responses(409))
def run_action(
    anomaly_id: str, body: ActionIn, platform: PlatformDep, principal: OperatorPrincipal
) -> Done:
    """Run one playbook step by hand: redispatch, compensate, notify_customer, ..."""
    with platform.uow() as uow:
        outcome = service.trigger(uow, platform.anomaly_engine, principal, anomaly_id, body.step)
        uow.commit()
    return Done(id=anomaly_id, outcome=outcome)


@router.post("/anomalies/{anomaly_id}/close", responses=error_responses(409))
def close(
    anomaly_id: str, body: CloseIn, platform: PlatformDep, principal: OperatorPrincipal
) -> Done:
    with platform.uow() as uow:
        service.close(uow, principal, anomaly_id, body.resolution)
        uow.commit()
    return Done(id=anomaly_id, outcome="closed")


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


@router.get("/me/anomalies")
def my_anomalies(platform: PlatformDep, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """A customer's own anomalies: what happened to their orders, and what they can rate."""
    with platform.uow(read_only=True) as uow:
        return service.anomalies_of_customer(uow, principal)


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

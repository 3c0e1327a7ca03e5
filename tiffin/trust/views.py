"""/v1/me/trust (a person reads their own score and why), /v1/trust/{role}/{id} (operators,
their tenant's people only) and /v1/trust/policy (operators: their tenant's weights)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Path

from tiffin.api.deps import CurrentPrincipal, OperatorPrincipal, PlatformDep, UowFactoryDep
from tiffin.api.problems import error_responses
from tiffin.domain.priorities import Priority, priority
from tiffin.errors import Forbidden
from tiffin.trust import service
from tiffin.trust.policy import TrustPolicy
from tiffin.trust.schemas import TrustRead

router = APIRouter(prefix="/v1", tags=["trust"], responses=error_responses(401, 403, 404, 422))


@priority(Priority.DEFERRABLE, feature="reports")
@router.get("/me/trust")
def my_trust(platform: PlatformDep, principal: CurrentPrincipal) -> TrustRead:
    """Your own trust score (0-100) and the events that raised or lowered it."""
    role = principal.role.value
    if role == "operator" or principal.subject_id is None:
        raise Forbidden("customers, riders and merchants have trust scores", code="no_score")
    with platform.uow(read_only=True) as uow:
        result = service.score_of(uow, str(principal.tenant_id), role, principal.subject_id)
    return TrustRead.of(role, principal.subject_id, result)


@priority(Priority.DEFERRABLE, feature="reports")
@router.get("/trust/{role}/{subject_id}")
def trust_of(
    role: Literal["customer", "rider", "merchant"],
    platform: PlatformDep,
    principal: OperatorPrincipal,
    subject_id: str = Path(max_length=40),
) -> TrustRead:
    """A person's trust score and reasons, for operators of their tenant."""
    with platform.uow(read_only=True) as uow:
        result = service.score_of(uow, str(principal.tenant_id), role, subject_id)
    return TrustRead.of(role, subject_id, result)


@priority(Priority.DEFERRABLE, feature="reports")
@router.get("/trust/policy")
def get_trust_policy(open_uow: UowFactoryDep, principal: OperatorPrincipal) -> TrustPolicy:
    """Your tenant's trust policy in force: weights, period, thresholds (the defaults until one
    is saved)."""
    with open_uow(read_only=True) as uow:
        return service.policy_for(uow, principal.tenant_id)


@priority(Priority.IMPORTANT)
@router.put("/trust/policy", responses=error_responses(400))
def put_trust_policy(
    document: dict[str, Any], open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> TrustPolicy:
    """Save your tenant's next trust policy version (it must go up); refused with every problem
    named. Scores read after this are explained with the new weights."""
    with open_uow() as uow:
        saved = service.save_policy(uow, principal, document)
        uow.commit()
    return saved

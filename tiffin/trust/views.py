"""/v1/me/trust (a person reads their own score and why) and /v1/trust/{role}/{id} (operators,
their tenant's people only)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Path

from tiffin.api.deps import CurrentPrincipal, OperatorPrincipal, PlatformDep
from tiffin.api.problems import error_responses
from tiffin.domain.priorities import Priority, priority
from tiffin.errors import Forbidden
from tiffin.trust import service
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

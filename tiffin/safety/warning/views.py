"""/v1/safety/early-warning: each served zone's rider shortfall over the next hours with the
recommended actions; an operator applies one in one step (idempotent, recorded with who)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query

from tiffin.api.deps import OperatorPrincipal, UowFactoryDep
from tiffin.api.paging import PageDep
from tiffin.api.problems import error_responses
from tiffin.domain.priorities import Priority, priority
from tiffin.safety.warning import service
from tiffin.safety.warning.schemas import AppliedRead, WarningRead

router = APIRouter(
    prefix="/v1/safety/early-warning",
    tags=["safety"],
    responses=error_responses(401, 403, 404, 409, 422),
)


@priority(Priority.IMPORTANT)
@router.get("")
def early_warning(
    open_uow: UowFactoryDep,
    principal: OperatorPrincipal,
    page: PageDep,
    horizon_hours: Annotated[int, Query(ge=1, le=6)] = 2,
) -> list[WarningRead]:
    """Per served zone: riders expected (after failed checks, weather, closures) against the
    orders the forecaster expects, the shortfall and what to do about it."""
    with open_uow(read_only=True) as uow:
        warnings = service.outlook(uow, principal.tenant_id, timedelta(hours=horizon_hours))
        ids = [r.id for w in warnings for r in w.recommendations]
        done = service.applied(uow, principal.tenant_id, ids)
    return [WarningRead.of(w, done) for w in page.of(warnings)]


@priority(Priority.IMPORTANT)
@router.post("/{recommendation_id}/apply")
def apply_recommendation(
    recommendation_id: Annotated[str, Path(max_length=120)],
    open_uow: UowFactoryDep,
    principal: OperatorPrincipal,
) -> AppliedRead:
    """Apply a recommendation now (roster call, longer promise or zone closure); applying it
    again returns the first application."""
    with open_uow() as uow:
        done = service.apply(uow, principal, recommendation_id)
        uow.commit()
    return AppliedRead.of(done)

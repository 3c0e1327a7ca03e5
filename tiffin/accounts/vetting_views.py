"""/v1/account-reviews: operators vet the riders and merchants who signed themselves up."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from tiffin.accounts import vetting
from tiffin.api.common import Strict
from tiffin.api.deps import OperatorPrincipal, PlatformDep
from tiffin.api.paging import PageDep
from tiffin.api.problems import error_responses
from tiffin.domain.priorities import Priority, priority

router = APIRouter(
    prefix="/v1/account-reviews",
    tags=["accounts"],
    responses=error_responses(400, 401, 403, 404, 409, 413, 422),
)


class ReviewRead(BaseModel):
    subject_id: str
    kind: vetting.AccountKind
    name: str
    status: vetting.Review
    note: str
    created_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None


class DecisionIn(Strict):
    note: str = Field(
        min_length=1,
        max_length=1000,
        pattern=r"\S",
        description="what was checked (documents, vetting) or why the account is refused",
    )


@priority(Priority.IMPORTANT)
@router.get("")
def list_reviews(
    platform: PlatformDep,
    principal: OperatorPrincipal,
    page: PageDep,
    status: vetting.Review = vetting.Review.PENDING,
    kind: vetting.AccountKind | None = None,
) -> list[ReviewRead]:
    """Riders and merchants of your tenant by review state (pending first of all)."""
    with platform.uow(read_only=True) as uow:
        rows = vetting.list_reviews(
            uow,
            tenant_id=principal.tenant_id,
            status=status,
            kind=kind,
            limit=page.rows,
            offset=page.offset,
        )
    return [ReviewRead(**r) for r in page.window(rows)]


def _decide(
    platform: PlatformDep,
    principal: OperatorPrincipal,
    subject_id: str,
    to: vetting.Review,
    note: str,
) -> ReviewRead:
    with platform.uow() as uow:
        row = vetting.decide(
            uow,
            tenant_id=principal.tenant_id,
            subject_id=subject_id,
            to=to,
            note=note,
            by=str(principal.actor),
        )
        uow.commit()
    return ReviewRead(**row)


@priority(Priority.IMPORTANT)
@router.post("/{subject_id}/approve")
def approve(
    subject_id: str, body: DecisionIn, platform: PlatformDep, principal: OperatorPrincipal
) -> ReviewRead:
    """Let a pending rider go on shift, or a pending merchant open and be seen."""
    return _decide(platform, principal, subject_id, vetting.Review.APPROVED, body.note)


@priority(Priority.IMPORTANT)
@router.post("/{subject_id}/refuse")
def refuse(
    subject_id: str, body: DecisionIn, platform: PlatformDep, principal: OperatorPrincipal
) -> ReviewRead:
    """Turn a pending account down for good (it stays unable to work)."""
    return _decide(platform, principal, subject_id, vetting.Review.REFUSED, body.note)

"""Vetting: riders and merchants who sign themselves up wait, ``pending``, for an operator.

A pending rider cannot go on shift (so dispatch never sees them) or take an offer; a pending
merchant is closed, cannot open, and is invisible to customers. An operator approves or refuses
each with a note. Accounts with no review row (the demo seed, accounts older than vetting)
count as approved.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update

from tiffin.errors import Conflict, Forbidden, NotFound
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

r = tables.account_reviews.c


class Review(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class AccountKind(StrEnum):
    RIDER = "rider"
    MERCHANT = "merchant"


def start_review(uow: UnitOfWork, *, tenant_id: str, kind: AccountKind, subject_id: str) -> None:
    """A self-signed-up rider or merchant begins pending."""
    uow.conn.execute(
        tables.account_reviews.insert().values(
            subject_id=subject_id,
            tenant_id=tenant_id,
            kind=kind.value,
            status=Review.PENDING.value,
            note="",
            created_at=uow.clock.now(),
        )
    )


def status_of(uow: UnitOfWork, subject_id: str) -> Review:
    """An account never reviewed predates vetting (the demo's, older ones): it counts approved."""
    found = uow.reviews.status_of(subject_id)
    return Review(found) if found is not None else Review.APPROVED


def require_approved(uow: UnitOfWork, subject_id: str) -> None:
    """Refuse the work of an account an operator has not approved (403 ``account_pending``)."""
    review = status_of(uow, subject_id)
    if review is Review.PENDING:
        raise Forbidden(
            "your account is waiting for an operator's approval", code="account_pending"
        )
    if review is Review.REFUSED:
        raise Forbidden("your account was not approved", code="account_refused")


def list_reviews(
    uow: UnitOfWork,
    *,
    tenant_id: str,
    status: Review,
    kind: AccountKind | None,
    limit: int,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """One page of reviews, oldest first."""
    query = select(tables.account_reviews).where(r.tenant_id == tenant_id, r.status == status)
    if kind is not None:
        query = query.where(r.kind == kind.value)
    query = query.order_by(r.created_at, r.subject_id).limit(limit).offset(offset)
    rows = uow.conn.execute(query).mappings()
    return [dict(row) | {"name": _name(uow, row["kind"], row["subject_id"])} for row in rows]


def decide(
    uow: UnitOfWork, *, tenant_id: str, subject_id: str, to: Review, note: str, by: str
) -> dict[str, Any]:
    """Approve or refuse a pending account, with a note; a decision is final."""
    row = (
        uow.conn.execute(
            select(tables.account_reviews)
            .where(r.subject_id == subject_id, r.tenant_id == tenant_id)
            .with_for_update()
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no account review for {subject_id!r}", resource="account review")
    if row["status"] != Review.PENDING.value:
        raise Conflict(f"the account was {row['status']} already", code="review_closed")
    now: datetime = uow.clock.now()
    uow.conn.execute(
        update(tables.account_reviews)
        .where(r.subject_id == subject_id)
        .values(status=to.value, note=note, reviewed_by=by, reviewed_at=now)
    )
    return dict(row) | {
        "status": to.value,
        "note": note,
        "reviewed_by": by,
        "reviewed_at": now,
        "name": _name(uow, row["kind"], subject_id),
    }


def _name(uow: UnitOfWork, kind: str, subject_id: str) -> str:
    table = tables.riders if kind == AccountKind.RIDER.value else tables.merchants
    found = uow.conn.execute(select(table.c.name).where(table.c.id == subject_id)).scalar()
    return str(found or "")

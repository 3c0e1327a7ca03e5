"""Who owns a status subscription, and how many one person may hold.

A subscription is shared by everyone who asks for the same component, channel and address;
ownership is recorded per user so that one account cannot fan a single incident out to
hundreds of webhooks (each a request tiffin makes on that person's say-so).
"""

from __future__ import annotations

from sqlalchemy import func, select

from tiffin.errors import Conflict
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork
from tiffin.store.upsert import insert_ignore


def own(uow: UnitOfWork, *, subscription_id: str, user_id: str, cap: int) -> None:
    """Record ``user_id`` as an owner of the subscription; refuse past ``cap`` per person."""
    o = tables.status_subscription_owners.c
    held = uow.conn.execute(
        select(func.count()).where(o.user_id == user_id, o.subscription_id != subscription_id)
    ).scalar_one()
    if held >= cap:
        raise Conflict(
            f"you already hold {held} status subscriptions, the most one person may",
            code="too_many_subscriptions",
        )
    insert_ignore(
        uow.conn,
        tables.status_subscription_owners,
        {"subscription_id": subscription_id, "user_id": user_id, "created_at": uow.clock.now()},
    )

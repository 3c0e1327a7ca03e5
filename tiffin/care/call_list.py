"""The call list: customers who asked for a phone call; an operator makes it and writes down how
it went, which also marks the notification behind it delivered."""

from __future__ import annotations

from sqlalchemy import select, update

from tiffin.errors import Conflict, NotFound
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork


def mark_call_done(
    uow: UnitOfWork, *, tenant_id: str, call_id: str, done_by: str, outcome: str
) -> None:
    """Record the call as made (once; another tenant's call is not found)."""
    c = tables.call_list.c
    row = uow.conn.execute(select(tables.call_list).where(c.id == call_id)).mappings().first()
    if row is None or row["tenant_id"] != tenant_id:
        raise NotFound(f"no call with id {call_id!r}", resource="call")
    if row["done_at"] is not None:
        raise Conflict("this call was already made", code="already_called")
    now = uow.clock.now()
    uow.conn.execute(
        update(tables.call_list)
        .where(c.id == call_id)
        .values(done_at=now, done_by=done_by, outcome=outcome)
    )
    n = tables.notifications.c
    uow.conn.execute(
        update(tables.notifications)
        .where(n.id == row["notification_id"])
        .values(status="delivered", delivered_at=now, delivered_via="call")
    )

"""Operator confirmation: an incident grants make-good only to tenants whose operator said it
was real.

A health signal can be moved by anyone who can make the API answer 5xx, so the incidents it
opens start unconfirmed and resolving them compensates nobody. An operator opening an incident
confirms it for their tenant; an operator confirming a signal incident (even after it resolved)
makes good for their tenant's customers.
"""

from __future__ import annotations

from sqlalchemy import select

from tiffin.store import tables
from tiffin.store.uow import UnitOfWork
from tiffin.store.upsert import insert_ignore

c = tables.incident_confirmations.c


def confirm(uow: UnitOfWork, incident_id: str, *, tenant_id: str, by: str) -> bool:
    """Record the tenant's confirmation; True when it is new."""
    return insert_ignore(
        uow.conn,
        tables.incident_confirmations,
        {
            "incident_id": incident_id,
            "tenant_id": tenant_id,
            "confirmed_by": by,
            "confirmed_at": uow.clock.now(),
        },
    )


def confirmed_tenants(uow: UnitOfWork, incident_id: str) -> set[str]:
    """The tenants whose operators confirmed the incident."""
    query = select(c.tenant_id).where(c.incident_id == incident_id)
    return {str(t) for t in uow.conn.execute(query).scalars()}


def is_confirmed(uow: UnitOfWork, incident_id: str, tenant_id: str) -> bool:
    query = select(c.tenant_id).where(c.incident_id == incident_id, c.tenant_id == tenant_id)
    return uow.conn.execute(query).first() is not None


def confirmed_among(uow: UnitOfWork, incident_ids: list[str], tenant_id: str) -> set[str]:
    """Which of ``incident_ids`` an operator of ``tenant_id`` confirmed (one query for a page)."""
    c = tables.incident_confirmations.c
    query = select(c.incident_id).where(c.tenant_id == tenant_id, c.incident_id.in_(incident_ids))
    return {str(r) for r in uow.conn.execute(query).scalars()}

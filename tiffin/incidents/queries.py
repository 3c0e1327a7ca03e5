"""Incidents read from the database for the operators' list and the public status page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tiffin.incidents.model import State
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork


def incidents_seen_by(
    uow: UnitOfWork,
    tenant_id: str,
    *,
    state: State | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The tenant's own and the platform-wide incidents, newest first (of one state if given)."""
    i = tables.incidents.c
    query = (
        select(tables.incidents)
        .where((i.tenant_id.is_(None)) | (i.tenant_id == tenant_id))
        .order_by(i.opened_at.desc(), i.id)
        .limit(limit)
        .offset(offset)
    )
    if state is not None:
        query = query.where(i.state == state.value)
    return [dict(r) for r in uow.conn.execute(query).mappings()]


def tenant_id_of_slug(uow: UnitOfWork, slug: str) -> str | None:
    """The id of the tenant a status page URL names, None if no tenant has that slug."""
    t = tables.tenants.c
    found = uow.conn.execute(select(t.id).where(t.slug == slug)).scalar_one_or_none()
    return None if found is None else str(found)

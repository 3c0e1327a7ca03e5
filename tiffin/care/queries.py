"""The tenant's care documents in the database: the newest version of each kind."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select

from tiffin.care.policy import DEFAULT_POLICY, CompensationPolicy, load_policy
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork


def latest_document(uow: UnitOfWork, tenant_id: str, kind: str) -> dict[str, Any] | None:
    """The newest version of the tenant's ``kind`` document (playbook, compensation), if any."""
    p = tables.tenant_policies.c
    newest = (
        select(func.max(p.version)).where(p.tenant_id == tenant_id, p.kind == kind)
    ).scalar_subquery()
    row = uow.conn.execute(
        select(p.document).where(
            and_(p.tenant_id == tenant_id, p.kind == kind, p.version == newest)
        )
    ).first()
    return dict(row.document) if row else None


def policy_for(uow: UnitOfWork, tenant_id: str) -> CompensationPolicy:
    """The tenant's compensation policy in force (the default until they save one)."""
    document = latest_document(uow, tenant_id, "compensation")
    return load_policy(document) if document else DEFAULT_POLICY

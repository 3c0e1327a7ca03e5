"""The care desk and the tenant's care documents, read from the database: the newest policy
version, the call list and the engine's notices."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select

from tiffin.care.policy import DEFAULT_POLICY, CompensationPolicy, load_policy
from tiffin.errors import Invalid
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork
from tiffin.store.upsert import insert_ignore


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


def store_version(
    uow: UnitOfWork,
    tenant_id: str,
    kind: str,
    *,
    version: int,
    current: int,
    document: dict[str, Any],
    author: str,
) -> int:
    """Store a validated tenant document as a new version. Versions only go up, so anything
    decided under a document can always say which version it was."""
    if version <= current:
        raise Invalid(
            f"version must go up: the current {kind} is version {current}", code="stale_version"
        )
    stored = insert_ignore(
        uow.conn,
        tables.tenant_policies,
        {
            "tenant_id": tenant_id,
            "kind": kind,
            "version": version,
            "document": document,
            "created_by": author,
            "created_at": uow.clock.now(),
        },
    )
    if not stored:  # a concurrent upload took this version first: the serial path's answer
        raise Invalid(
            f"version must go up: version {version} of the {kind} is already stored",
            code="stale_version",
        )
    return version


def policy_for(uow: UnitOfWork, tenant_id: str) -> CompensationPolicy:
    """The tenant's compensation policy in force (the default until they save one)."""
    document = latest_document(uow, tenant_id, "compensation")
    return load_policy(document) if document else DEFAULT_POLICY


def open_calls(
    uow: UnitOfWork, tenant_id: str, *, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    """Customers still waiting for a phone call, most urgent first, with what they were told."""
    c = tables.call_list.c
    n = tables.notifications.c
    query = (
        select(c.id, c.customer_id, c.phone, c.priority, c.created_at, n.title, n.body, n.order_id)
        .join(tables.notifications, n.id == c.notification_id)
        .where(c.tenant_id == tenant_id, c.done_at.is_(None))
        .order_by(c.priority.desc(), c.created_at, c.id)
        .limit(limit)
        .offset(offset)
    )
    return [dict(r) for r in uow.conn.execute(query).mappings()]


def recent_notices(
    uow: UnitOfWork, tenant_id: str, *, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    """The newest notices the engine left for the tenant's operators."""
    t = tables.operator_notices.c
    query = (
        select(t.id, t.kind, t.text, t.created_at)
        .where(t.tenant_id == tenant_id)
        .order_by(t.created_at.desc(), t.id)
        .limit(limit)
        .offset(offset)
    )
    return [dict(r) for r in uow.conn.execute(query).mappings()]

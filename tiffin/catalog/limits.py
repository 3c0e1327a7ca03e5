"""Bounds on what one merchant can create: a menu of at most ``MAX_MENU_ITEMS`` items, and a
name no other merchant of the tenant already uses (customers tell merchants apart by name)."""

from __future__ import annotations

from sqlalchemy import func, select

from tiffin.errors import Conflict
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

MAX_MENU_ITEMS = 200


def refuse_full_menu(uow: UnitOfWork, merchant_id: str) -> None:
    items = tables.menu_items.c
    count = uow.conn.execute(
        select(func.count()).select_from(tables.menu_items).where(items.merchant_id == merchant_id)
    ).scalar_one()
    if count >= MAX_MENU_ITEMS:
        raise Conflict(
            f"a menu holds at most {MAX_MENU_ITEMS} items; change or mark unavailable an "
            "existing one instead",
            code="menu_full",
        )


def refuse_duplicate_name(uow: UnitOfWork, tenant_id: str, name: str) -> None:
    m = tables.merchants.c
    taken = uow.conn.execute(
        select(m.id).where(
            m.tenant_id == tenant_id, func.lower(func.trim(m.name)) == name.strip().lower()
        )
    ).first()
    if taken is not None:
        raise Conflict(
            f"a merchant named {name.strip()!r} already trades here; choose another name",
            code="merchant_name_taken",
        )

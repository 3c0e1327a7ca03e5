"""Bounds on what one merchant can create: a menu of at most ``MAX_MENU_ITEMS`` items, and a
name no other merchant of the tenant already uses (customers tell merchants apart by name)."""

from __future__ import annotations

from tiffin.errors import Conflict
from tiffin.store.uow import UnitOfWork

MAX_MENU_ITEMS = 200


def refuse_full_menu(uow: UnitOfWork, merchant_id: str) -> None:
    if uow.menu_items.count_of(merchant_id) >= MAX_MENU_ITEMS:
        raise Conflict(
            f"a menu holds at most {MAX_MENU_ITEMS} items; change or mark unavailable an "
            "existing one instead",
            code="menu_full",
        )


def refuse_duplicate_name(uow: UnitOfWork, tenant_id: str, name: str) -> None:
    if uow.merchants.name_taken(tenant_id, name):
        raise Conflict(
            f"a merchant named {name.strip()!r} already trades here; choose another name",
            code="merchant_name_taken",
        )

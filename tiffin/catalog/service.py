"""Merchant and menu use cases. Merchants change only their own menu; everyone in the tenant
may browse open merchants."""

from __future__ import annotations

from tiffin.accounts import vetting
from tiffin.catalog import limits
from tiffin.domain.geo import LatLon
from tiffin.domain.ids import new_id
from tiffin.domain.people import MenuItem, Merchant, served
from tiffin.domain.principals import Principal, Role
from tiffin.errors import Forbidden, Invalid, NotFound
from tiffin.store.uow import UnitOfWork
from tiffin.tenancy.service import zones_of


def register_merchant(
    uow: UnitOfWork,
    *,
    tenant_id: str,
    name: str,
    location: LatLon,
    prep_minutes: int,
    is_open: bool = True,
) -> Merchant:
    if not served(zones_of(uow, tenant_id), location):
        raise Invalid("the merchant's address is outside every zone", code="address_outside_zones")
    limits.refuse_duplicate_name(uow, tenant_id, name)
    merchant = Merchant(
        id=new_id("mer"),
        tenant_id=tenant_id,
        name=name,
        location=location,
        prep_minutes=prep_minutes,
        is_open=is_open,
    )
    uow.merchants.add(merchant)
    return merchant


def merchant_in_tenant(uow: UnitOfWork, principal: Principal, merchant_id: str) -> Merchant:
    merchant = uow.merchants.get(merchant_id)
    hidden = principal.role is not Role.OPERATOR and merchant is not None
    if hidden and vetting.status_of(uow, merchant_id) is not vetting.Review.APPROVED:
        merchant = None  # an account still in review is nobody's business but the operator's
    if merchant is None or merchant.tenant_id != principal.tenant_id:
        raise NotFound(f"no merchant with id {merchant_id!r}", resource="merchant")
    return merchant


def own_merchant(uow: UnitOfWork, principal: Principal) -> Merchant:
    if principal.role is not Role.MERCHANT or principal.subject_id is None:
        raise Forbidden("only a merchant account can do this", code="merchant_only")
    return uow.merchants.require(principal.subject_id)


def list_merchants(
    uow: UnitOfWork, principal: Principal, *, limit: int | None = None, offset: int = 0
) -> list[Merchant]:
    """The tenant's merchants by name; only approved ones unless an operator asks."""
    return uow.merchants.of_tenant(
        principal.tenant_id,
        approved_only=principal.role is not Role.OPERATOR,
        limit=limit,
        offset=offset,
    )


def menu_of(uow: UnitOfWork, merchant_id: str, *, only_available: bool = False) -> list[MenuItem]:
    return uow.menu_items.of_merchant(merchant_id, only_available=only_available)


def add_menu_item(
    uow: UnitOfWork, principal: Principal, *, name: str, price_cents: int, available: bool = True
) -> MenuItem:
    merchant = own_merchant(uow, principal)
    limits.refuse_full_menu(uow, merchant.id)
    item = MenuItem(
        id=new_id("itm"),
        merchant_id=merchant.id,
        name=name,
        price_cents=price_cents,
        available=available,
    )
    uow.menu_items.add(item)
    return item


def update_menu_item(
    uow: UnitOfWork,
    principal: Principal,
    item_id: str,
    *,
    name: str | None = None,
    price_cents: int | None = None,
    available: bool | None = None,
) -> MenuItem:
    merchant = own_merchant(uow, principal)
    item = uow.menu_items.get(item_id)
    if item is None or item.merchant_id != merchant.id:
        raise NotFound(f"no menu item with id {item_id!r} on your menu", resource="menu item")
    if name is not None:
        item.name = name
    if price_cents is not None:
        item.price_cents = price_cents
    if available is not None:
        item.available = available
    uow.menu_items.save(item)
    return item


def update_merchant(
    uow: UnitOfWork,
    principal: Principal,
    *,
    is_open: bool | None = None,
    prep_minutes: int | None = None,
) -> Merchant:
    merchant = own_merchant(uow, principal)
    if is_open:
        vetting.require_approved(uow, merchant.id)
    if is_open is not None:
        merchant.is_open = is_open
    if prep_minutes is not None:
        merchant.prep_minutes = prep_minutes
    uow.merchants.save(merchant)
    return merchant

"""/v1/merchants: browse merchants and menus; merchants manage their own."""

from __future__ import annotations

from fastapi import APIRouter, status

from tiffin.api.deps import CurrentPrincipal, UowFactoryDep
from tiffin.api.paging import PageDep
from tiffin.api.problems import error_responses
from tiffin.catalog import service
from tiffin.catalog.schemas import (
    MenuItemCreate,
    MenuItemRead,
    MenuItemUpdate,
    MerchantDetail,
    MerchantRead,
    MerchantUpdate,
)
from tiffin.domain.principals import Role
from tiffin.domain.priorities import Priority, priority

router = APIRouter(
    prefix="/v1/merchants",
    tags=["merchants"],
    responses=error_responses(400, 401, 403, 404, 409, 422),
)


@priority(Priority.DEFERRABLE, feature="browse")
@router.get("")
def list_merchants(
    open_uow: UowFactoryDep, principal: CurrentPrincipal, page: PageDep
) -> list[MerchantRead]:
    """The merchants of the caller's tenant, for choosing where to order."""
    with open_uow(read_only=True) as uow:
        found = service.list_merchants(uow, principal, limit=page.rows, offset=page.offset)
    return [MerchantRead.of(m) for m in page.window(found)]


@priority(Priority.IMPORTANT)
@router.get("/me")
def my_merchant(open_uow: UowFactoryDep, principal: CurrentPrincipal) -> MerchantDetail:
    """The merchant the calling merchant account runs, with its menu."""
    with open_uow(read_only=True) as uow:
        merchant = service.own_merchant(uow, principal)
        menu = [MenuItemRead.of(i) for i in service.menu_of(uow, merchant.id)]
    return MerchantDetail(**MerchantRead.of(merchant).model_dump(), menu=menu)


@priority(Priority.IMPORTANT)
@router.patch("/me")
def update_my_merchant(
    body: MerchantUpdate, open_uow: UowFactoryDep, principal: CurrentPrincipal
) -> MerchantRead:
    """The merchant opens or closes its kitchen, or changes its preparation time."""
    with open_uow() as uow:
        merchant = service.update_merchant(
            uow, principal, is_open=body.is_open, prep_minutes=body.prep_minutes
        )
        uow.commit()
    return MerchantRead.of(merchant)


@priority(Priority.IMPORTANT)
@router.post("/me/menu", status_code=status.HTTP_201_CREATED)
def add_menu_item(
    body: MenuItemCreate, open_uow: UowFactoryDep, principal: CurrentPrincipal
) -> MenuItemRead:
    """The merchant adds a dish to its menu."""
    with open_uow() as uow:
        item = service.add_menu_item(
            uow, principal, name=body.name, price_cents=body.price_cents, available=body.available
        )
        uow.commit()
    return MenuItemRead.of(item)


@priority(Priority.IMPORTANT)
@router.patch("/me/menu/{item_id}")
def update_menu_item(
    item_id: str, body: MenuItemUpdate, open_uow: UowFactoryDep, principal: CurrentPrincipal
) -> MenuItemRead:
    """The merchant changes a dish: price, name or whether it is available."""
    with open_uow() as uow:
        item = service.update_menu_item(
            uow,
            principal,
            item_id,
            name=body.name,
            price_cents=body.price_cents,
            available=body.available,
        )
        uow.commit()
    return MenuItemRead.of(item)


@priority(Priority.IMPORTANT)
@router.get("/{merchant_id}")
def merchant_detail(
    merchant_id: str, open_uow: UowFactoryDep, principal: CurrentPrincipal
) -> MerchantDetail:
    """One merchant and its menu, as a customer sees it before ordering."""
    with open_uow(read_only=True) as uow:
        merchant = service.merchant_in_tenant(uow, principal, merchant_id)
        customer_view = principal.role is Role.CUSTOMER
        menu = [
            MenuItemRead.of(i)
            for i in service.menu_of(uow, merchant.id, only_available=customer_view)
        ]
    return MerchantDetail(**MerchantRead.of(merchant).model_dump(), menu=menu)

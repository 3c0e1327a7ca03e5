"""/v1/merchants: browse merchants and menus; merchants manage their own."""

from __future__ import annotations

from fastapi import APIRouter, status

from tiffin.accounts.model import Role
from tiffin.api.deps import CurrentPrincipal, PlatformDep
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
from tiffin.domain.priorities import Priority, priority

router = APIRouter(
    prefix="/v1/merchants",
    tags=["merchants"],
    responses=error_responses(400, 401, 403, 404, 409, 422),
)


@priority(Priority.DEFERRABLE, feature="browse")
@router.get("")
def list_merchants(
    platform: PlatformDep, principal: CurrentPrincipal, page: PageDep
) -> list[MerchantRead]:
    with platform.uow(read_only=True) as uow:
        found = service.list_merchants(uow, principal, limit=page.rows, offset=page.offset)
    return [MerchantRead.of(m) for m in page.window(found)]


@priority(Priority.IMPORTANT)
@router.get("/me")
def my_merchant(platform: PlatformDep, principal: CurrentPrincipal) -> MerchantDetail:
    with platform.uow(read_only=True) as uow:
        merchant = service.own_merchant(uow, principal)
        menu = [MenuItemRead.of(i) for i in service.menu_of(uow, merchant.id)]
    return MerchantDetail(**MerchantRead.of(merchant).model_dump(), menu=menu)


@priority(Priority.IMPORTANT)
@router.patch("/me")
def update_my_merchant(
    body: MerchantUpdate, platform: PlatformDep, principal: CurrentPrincipal
) -> MerchantRead:
    with platform.uow() as uow:
        merchant = service.update_merchant(
            uow, principal, is_open=body.is_open, prep_minutes=body.prep_minutes
        )
        uow.commit()
    return MerchantRead.of(merchant)


@priority(Priority.IMPORTANT)
@router.post("/me/menu", status_code=status.HTTP_201_CREATED)
def add_menu_item(
    body: MenuItemCreate, platform: PlatformDep, principal: CurrentPrincipal
) -> MenuItemRead:
    with platform.uow() as uow:
        item = service.add_menu_item(
            uow, principal, name=body.name, price_cents=body.price_cents, available=body.available
        )
        uow.commit()
    return MenuItemRead.of(item)


@priority(Priority.IMPORTANT)
@router.patch("/me/menu/{item_id}")
def update_menu_item(
    item_id: str, body: MenuItemUpdate, platform: PlatformDep, principal: CurrentPrincipal
) -> MenuItemRead:
    with platform.uow() as uow:
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
    merchant_id: str, platform: PlatformDep, principal: CurrentPrincipal
) -> MerchantDetail:
    with platform.uow(read_only=True) as uow:
        merchant = service.merchant_in_tenant(uow, principal, merchant_id)
        customer_view = principal.role is Role.CUSTOMER
        menu = [
            MenuItemRead.of(i)
            for i in service.menu_of(uow, merchant.id, only_available=customer_view)
        ]
    return MerchantDetail(**MerchantRead.of(merchant).model_dump(), menu=menu)

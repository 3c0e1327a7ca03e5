"""Building data for integration tests through the same services the API uses."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from tiffin.domain.principals import Principal, Role
from tiffin.ordering.checkout_cache import CheckoutCatalog
from tiffin.ordering.service import LineRequest, place_order
from tiffin.platform import Platform
from tiffin.seed import seed_demo
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork


@dataclass(frozen=True)
class DemoIds:
    tenant_id: str
    customer: Principal
    merchant_id: str
    item_id: str
    rider_ids: list[str]


def seeded(platform: Platform) -> DemoIds:
    with platform.uow() as uow:
        seed_demo(uow)
        uow.commit()
    with platform.uow() as uow:
        users = uow.conn.execute(select(tables.users)).mappings().all()
        by_email = {u["email"]: u for u in users}
        student = by_email["student1@campus.test"]
        canteen = by_email["canteen1@campus.test"]
        item = uow.conn.execute(
            select(tables.menu_items.c.id).where(
                tables.menu_items.c.merchant_id == canteen["subject_id"]
            )
        ).first()
        riders = [u["subject_id"] for u in users if u["role"] == "rider"]
    assert item is not None
    return DemoIds(
        tenant_id=student["tenant_id"],
        customer=Principal(
            student["id"], student["tenant_id"], Role.CUSTOMER, student["subject_id"]
        ),
        merchant_id=canteen["subject_id"],
        item_id=item.id,
        rider_ids=riders,
    )


def place_demo_order(
    platform: Platform, ids: DemoIds, *, uow: UnitOfWork | None = None, commit: bool = True
) -> str:
    def work(u: UnitOfWork) -> str:
        order = place_order(
            u, ids.customer, merchant_id=ids.merchant_id, lines=[LineRequest(ids.item_id, 2)]
        )
        if commit:
            u.commit()
        return order.id

    if uow is not None:
        return work(uow)
    with platform.uow() as fresh:
        return work(fresh)


def place_from(uow: UnitOfWork, ids: DemoIds, catalog: CheckoutCatalog) -> str:
    """Place one demo order in ``uow`` (not committed), read through ``catalog``."""
    order = place_order(
        uow,
        ids.customer,
        merchant_id=ids.merchant_id,
        lines=[LineRequest(ids.item_id, 1)],
        catalog=catalog,
    )
    return order.id


def warm_catalog(platform: Platform) -> tuple[DemoIds, CheckoutCatalog]:
    """The demo campus, and a catalog holding copies from one order placed and committed."""
    ids = seeded(platform)
    catalog = CheckoutCatalog()
    with platform.uow() as uow:
        place_from(uow, ids, catalog)
        uow.commit()
    return ids, catalog

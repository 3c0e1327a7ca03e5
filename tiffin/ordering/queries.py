"""The reads checkout needs, two round trips instead of five: placing an order is the hottest
write path, and on PostgreSQL each round trip costs more CPU than the work it carries.

Each read also returns the tenant's catalog version as of the same snapshot, so that
``tiffin.ordering.checkout_cache`` can keep a copy and know when it is stale."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, Table, bindparam, select

from tiffin.domain.people import Customer, MenuItem, Merchant, Tenant, Zone
from tiffin.store import mapping, tables
from tiffin.store.staging import catalog_version_of
from tiffin.store.uow import UnitOfWork


@dataclass(frozen=True)
class Buyer:
    customer: Customer
    tenant: Tenant
    zones: list[Zone]
    catalog_version: int = 0


@dataclass(frozen=True)
class Storefront:
    """A merchant and its whole menu by item id."""

    merchant: Merchant
    menu: dict[str, MenuItem] = field(default_factory=dict)
    catalog_version: int = 0


def _buyer_query() -> Select[Any]:
    c, t, z = tables.customers, tables.tenants, tables.zones
    return (
        select(
            catalog_version_of(c.c.tenant_id).label("catalog_version"),
            c,
            *[col.label(f"t_{col.name}") for col in t.c],
            *[col.label(f"z_{col.name}") for col in z.c],
        )
        .join(t, t.c.id == c.c.tenant_id)
        .outerjoin(z, z.c.tenant_id == t.c.id)
        .where(c.c.id == bindparam("customer_id"))
    )


# Built once: constructing a select with dozens of labelled columns costs more CPU than running
# it, and a reused statement also keeps its cache key.
_BUYER = _buyer_query()


def buyer(uow: UnitOfWork, customer_id: str) -> Buyer | None:
    """The customer, their tenant and the tenant's zones, in one query."""
    rows = uow.conn.execute(_BUYER, {"customer_id": customer_id}).all()
    if not rows:
        return None
    c = 1 + len(_CUSTOMER)
    t = c + len(_TENANT)
    first = rows[0]
    customer = mapping.customer_from(dict(zip(_CUSTOMER, first[1:c], strict=True)))
    tenant = mapping.tenant_from(dict(zip(_TENANT, first[c:t], strict=True)))
    zones = [
        mapping.zone_from(dict(zip(_ZONE, r[t:], strict=True))) for r in rows if r[t] is not None
    ]
    return Buyer(customer, tenant, zones, int(first[0]))


def _menu_query() -> Select[Any]:
    m, i = tables.merchants, tables.menu_items
    return (
        select(
            catalog_version_of(m.c.tenant_id).label("catalog_version"),
            m,
            *[col.label(f"i_{col.name}") for col in i.c],
        )
        .outerjoin(i, i.c.merchant_id == m.c.id)
        .where(m.c.id == bindparam("merchant_id"), m.c.tenant_id == bindparam("tenant_id"))
    )


_MENU = _menu_query()


def storefront(uow: UnitOfWork, merchant_id: str, tenant_id: str) -> Storefront | None:
    """The merchant (if in this tenant) and its whole menu, in one query."""
    params = {"merchant_id": merchant_id, "tenant_id": tenant_id}
    rows = uow.conn.execute(_MENU, params).all()
    if not rows:
        return None
    m = 1 + len(_MERCHANT)
    merchant = mapping.merchant_from(dict(zip(_MERCHANT, rows[0][1:m], strict=True)))
    items = [
        mapping.menu_item_from(dict(zip(_ITEM, r[m:], strict=True)))
        for r in rows
        if r[m] is not None  # a merchant with no menu yet: one row, its item columns null
    ]
    return Storefront(merchant, {item.id: item for item in items}, int(rows[0][0]))


def _names(table: Table) -> tuple[str, ...]:
    return tuple(column.name for column in table.columns)


# Column names in the order the queries above select them (after the catalog version): rows
# are read by position, which spares building a keyed mapping per row.
_CUSTOMER, _TENANT, _ZONE = _names(tables.customers), _names(tables.tenants), _names(tables.zones)
_MERCHANT, _ITEM = _names(tables.merchants), _names(tables.menu_items)

"""The reads checkout needs, two round trips instead of five: placing an order is the hottest
write path, and on PostgreSQL each round trip costs more CPU than the work it carries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, Table, bindparam, select

from tiffin.domain.people import Customer, MenuItem, Merchant, Tenant, Zone
from tiffin.store import mapping, tables
from tiffin.store.uow import UnitOfWork


@dataclass(frozen=True)
class Buyer:
    customer: Customer
    tenant: Tenant
    zones: list[Zone]


def _buyer_query() -> Select[Any]:
    c, t, z = tables.customers, tables.tenants, tables.zones
    return (
        select(
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
    c, t, z = tables.customers, tables.tenants, tables.zones
    rows = [dict(r) for r in uow.conn.execute(_BUYER, {"customer_id": customer_id}).mappings()]
    if not rows:
        return None
    first = rows[0]
    customer = mapping.customer_from({k: first[k] for k in _names(c)})
    tenant = mapping.tenant_from({k: first[f"t_{k}"] for k in _names(t)})
    zones = [
        mapping.zone_from({k: r[f"z_{k}"] for k in _names(z)})
        for r in rows
        if r["z_id"] is not None
    ]
    return Buyer(customer, tenant, zones)


def _menu_query() -> Select[Any]:
    m, i = tables.merchants, tables.menu_items
    return (
        select(m, *[col.label(f"i_{col.name}") for col in i.c])
        .outerjoin(i, i.c.merchant_id == m.c.id)
        .where(m.c.id == bindparam("merchant_id"), m.c.tenant_id == bindparam("tenant_id"))
    )


_MENU = _menu_query()


def merchant_with_menu(
    uow: UnitOfWork, merchant_id: str, tenant_id: str
) -> tuple[Merchant | None, dict[str, MenuItem]]:
    """The merchant (if in this tenant) and its whole menu, in one query."""
    m, i = tables.merchants, tables.menu_items
    params = {"merchant_id": merchant_id, "tenant_id": tenant_id}
    rows = [dict(r) for r in uow.conn.execute(_MENU, params).mappings()]
    if not rows:
        return None, {}
    merchant = mapping.merchant_from({k: rows[0][k] for k in _names(m)})
    menu = {
        r["i_id"]: mapping.menu_item_from({k: r[f"i_{k}"] for k in _names(i)})
        for r in rows
        if r["i_id"] is not None
    }
    return merchant, menu


def _names(table: Table) -> list[str]:
    return [column.name for column in table.columns]

"""Checkout's read copies (tiffin/ordering/checkout_cache.py): triggers keep a per-tenant catalog
version, placement reuses copies, and a stale copy never gets an order written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from tests.integration.helpers import DemoIds, place_from, seeded, warm_catalog
from tests.integration.test_staging import count, statements
from tiffin.domain.principals import Principal, Role
from tiffin.domain.weather import STORM_BUFFER_MINUTES
from tiffin.errors import CatalogChanged
from tiffin.ordering.checkout_cache import CheckoutCatalog
from tiffin.platform import Platform
from tiffin.safety.weather.service import declare
from tiffin.seed import seed_demo
from tiffin.store import tables


def version(platform: Platform, tenant_id: str) -> int:
    with platform.uow(read_only=True) as uow:
        v = tables.catalog_versions.c
        found = uow.conn.execute(select(v.version).where(v.tenant_id == tenant_id)).scalar()
    return int(found or 0)


CHANGES = {
    "tenant": "UPDATE tenants SET delivery_fee_cents = delivery_fee_cents + 1",
    "zone": "UPDATE zones SET name = name || '!'",
    "merchant": "UPDATE merchants SET is_open = NOT is_open",
    "menu item price": "UPDATE menu_items SET price_cents = price_cents + 10",
    "new menu item": (
        "INSERT INTO menu_items (id, merchant_id, name, price_cents, available) "
        "SELECT 'itm_new', id, 'New dish', 500, true FROM merchants LIMIT 1"
    ),
    "deleted menu item": "DELETE FROM menu_items WHERE id NOT IN (SELECT item_id FROM order_lines)",
    "new zone": (
        "INSERT INTO zones (id, tenant_id, name, polygon) "
        "SELECT 'zon_new', tenant_id, 'Annex', polygon FROM zones LIMIT 1"
    ),
    "customer": "UPDATE customers SET address_note = 'gate 2'",
    "storm declared": (
        "INSERT INTO force_majeure (id, tenant_id, starts_at, ends_at, reason, created_by,"
        " created_at) SELECT 'fmj_new', id, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'storm', 'ops',"
        " CURRENT_TIMESTAMP FROM tenants"
    ),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_change_to_what_checkout_reads_moves_the_version(
    platform: Platform, change: str
) -> None:
    ids = seeded(platform)
    before = version(platform, ids.tenant_id)
    with platform.db.engine.begin() as conn:  # plain SQL: as a tool or another process would
        conn.execute(text(CHANGES[change]))
    assert version(platform, ids.tenant_id) > before


def test_a_new_customer_or_merchant_leaves_the_version_alone(platform: Platform) -> None:
    """Sign-ups are frequent and change nobody's copy."""
    ids = seeded(platform)
    before = version(platform, ids.tenant_id)
    with platform.db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customers (id, tenant_id, name, lat, lon, address_note, language,"
                " phone, contact_channel) SELECT 'cus_new', tenant_id, 'New', lat, lon, '',"
                " 'en', '', 'push' FROM customers LIMIT 1"
            )
        )
        conn.execute(
            text(
                "INSERT INTO merchants (id, tenant_id, name, lat, lon, prep_minutes, is_open)"
                " SELECT 'mer_new', tenant_id, 'New', lat, lon, 10, true FROM merchants LIMIT 1"
            )
        )
    assert version(platform, ids.tenant_id) == before


def test_orders_and_other_tenants_leave_the_version_alone(platform: Platform) -> None:
    ids, catalog = warm_catalog(platform)
    before = version(platform, ids.tenant_id)
    with platform.uow() as uow:
        place_from(uow, ids, catalog)
        uow.commit()
    with platform.uow() as uow:
        seed_demo(uow, slug="elsewhere")  # another tenant's whole catalog
        uow.commit()
    assert version(platform, ids.tenant_id) == before


def test_a_second_order_is_placed_from_the_copies(platform: Platform) -> None:
    ids, catalog = warm_catalog(platform)
    with platform.uow() as uow, statements(platform) as sent:
        place_from(uow, ids, catalog)
        uow.commit()
    reads = [s for s in sent if s.startswith("SELECT") and "FROM customers" in s]
    assert reads == []
    assert not any("FROM merchants" in s for s in sent)


def test_a_stale_copy_writes_nothing_and_is_dropped(platform: Platform) -> None:
    ids, catalog = warm_catalog(platform)
    assert len(catalog) == 2
    with platform.db.engine.begin() as conn:  # sold out, behind the copy's back
        conn.execute(text("UPDATE menu_items SET available = false"))
    with platform.uow() as uow:
        stale = place_from(
            uow, ids, catalog
        )  # priced from the copy: the item still looks available
        with pytest.raises(CatalogChanged):
            uow.commit(claim=(tables.idempotency_keys, claim(platform, ids)))
    assert len(catalog) == 0
    with platform.uow(read_only=True) as uow:
        assert count(uow, tables.orders, id=stale) == 0
        assert count(uow, tables.outbox, aggregate_id=stale) == 0
        assert count(uow, tables.idempotency_keys, key="k-stale") == 0
        placed = uow.conn.execute(select(func.count()).select_from(tables.orders)).scalar()
    assert placed == 1


def test_a_guard_without_a_claim_also_holds(platform: Platform) -> None:
    ids, catalog = warm_catalog(platform)
    with platform.db.engine.begin() as conn:
        conn.execute(text("UPDATE merchants SET prep_minutes = prep_minutes + 5"))
    with platform.uow() as uow:
        stale = place_from(uow, ids, catalog)
        with pytest.raises(CatalogChanged):
            uow.commit()
    with platform.uow(read_only=True) as uow:
        assert count(uow, tables.orders, id=stale) == 0


def claim(platform: Platform, ids: DemoIds) -> dict[str, object]:
    return {
        "user_id": ids.customer.user_id,
        "key": "k-stale",
        "request_hash": "h",
        "status_code": 201,
        "response": {},
        "created_at": platform.clock.now(),
    }


def test_copies_are_bounded(platform: Platform) -> None:
    ids = seeded(platform)
    catalog = CheckoutCatalog(capacity=1)
    with platform.uow() as uow:
        place_from(uow, ids, catalog)
        uow.commit()
    assert len(catalog) == 2  # one buyer, one storefront
    nothing = CheckoutCatalog(capacity=0)
    with platform.uow() as uow:
        place_from(uow, ids, nothing)
        uow.commit()
    assert len(nothing) == 0


def test_reads_at_two_versions_in_one_transaction_are_stale(platform: Platform) -> None:
    ids = seeded(platform)
    dropped: list[str] = []
    with platform.uow() as uow:
        uow.guard_catalog(ids.tenant_id, 5, on_stale=dropped.append)
        uow.guard_catalog(ids.tenant_id, 5)  # the same read again: fine
        with pytest.raises(CatalogChanged):
            uow.guard_catalog(ids.tenant_id, 6, on_stale=dropped.append)
        with pytest.raises(RuntimeError):
            uow.guard_catalog("ten_other", 5)
    assert dropped == [ids.tenant_id]


def test_a_warm_checkout_in_a_storm_reads_no_windows_and_is_promised_the_buffer(
    platform: Platform,
) -> None:
    """Weather rides in checkout's copies: with a storm declared, the second order sends exactly
    the statements an order sends with no storm at all, none of them about windows."""
    ids, catalog = warm_catalog(platform)
    with platform.uow() as uow, statements(platform) as calm:
        calm_id = place_from(uow, ids, catalog)
        uow.commit()
    now = platform.clock.now()
    with platform.uow() as uow:
        declare(
            uow,
            Principal("usr_ops", ids.tenant_id, Role.OPERATOR, None),
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=1),
            reason="typhoon",
        )
        uow.commit()
    with platform.uow() as uow:  # the version moved: the copies are caught stale, dropped
        place_from(uow, ids, catalog)
        with pytest.raises(CatalogChanged):
            uow.commit()
    with platform.uow() as uow, statements(platform) as cold:  # fresh reads, windows among them
        place_from(uow, ids, catalog)
        uow.commit()
    assert len([s for s in cold if "force_majeure" in s]) == 1
    with platform.uow() as uow, statements(platform) as stormy:
        stormy_id = place_from(uow, ids, catalog)
        uow.commit()
    assert len(stormy) == len(calm)
    assert not any("force_majeure" in s for s in stormy)
    with platform.uow(read_only=True) as uow:
        promised = {i: uow.orders.get(i).promised_at for i in (calm_id, stormy_id)}
    assert promised[stormy_id] - promised[calm_id] == timedelta(minutes=STORM_BUFFER_MINUTES)

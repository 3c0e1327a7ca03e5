"""A small tenant for service unit tests, built in a ``FakeUnitOfWork``: one zone around the
campus, one canteen with a menu, one customer, two riders."""

from __future__ import annotations

from datetime import timedelta

from tests.unit.fakes import FakeUnitOfWork
from tiffin.domain.geo import LatLon
from tiffin.domain.order import Order, OrderLine
from tiffin.domain.people import MenuItem, Merchant, Rider, Tenant, Zone
from tiffin.domain.principals import Principal, Role

TENANT = "ten_campus"
CAMPUS = LatLon(31.0330, 121.4400)
OPERATOR = Principal("usr_ops", TENANT, Role.OPERATOR, None)
CUSTOMER = Principal("usr_student", TENANT, Role.CUSTOMER, "cus_1")
OTHER_CUSTOMER = Principal("usr_student2", TENANT, Role.CUSTOMER, "cus_2")
MERCHANT = Principal("usr_canteen", TENANT, Role.MERCHANT, "mer_1")
RIDER = Principal("usr_rider1", TENANT, Role.RIDER, "rdr_1")
OTHER_RIDER = Principal("usr_rider2", TENANT, Role.RIDER, "rdr_2")


def square(centre: LatLon, half: float) -> tuple[LatLon, ...]:
    lat, lon = centre.lat, centre.lon
    return (
        LatLon(lat - half, lon - half),
        LatLon(lat - half, lon + half),
        LatLon(lat + half, lon + half),
        LatLon(lat + half, lon - half),
    )


def build_campus(uow: FakeUnitOfWork) -> None:
    """Add the tenant, its zone, the canteen and its menu, and two riders; commit."""
    uow.tenants.add(Tenant(TENANT, "campus", "Campus"))
    uow.zones.add(Zone("zon_1", TENANT, "campus", square(CAMPUS, 0.01)))
    uow.merchants.add(Merchant("mer_1", TENANT, "North Canteen", CAMPUS))
    uow.menu_items.add(MenuItem("itm_rice", "mer_1", "Rice bowl", 1200))
    uow.menu_items.add(MenuItem("itm_dumplings", "mer_1", "Dumplings", 900, available=False))
    uow.riders.add(Rider("rdr_1", TENANT, "Li"))
    uow.riders.add(Rider("rdr_2", TENANT, "Wang"))
    uow.commit()


def place(
    uow: FakeUnitOfWork, order_id: str = "ord_1", *, customer_id: str = "cus_1", minutes: int = 0
) -> Order:
    """An order placed ``minutes`` after the clock's now, added to the unit of work."""
    at = uow.clock.now() + timedelta(minutes=minutes)
    order = Order.place(
        id=order_id,
        tenant_id=TENANT,
        customer_id=customer_id,
        merchant_id="mer_1",
        lines=[OrderLine("itm_rice", "Rice bowl", 1, 1200)],
        dropoff=CAMPUS,
        delivery_fee_cents=300,
        placed_at=at,
        promised_at=at + timedelta(minutes=30),
    )
    uow.orders.add(order)
    return order

"""The demo campus: canteens with menus, dorm-block customers, riders and an operator, created
through the same services the API uses."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from tiffin.accounts.service import create_user, hash_password
from tiffin.catalog.service import register_merchant
from tiffin.domain.geo import LatLon
from tiffin.domain.ids import new_id
from tiffin.domain.people import Customer, MenuItem, VehicleType
from tiffin.domain.principals import Role
from tiffin.riders.service import register_rider
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork
from tiffin.tenancy.service import add_zone, create_tenant

DEMO_TENANT = "campus"
# The live simulated day of ``make run`` plays on a tenant of its own: a tenant is the unit
# everything is kept apart by (dispatch, riders, budgets, the exception queue), so the
# simulated people can never take, cook or be offered the orders of a reader trying the API.
SIM_TENANT = "sim"
DEMO_PASSWORD = "tiffin-demo"
CAMPUS = [(31.0250, 121.4300), (31.0250, 121.4500), (31.0400, 121.4500), (31.0400, 121.4300)]

CANTEENS = [
    (
        "North Canteen",
        LatLon(31.0370, 121.4350),
        10,
        [("Braised pork rice", 1600), ("Tomato egg noodles", 1200), ("Green tea", 400)],
    ),
    (
        "Lakeside Noodles",
        LatLon(31.0300, 121.4450),
        8,
        [("Beef noodle soup", 1800), ("Dumplings (12)", 1500), ("Soy milk", 300)],
    ),
    (
        "South Bakery",
        LatLon(31.0270, 121.4330),
        6,
        [("Pork floss bun", 600), ("Egg tart", 500), ("Latte", 1500)],
    ),
]
CUSTOMERS = [
    ("Li Wei", LatLon(31.0380, 121.4470), "Dorm 3, room 512", "zh-CN"),
    ("Maya Patel", LatLon(31.0280, 121.4480), "Library, front desk", "en"),
    ("Chen Jing", LatLon(31.0330, 121.4320), "Teaching Building B, 2F", "zh-CN"),
]
RIDERS = [
    ("Zhang Min", VehicleType.EBIKE),
    ("Sam Okafor", VehicleType.BICYCLE),
    ("Wang Fang", VehicleType.EBIKE),
    ("Ana Silva", VehicleType.SCOOTER),
]


@dataclass(frozen=True)
class Login:
    role: str
    email: str
    name: str


def demo_logins(slug: str = DEMO_TENANT) -> list[Login]:
    """The accounts ``seed_demo`` creates, without touching the database."""
    logins = [Login("operator", f"ops@{slug}.test", "Campus dispatch desk")]
    logins += [
        Login("merchant", f"canteen{n}@{slug}.test", c[0]) for n, c in enumerate(CANTEENS, 1)
    ]
    logins += [
        Login("customer", f"student{n}@{slug}.test", c[0]) for n, c in enumerate(CUSTOMERS, 1)
    ]
    logins += [Login("rider", f"rider{n}@{slug}.test", r[0]) for n, r in enumerate(RIDERS, 1)]
    return logins


def database_is_empty(uow: UnitOfWork) -> bool:
    return not uow.conn.execute(select(func.count()).select_from(tables.tenants)).scalar()


def seed_demo(
    uow: UnitOfWork, *, slug: str = DEMO_TENANT, password: str = DEMO_PASSWORD
) -> list[Login]:
    """Create the demo campus; returns the logins (all share one password).

    E-mails are ``<who>@<slug>.test``, so two demo tenants can live side by side.
    """
    now = uow.clock.now()
    # The demo campus is in Shanghai: its customers read Shanghai's clock in their messages.
    tenant = create_tenant(
        uow, slug=slug, name=f"Riverside University ({slug})", time_zone="Asia/Shanghai"
    )
    hashed = hash_password(password)
    add_zone(uow, tenant_id=tenant.id, name="Main campus", polygon=CAMPUS)
    logins: list[Login] = []

    def user(role: Role, who: str, name: str, subject: str | None) -> None:
        email = f"{who}@{slug}.test"
        create_user(
            uow,
            tenant_id=tenant.id,
            role=role,
            email=email,
            password_hash=hashed,
            display_name=name,
            subject_id=subject,
            now=now,
        )
        logins.append(Login(role.value, email, name))

    user(Role.OPERATOR, "ops", "Campus dispatch desk", None)
    for n, (name, where, prep, menu) in enumerate(CANTEENS, 1):
        merchant = register_merchant(
            uow, tenant_id=tenant.id, name=name, location=where, prep_minutes=prep
        )
        for item, price in menu:
            uow.menu_items.add(MenuItem(new_id("itm"), merchant.id, item, price))
        user(Role.MERCHANT, f"canteen{n}", name, merchant.id)
    for n, (name, where, note, language) in enumerate(CUSTOMERS, 1):
        customer = Customer(new_id("cus"), tenant.id, name, where, note, language)
        uow.customers.add(customer)
        user(Role.CUSTOMER, f"student{n}", name, customer.id)
    for n, (name, vehicle) in enumerate(RIDERS, 1):
        rider = register_rider(uow, tenant_id=tenant.id, name=name, vehicle=vehicle)
        user(Role.RIDER, f"rider{n}", name, rider.id)
    return logins

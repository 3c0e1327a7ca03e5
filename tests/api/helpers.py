"""Small helpers over the demo world for API tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from tests.conftest import World
from tiffin.store import tables


def menu(
    world: World, who: str = "student1", merchant: int = 0
) -> tuple[str, list[dict[str, Any]]]:
    merchants = world.client.get("/v1/merchants", headers=world.auth(who)).json()
    chosen = sorted(merchants, key=lambda m: m["name"])[merchant]
    detail = world.client.get(f"/v1/merchants/{chosen['id']}", headers=world.auth(who)).json()
    return chosen["id"], detail["menu"]


def place(
    world: World,
    who: str = "student1",
    key: str = "k-1",
    quantity: int = 1,
    merchant: int = 0,
    **extra: Any,
) -> Any:
    merchant_id, items = menu(world, who, merchant)
    body = {
        "merchant_id": merchant_id,
        "items": [{"item_id": items[0]["id"], "quantity": quantity}],
        **extra,
    }
    return world.client.post(
        "/v1/orders", json=body, headers={**world.auth(who), "Idempotency-Key": key}
    )


def count_rows(world: World, table: tables.Table) -> int:
    with world.platform.uow() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table)).scalar() or 0)


def merchant_of(world: World, order: dict[str, Any]) -> str:
    """The demo login (canteenN) that owns the order's merchant."""
    for who, subject in world.subjects.items():
        if subject == order["merchant_id"]:
            return who
    raise AssertionError("merchant not in the demo world")


ON_CAMPUS = {"location": {"lat": 31.03, "lon": 121.44}}


def assigned(world: World, key: str, rider: str = "rider1") -> Any:
    """A new order, accepted by its canteen and taken by ``rider`` (offered by the operator)."""
    c = world.client
    order = place(world, key=key).json()
    c.post(f"/v1/orders/{order['id']}/accept", headers=world.auth(merchant_of(world, order)))
    c.post("/v1/riders/me/shift/start", json=ON_CAMPUS, headers=world.auth(rider))
    offer = c.post(
        f"/v1/orders/{order['id']}/offers",
        json={"rider_id": world.subjects[rider]},
        headers=world.auth("ops"),
    ).json()
    taken = c.post(f"/v1/offers/{offer['id']}/accept", headers=world.auth(rider))
    assert taken.status_code == 200, taken.json()
    return order


def delivered(world: World, key: str, rider: str = "rider1") -> Any:
    """A new order, carried all the way to the door."""
    c = world.client
    order = assigned(world, key, rider)
    c.post(f"/v1/orders/{order['id']}/ready", headers=world.auth(merchant_of(world, order)))
    c.post(f"/v1/orders/{order['id']}/pickup", headers=world.auth(rider))
    c.post(f"/v1/orders/{order['id']}/deliver", headers=world.auth(rider))
    return order

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

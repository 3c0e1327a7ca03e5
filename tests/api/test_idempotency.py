"""Retries with the same Idempotency-Key never duplicate an order."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.api.helpers import count_rows, menu, place
from tests.conftest import World
from tiffin.store import tables


def test_retry_with_same_key_returns_first_order(world: World) -> None:
    first = place(world, key="retry-1")
    second = place(world, key="retry-1")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert count_rows(world, tables.orders) == 1


def test_same_key_with_a_different_body_is_refused_and_changes_nothing(world: World) -> None:
    place(world, key="retry-2", quantity=1)
    outbox_before = count_rows(world, tables.outbox)
    other = place(world, key="retry-2", quantity=3)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert count_rows(world, tables.orders) == 1
    assert count_rows(world, tables.outbox) == outbox_before


def test_a_retry_after_the_item_sold_out_still_gets_the_first_answer(world: World) -> None:
    """The work runs before the key is claimed (optimistic), so a failing re-run must still
    answer with the order the first request placed."""
    merchant_id, items = menu(world)
    body = {"merchant_id": merchant_id, "items": [{"item_id": items[0]["id"], "quantity": 1}]}

    def post(key: str) -> Any:
        headers = {**world.auth("student1"), "Idempotency-Key": key}
        return world.client.post("/v1/orders", json=body, headers=headers)

    first = post("retry-3")
    owner = next(w for w, s in world.subjects.items() if s == merchant_id)
    world.client.patch(
        f"/v1/merchants/me/menu/{items[0]['id']}",
        json={"available": False},
        headers=world.auth(owner),
    )
    again = post("retry-3")
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    fresh = post("retry-4")
    assert fresh.status_code == 409 and fresh.json()["code"] == "item_unavailable"
    assert count_rows(world, tables.orders) == 1


def test_keys_belong_to_one_user(world: World) -> None:
    a = place(world, who="student1", key="shared")
    b = place(world, who="student2", key="shared")
    assert a.json()["id"] != b.json()["id"]
    assert count_rows(world, tables.orders) == 2


def test_concurrent_retries_create_exactly_one_order(world: World) -> None:
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: place(world, key="storm"), range(6)))
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert count_rows(world, tables.orders) == 1


def test_order_placement_requires_a_key(world: World) -> None:
    r = world.client.post(
        "/v1/orders", json={"merchant_id": "x", "items": []}, headers=world.auth("student1")
    )
    assert r.status_code == 422

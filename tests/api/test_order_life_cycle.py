"""One order's whole life through the API, as the README walks it."""

from __future__ import annotations

from tests.api.helpers import merchant_of, place
from tests.conftest import World


def test_an_order_goes_from_placed_to_delivered(world: World) -> None:
    c = world.client
    order = place(world, quantity=2).json()
    assert order["status"] == "placed"
    assert order["total_cents"] == order["items_cents"] + order["delivery_fee_cents"]
    canteen = merchant_of(world, order)
    oid = order["id"]
    assert c.post(f"/v1/orders/{oid}/accept", headers=world.auth(canteen)).status_code == 200
    start = {"location": {"lat": 31.03, "lon": 121.44}}
    assert (
        c.post("/v1/riders/me/shift/start", json=start, headers=world.auth("rider1")).status_code
        == 201
    )
    offer = c.post(
        f"/v1/orders/{oid}/offers",
        json={"rider_id": world.subjects["rider1"]},
        headers=world.auth("ops"),
    ).json()
    offers = c.get("/v1/riders/me/offers", headers=world.auth("rider1")).json()
    assert [o["id"] for o in offers] == [offer["id"]]
    assert (
        c.post(f"/v1/offers/{offer['id']}/accept", headers=world.auth("rider1")).status_code == 200
    )
    too_early = c.post(f"/v1/orders/{oid}/pickup", headers=world.auth("rider1"))
    assert too_early.status_code == 409 and too_early.json()["code"] == "food_not_ready"
    assert c.post(f"/v1/orders/{oid}/ready", headers=world.auth(canteen)).status_code == 200
    assert c.post(f"/v1/orders/{oid}/pickup", headers=world.auth("rider1")).status_code == 200
    done = c.post(f"/v1/orders/{oid}/deliver", headers=world.auth("rider1")).json()
    assert done["status"] == "delivered"
    assert [h["action"] for h in done["history"]] == [
        "accept",
        "assign",
        "mark_ready",
        "pick_up",
        "deliver",
    ]
    world.drain()
    inbox = c.get("/v1/me/inbox", headers=world.auth("student1")).json()
    assert len(inbox) == 6  # placed + five transitions, each told once
    assert c.post("/v1/riders/me/shift/end", headers=world.auth("rider1")).status_code == 200


def test_rider_rejects_with_a_reason_and_is_not_offered_the_same_order_again(world: World) -> None:
    c = world.client
    order = place(world).json()
    c.post(f"/v1/orders/{order['id']}/accept", headers=world.auth(merchant_of(world, order)))
    c.post(
        "/v1/riders/me/shift/start",
        json={"location": {"lat": 31.03, "lon": 121.44}},
        headers=world.auth("rider2"),
    )
    offer = c.post(
        f"/v1/orders/{order['id']}/offers",
        json={"rider_id": world.subjects["rider2"]},
        headers=world.auth("ops"),
    ).json()
    no_reason = c.post(
        f"/v1/offers/{offer['id']}/reject", json={"reason": ""}, headers=world.auth("rider2")
    )
    assert no_reason.status_code == 422
    rejected = c.post(
        f"/v1/offers/{offer['id']}/reject", json={"reason": "too far"}, headers=world.auth("rider2")
    )
    assert rejected.json()["status"] == "rejected"
    again = c.post(
        f"/v1/orders/{order['id']}/offers",
        json={"rider_id": world.subjects["rider2"]},
        headers=world.auth("ops"),
    )
    assert again.status_code == 409 and again.json()["code"] == "already_offered"


def test_customer_cancels_before_acceptance_but_not_after(world: World) -> None:
    c = world.client
    first = place(world, key="a").json()
    ok = c.post(
        f"/v1/orders/{first['id']}/cancel",
        json={"reason": "changed my mind"},
        headers=world.auth("student1"),
    )
    assert ok.json()["status"] == "cancelled"
    second = place(world, key="b").json()
    c.post(f"/v1/orders/{second['id']}/accept", headers=world.auth(merchant_of(world, second)))
    late = c.post(
        f"/v1/orders/{second['id']}/cancel",
        json={"reason": "hungry elsewhere"},
        headers=world.auth("student1"),
    )
    assert late.status_code == 409 and late.json()["code"] == "too_late_to_cancel"

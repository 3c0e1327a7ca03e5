"""Contactless delivery: the customer asks for it at placement, a closed zone forces it; the
rider proves the drop with the customer's drop-off code (or a photo reference) instead of a
hand-over. The code is the customer's only; guesses are refused, counted and limited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.api.helpers import ON_CAMPUS, merchant_of, place
from tests.conftest import World

# Dorm 3, where student1 lives (tests/api/test_zone_import.py), and its gate.
DORM = [(31.0372, 121.4462), (31.0372, 121.4478), (31.0388, 121.4478), (31.0388, 121.4462)]
GATE = {"lat": 31.0368, "lon": 121.4458}


def picked_up(world: World, key: str, **extra: Any) -> dict[str, Any]:
    """A new order by student1, cooked, taken by rider1 and in the rider's bag."""
    c = world.client
    order = place(world, key=key, **extra).json()
    kitchen = world.auth(merchant_of(world, order))
    c.post(f"/v1/orders/{order['id']}/accept", headers=kitchen)
    c.post("/v1/riders/me/shift/start", json=ON_CAMPUS, headers=world.auth("rider1"))
    offer = c.post(
        f"/v1/orders/{order['id']}/offers",
        json={"rider_id": world.subjects["rider1"]},
        headers=world.auth("ops"),
    ).json()
    rider = world.auth("rider1")
    assert c.post(f"/v1/offers/{offer['id']}/accept", headers=rider).status_code == 200
    c.post(f"/v1/orders/{order['id']}/ready", headers=kitchen)
    assert c.post(f"/v1/orders/{order['id']}/pickup", headers=rider).status_code == 200
    return order


def deliver(world: World, order_id: str, body: dict[str, Any] | None, who: str = "rider1") -> Any:
    return world.client.post(f"/v1/orders/{order_id}/deliver", json=body, headers=world.auth(who))


def test_the_customer_chooses_contactless_and_alone_sees_the_code(world: World) -> None:
    placed = place(world, key="cl-1", contactless=True)
    assert placed.status_code == 201, placed.json()
    order = placed.json()
    assert order["contactless"] is True and order["handover"] is None
    code = order["dropoff_code"]
    assert len(code) == 6 and code.isdigit()
    mine = world.client.get(f"/v1/orders/{order['id']}", headers=world.auth("student1")).json()
    assert mine["dropoff_code"] == code
    kitchen = world.auth(merchant_of(world, order))
    seen = world.client.get(f"/v1/orders/{order['id']}", headers=kitchen).json()
    assert seen["contactless"] is True and seen["dropoff_code"] is None
    ops = world.client.get(f"/v1/orders/{order['id']}", headers=world.auth("ops")).json()
    assert ops["dropoff_code"] is None
    listed = world.client.get("/v1/orders", headers=kitchen).json()
    assert all(o["dropoff_code"] is None for o in listed)


def test_a_contactless_drop_needs_the_right_code(world: World) -> None:
    order = picked_up(world, "cl-2", contactless=True)
    code = order["dropoff_code"]
    bag = world.client.get(f"/v1/orders/{order['id']}", headers=world.auth("rider1")).json()
    assert bag["dropoff_code"] is None  # the rider must ask the customer
    bare = deliver(world, order["id"], None)
    assert bare.status_code == 409 and bare.json()["code"] == "dropoff_proof_required"
    wrong = "000000" if code != "000000" else "111111"
    refused = deliver(world, order["id"], {"dropoff_code": wrong})
    assert refused.status_code == 422 and refused.json()["code"] == "wrong_dropoff_code"
    malformed = deliver(world, order["id"], {"dropoff_code": "12ab"})
    assert malformed.status_code == 422 and malformed.json()["code"] == "validation_error"
    done = deliver(world, order["id"], {"dropoff_code": code})
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "delivered" and done.json()["handover"] == "code"


def test_a_photo_reference_proves_a_drop_and_is_kept(world: World) -> None:
    order = picked_up(world, "cl-3", contactless=True)
    done = deliver(world, order["id"], {"photo_ref": "photo_9f2c/door.jpg"})
    assert done.status_code == 200, done.json()
    seen = world.client.get(f"/v1/orders/{order['id']}", headers=world.auth("student1")).json()
    assert seen["handover"] == "photo" and seen["handover_photo_ref"] == "photo_9f2c/door.jpg"


def test_an_ordinary_order_is_handed_over_in_person_as_before(world: World) -> None:
    order = picked_up(world, "cl-4")
    assert order["contactless"] is False and order["dropoff_code"]  # every order has a code
    done = deliver(world, order["id"], None)
    assert done.status_code == 200 and done.json()["handover"] == "in_person"


def test_guessing_codes_is_limited_per_rider_and_order(world: World) -> None:
    order = picked_up(world, "cl-5", contactless=True)
    code = order["dropoff_code"]
    wrong = [f"{n:06d}" for n in range(6) if f"{n:06d}" != code][:5]
    for guess in wrong:
        assert deliver(world, order["id"], {"dropoff_code": guess}).status_code == 422
    limited = deliver(world, order["id"], {"dropoff_code": code})
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert "Retry-After" in limited.headers
    # The photo path is still open: a rider who cannot reach the customer leaves the order.
    assert deliver(world, order["id"], {"photo_ref": "photo_1"}).status_code == 200


def test_another_rider_cannot_deliver_and_the_platform_may(world: World) -> None:
    order = picked_up(world, "cl-6", contactless=True)
    other = deliver(world, order["id"], {"dropoff_code": order["dropoff_code"]}, "rider2")
    assert other.status_code == 404
    done = deliver(world, order["id"], None, "ops")  # the operator answers for it
    assert done.status_code == 200 and done.json()["handover"] == "by_platform"


def test_a_closed_zone_forces_contactless_and_its_customers_get_the_code(world: World) -> None:
    order = picked_up(world, "cl-7")  # student1 lives in Dorm 3; no contactless asked
    until = world.platform.clock.now() + timedelta(hours=3)
    zone = {
        "name": "Dorm 3",
        "polygon": [{"lat": lat, "lon": lon} for lat, lon in DORM],
        "handoff": GATE,
        "closed_until": until.isoformat(),
        "reason": "a confirmed case",
    }
    closed = world.client.post("/v1/risk-zones", json=zone, headers=world.auth("ops"))
    assert closed.status_code == 201, closed.json()
    world.drain()
    inbox = world.client.get("/v1/me/inbox", headers=world.auth("student1")).json()
    told = [m for m in inbox if m["order_id"] == order["id"]]
    assert any(order["dropoff_code"] in m["body"] for m in told), told
    bare = deliver(world, order["id"], None)
    assert bare.status_code == 409 and bare.json()["code"] == "dropoff_proof_required"
    done = deliver(world, order["id"], {"dropoff_code": order["dropoff_code"]})
    assert done.status_code == 200 and done.json()["handover"] == "code"

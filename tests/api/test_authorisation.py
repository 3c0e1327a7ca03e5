"""Object-level authorisation: nobody sees what is not theirs; nothing crosses tenants."""

from __future__ import annotations

from tests.api.helpers import merchant_of, place
from tests.conftest import World


def test_customer_cannot_see_or_cancel_another_customers_order(world: World) -> None:
    order = place(world, who="student1").json()
    seen = world.client.get(f"/v1/orders/{order['id']}", headers=world.auth("student2"))
    assert seen.status_code == 404 and seen.json()["code"] == "not_found"
    cancel = world.client.post(
        f"/v1/orders/{order['id']}/cancel",
        json={"reason": "mine now"},
        headers=world.auth("student2"),
    )
    assert cancel.status_code == 404
    listed = world.client.get("/v1/orders", headers=world.auth("student2")).json()
    assert listed == []


def test_merchant_cannot_accept_another_merchants_order(world: World) -> None:
    order = place(world).json()
    owner = merchant_of(world, order)
    other = next(w for w in ("canteen1", "canteen2", "canteen3") if w != owner)
    r = world.client.post(f"/v1/orders/{order['id']}/accept", headers=world.auth(other))
    assert r.status_code == 404


def test_rider_cannot_deliver_an_order_that_is_not_theirs(world: World) -> None:
    c = world.client
    order = place(world).json()
    oid = order["id"]
    c.post(f"/v1/orders/{oid}/accept", headers=world.auth(merchant_of(world, order)))
    c.post(f"/v1/orders/{oid}/ready", headers=world.auth(merchant_of(world, order)))
    for rider in ("rider1", "rider2"):
        c.post(
            "/v1/riders/me/shift/start",
            json={"location": {"lat": 31.03, "lon": 121.44}},
            headers=world.auth(rider),
        )
    offer = c.post(
        f"/v1/orders/{oid}/offers",
        json={"rider_id": world.subjects["rider1"]},
        headers=world.auth("ops"),
    ).json()
    stolen = c.post(f"/v1/offers/{offer['id']}/accept", headers=world.auth("rider2"))
    assert stolen.status_code == 404
    c.post(f"/v1/offers/{offer['id']}/accept", headers=world.auth("rider1"))
    c.post(f"/v1/orders/{oid}/pickup", headers=world.auth("rider1"))
    r = c.post(f"/v1/orders/{oid}/deliver", headers=world.auth("rider2"))
    assert r.status_code == 404
    assert c.get(f"/v1/orders/{oid}", headers=world.auth("ops")).json()["status"] == "picked_up"


def test_nothing_crosses_tenants(world: World) -> None:
    world.seed("city")
    order = place(world, who="student1").json()
    for outsider in ("ops@city", "student1@city", "canteen1@city", "rider1@city"):
        r = world.client.get(f"/v1/orders/{order['id']}", headers=world.auth(outsider))
        assert r.status_code == 404, outsider
    merchant_id = order["merchant_id"]
    r = world.client.get(f"/v1/merchants/{merchant_id}", headers=world.auth("student1@city"))
    assert r.status_code == 404
    foreign_rider = world.subjects["rider1@city"]
    r = world.client.post(
        f"/v1/orders/{order['id']}/offers",
        json={"rider_id": foreign_rider},
        headers=world.auth("ops"),
    )
    assert r.status_code == 422 and r.json()["code"] == "unknown_rider"
    names = {
        m["id"]
        for m in world.client.get("/v1/merchants", headers=world.auth("student1@city")).json()
    }
    assert merchant_id not in names


def test_only_operators_create_operators_and_list_riders(world: World) -> None:
    body = {"email": "boss@campus.test", "password": "longenough", "name": "Boss"}
    assert (
        world.client.post("/v1/operators", json=body, headers=world.auth("student1")).status_code
        == 403
    )
    assert world.client.get("/v1/riders", headers=world.auth("rider1")).status_code == 403
    assert (
        world.client.post("/v1/operators", json=body, headers=world.auth("ops")).status_code == 201
    )

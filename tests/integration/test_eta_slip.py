"""A slipping ETA re-dispatches, live on SQLite and PostgreSQL: the order goes to a rider who
can be there much sooner, never back to one who held it, and picked-up food never moves."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import count_rows, merchant_of, place
from tests.conftest import World
from tiffin.dispatch.slips import redispatch_slipping
from tiffin.optimiser.slip import SlipRule
from tiffin.store import tables

NEAR = {"location": {"lat": 31.0301, "lon": 121.4451}}  # at Lakeside Noodles
FAR = {"location": {"lat": 31.0390, "lon": 121.4310}}  # the far corner of campus
QUICK = SlipRule(threshold_minutes=3)  # the campus is small: a short threshold shows the rule


def taken_far_away(world: World, key: str) -> dict[str, Any]:
    c = world.client
    order = place(world, key=key).json()
    c.post(f"/v1/orders/{order['id']}/accept", headers=world.auth(merchant_of(world, order)))
    c.post("/v1/riders/me/shift/start", json=FAR, headers=world.auth("rider1"))
    offer = c.post(
        f"/v1/orders/{order['id']}/offers",
        json={"rider_id": world.subjects["rider1"]},
        headers=world.auth("ops"),
    ).json()
    assert c.post(f"/v1/offers/{offer['id']}/accept", headers=world.auth("rider1")).is_success
    return dict(order)


def slip(world: World, rule: SlipRule = QUICK) -> int:
    with world.platform.uow() as uow:
        tenant = uow.tenants.find()[0]
        moved = redispatch_slipping(uow, tenant.id, rule)
        uow.commit()
    return moved


def offers(world: World, rider: str) -> list[dict[str, Any]]:
    return list(world.client.get("/v1/riders/me/offers", headers=world.auth(rider)).json())


def test_a_much_later_rider_loses_the_order_and_never_gets_it_back(world: World) -> None:
    pay = {"pay_cents": 300, "wait_minutes": 20, "slip_pay_cents": 350}
    assert world.client.put(
        "/v1/dispatch/moves/pay", json=pay, headers=world.auth("ops")
    ).is_success
    order = taken_far_away(world, "a")
    world.client.post("/v1/riders/me/shift/start", json=NEAR, headers=world.auth("rider2"))
    assert slip(world, SlipRule(threshold_minutes=30)) == 0  # within a generous threshold
    assert slip(world) == 1
    seen = world.client.get(f"/v1/orders/{order['id']}", headers=world.auth("ops")).json()
    assert seen["rider_id"] is None
    [offer] = offers(world, "rider2")
    assert offer["order_id"] == order["id"]
    world.client.post(
        f"/v1/offers/{offer['id']}/reject",
        json={"reason": "flat tyre"},
        headers=world.auth("rider2"),
    )
    world.platform.dispatch_once()
    assert offers(world, "rider1") == []  # it held the order: never offered it again
    paid = world.client.get("/v1/dispatch/fairness/me", headers=world.auth("rider1")).json()
    assert paid["earnings_cents"] == 350  # told by the order's event, paid as the tenant set
    assert count_rows(world, tables.slip_payouts) == 1


def test_picked_up_food_never_moves(world: World) -> None:
    order = taken_far_away(world, "b")
    canteen = merchant_of(world, order)
    world.client.post(f"/v1/orders/{order['id']}/ready", headers=world.auth(canteen))
    assert world.client.post(
        f"/v1/orders/{order['id']}/pickup", headers=world.auth("rider1")
    ).is_success
    world.client.post("/v1/riders/me/shift/start", json=NEAR, headers=world.auth("rider2"))
    assert slip(world) == 0
    assert offers(world, "rider2") == []


def test_an_order_moves_once_at_most(world: World) -> None:
    order = taken_far_away(world, "c")
    world.client.post("/v1/riders/me/shift/start", json=NEAR, headers=world.auth("rider2"))
    assert slip(world) == 1
    [offer] = offers(world, "rider2")
    assert world.client.post(
        f"/v1/offers/{offer['id']}/accept", headers=world.auth("rider2")
    ).is_success
    world.client.post("/v1/riders/me/location", json=FAR, headers=world.auth("rider2"))
    world.client.post("/v1/riders/me/shift/start", json=NEAR, headers=world.auth("rider3"))
    assert slip(world) == 0  # slipped once already (max_moves=1)
    assert (
        world.client.get(f"/v1/orders/{order['id']}", headers=world.auth("ops")).json()["rider_id"]
        == world.subjects["rider2"]
    )

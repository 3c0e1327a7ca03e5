"""/v1/dispatch/moves: the forecast's suggested moves as offers riders accept or decline, and
the live dispatcher counting a rider on a move as arriving at the hot spot."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.api.helpers import merchant_of, place
from tests.conftest import World

NEAR = (31.0301, 121.4451)  # at Lakeside Noodles, where place() orders from
MIDDLE = (31.0340, 121.4390)  # between the noodles and the far corner
FAR = (31.0390, 121.4310)  # the far corner of campus


def on_shift(world: World, rider: str, at: tuple[float, float]) -> None:
    r = world.client.post(
        "/v1/riders/me/shift/start",
        headers=world.auth(rider),
        json={"location": {"lat": at[0], "lon": at[1]}},
    )
    assert r.status_code == 201


def busy_noodles(world: World, n: int = 9) -> None:
    """A steady stream at Lakeside Noodles over 45 minutes: the forecast expects more there."""
    for i in range(n):
        assert place(world, key=f"hist{i}").status_code == 201
        world.platform.clock.advance(timedelta(minutes=5))


def send(world: World) -> Any:
    return world.client.post("/v1/dispatch/moves", headers=world.auth("ops"))


def mine(world: World, rider: str) -> list[dict[str, Any]]:
    r = world.client.get("/v1/dispatch/moves/mine", headers=world.auth(rider))
    assert r.status_code == 200
    return list(r.json())


def ready_order(world: World, key: str) -> str:
    order = place(world, key=key).json()
    canteen = merchant_of(world, order)
    world.client.post(f"/v1/orders/{order['id']}/accept", headers=world.auth(canteen))
    world.client.post(f"/v1/orders/{order['id']}/ready", headers=world.auth(canteen))
    return str(order["id"])


def offers(world: World, rider: str) -> list[dict[str, Any]]:
    return list(world.client.get("/v1/riders/me/offers", headers=world.auth(rider)).json())


def test_a_rider_on_a_move_gets_the_order_at_the_hot_spot(world: World) -> None:
    pay = world.client.put(
        "/v1/dispatch/moves/pay",
        json={"pay_cents": 450, "wait_minutes": 25},
        headers=world.auth("ops"),
    )
    assert pay.status_code == 200
    busy_noodles(world)
    on_shift(world, "rider1", FAR)
    sent = send(world)
    assert sent.status_code == 201
    move = next(m for m in sent.json() if m["rider_id"] == world.subjects["rider1"])
    assert move["pay_cents"] == 450 and move["wait_minutes"] == 25
    assert "orders expected at" in move["why"] and move["status"] == "pending"
    assert [m["id"] for m in mine(world, "rider1")] == [move["id"]]
    assert send(world).json() == []  # one open offer per rider
    accepted = world.client.post(
        f"/v1/dispatch/moves/{move['id']}/accept", headers=world.auth("rider1")
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    world.platform.clock.advance(timedelta(minutes=move["ride_minutes"]))
    on_shift(world, "rider2", MIDDLE)  # nearer than where rider1 last reported being
    order_id = ready_order(world, "now")
    world.platform.dispatch_once()
    assert [o["order_id"] for o in offers(world, "rider1")] == [order_id]
    assert offers(world, "rider2") == []
    listed = world.client.get("/v1/dispatch/moves", headers=world.auth("ops")).json()
    assert [(m["id"], m["status"]) for m in listed] == [(move["id"], "accepted")]


def test_without_the_move_the_nearer_rider_gets_it(world: World) -> None:
    on_shift(world, "rider1", FAR)
    on_shift(world, "rider2", MIDDLE)
    order_id = ready_order(world, "now")
    world.platform.dispatch_once()
    assert [o["order_id"] for o in offers(world, "rider2")] == [order_id]


def test_a_declined_move_keeps_its_reason_and_cannot_be_answered_again(world: World) -> None:
    busy_noodles(world)
    on_shift(world, "rider1", FAR)
    move = send(world).json()[0]
    no = world.client.post(
        f"/v1/dispatch/moves/{move['id']}/decline",
        json={"reason": "flat tyre"},
        headers=world.auth("rider1"),
    )
    assert no.status_code == 200 and no.json()["decline_reason"] == "flat tyre"
    again = world.client.post(
        f"/v1/dispatch/moves/{move['id']}/accept", headers=world.auth("rider1")
    )
    assert again.status_code == 409 and again.json()["code"] == "move_answered"
    assert mine(world, "rider1") == []


def test_an_unanswered_move_lapses(world: World) -> None:
    busy_noodles(world)
    on_shift(world, "rider1", FAR)
    move = send(world).json()[0]
    world.platform.clock.advance(timedelta(minutes=4))
    late = world.client.post(
        f"/v1/dispatch/moves/{move['id']}/accept", headers=world.auth("rider1")
    )
    assert late.status_code == 409 and late.json()["code"] == "move_expired"


def test_only_the_rider_offered_answers_and_only_operators_send(world: World) -> None:
    world.seed("city")
    busy_noodles(world)
    on_shift(world, "rider1", FAR)
    move = send(world).json()[0]
    for who in ("rider2", "student1", "rider1@city"):
        r = world.client.post(f"/v1/dispatch/moves/{move['id']}/accept", headers=world.auth(who))
        assert r.status_code in (403, 404), who
    for who in ("rider1", "student1", "canteen1"):
        assert world.client.post("/v1/dispatch/moves", headers=world.auth(who)).status_code == 403
        assert world.client.get("/v1/dispatch/moves", headers=world.auth(who)).status_code == 403
    assert world.client.get("/v1/dispatch/moves", headers=world.auth("ops@city")).json() == []
    assert mine(world, "rider2") == []


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/dispatch/moves/pay", {"pay_cents": -1, "wait_minutes": 20}),
        ("/v1/dispatch/moves/pay", {"pay_cents": 100, "wait_minutes": 500}),
        ("/v1/dispatch/moves/pay", {"pay_cents": 100, "wait_minutes": 20, "x": 1}),
    ],
)
def test_bad_pay_is_refused(world: World, path: str, body: dict[str, Any]) -> None:
    r = world.client.put(path, json=body, headers=world.auth("ops"))
    assert r.status_code == 422 and r.json()["code"]
    assert world.client.get(path, headers=world.auth("ops")).json()["pay_cents"] == 300


def test_a_decline_needs_a_short_reason(world: World) -> None:
    busy_noodles(world)
    on_shift(world, "rider1", FAR)
    move = send(world).json()[0]
    for body in ({"reason": ""}, {"reason": "x" * 301}, {}):
        r = world.client.post(
            f"/v1/dispatch/moves/{move['id']}/decline", json=body, headers=world.auth("rider1")
        )
        assert r.status_code == 422 and r.json()["code"]
    assert (
        world.client.get("/v1/dispatch/moves?limit=101", headers=world.auth("ops")).status_code
        == 422
    )

"""/v1/riders/me/telemetry and /v1/riders/me/panic: batches raise alerts once; the panic
button alerts operators and hands the rider's orders to re-dispatch."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from tests.api.helpers import assigned
from tests.conftest import World
from tiffin.store import tables

SPOT = {"lat": 31.03, "lon": 121.44}


def batch(world: World, speeds: list[float], impact_at: int = -1, back: int = 60) -> dict[str, Any]:
    now = world.platform.clock.now()
    return {
        "samples": [
            {
                "at": (now - timedelta(seconds=back - 5 * i)).isoformat(),
                "location": SPOT,
                "speed_mps": v,
                "impact": i == impact_at,
            }
            for i, v in enumerate(speeds)
        ]
    }


def send(world: World, body: dict[str, Any], who: str = "rider1") -> Any:
    return world.client.post("/v1/riders/me/telemetry", json=body, headers=world.auth(who))


def alerts(world: World, who: str = "ops") -> Any:
    return world.client.get("/v1/safety/alerts", headers=world.auth(who))


def test_a_batch_is_stored_and_raises_its_alerts_once(world: World) -> None:
    body = batch(world, [4.0, 12.0, 0.0], impact_at=2)
    r = send(world, body)
    assert r.status_code == 202, r.json()
    assert sorted(a["kind"] for a in r.json()["alerts"]) == ["possible_fall", "speeding"]
    assert send(world, body).json()["alerts"] == []  # a retried batch raises nothing new
    with world.platform.uow(read_only=True) as uow:
        stored = uow.conn.execute(select(func.count()).select_from(tables.rider_telemetry))
        assert stored.scalar() == 6
    seen = alerts(world).json()
    assert {a["kind"] for a in seen} == {"possible_fall", "speeding"}
    assert all(a["rider_id"] == world.subjects["rider1"] for a in seen)
    me = world.client.get("/v1/riders/me", headers=world.auth("rider1")).json()
    assert me["location"] == SPOT


def test_a_long_stop_mid_delivery_is_an_alert(world: World) -> None:
    assigned(world, "tel-1")
    send(world, batch(world, [3.0]))
    world.platform.clock.advance(timedelta(minutes=11))
    r = send(world, batch(world, [0.0, 0.0]))
    assert [a["kind"] for a in r.json()["alerts"]] == ["long_stop"]


def test_bad_batches_are_refused(world: World) -> None:
    assert send(world, {"samples": []}).status_code == 422
    assert send(world, batch(world, [1.0] * 121, back=700)).status_code == 422
    future = batch(world, [1.0], back=-60)
    r = send(world, future)
    assert r.status_code == 422 and r.json()["code"] == "bad_batch"
    assert send(world, batch(world, [-1.0])).status_code == 422
    assert send(world, batch(world, [1.0]), who="student1").json()["code"] == "rider_only"


def test_alerts_are_for_the_tenants_operators_only(world: World) -> None:
    world.seed("city")
    send(world, batch(world, [12.0]))
    for who in ("rider1", "student1", "canteen1"):
        assert alerts(world, who).status_code == 403
    assert alerts(world, "ops@city").json() == []


def test_panic_alerts_operators_and_redispatches_the_riders_orders(world: World) -> None:
    order = assigned(world, "panic-1")
    r = world.client.post(
        "/v1/riders/me/panic", json={"location": SPOT}, headers=world.auth("rider1")
    )
    assert r.status_code == 201, r.json()
    assert r.json() == {"operators_alerted": True, "orders_redispatched": [order["id"]]}
    after = world.client.get(f"/v1/orders/{order['id']}", headers=world.auth("ops")).json()
    assert after["rider_id"] != world.subjects["rider1"]
    assert [a["kind"] for a in alerts(world).json()] == ["panic"]
    notices = world.client.get("/v1/care/notices", headers=world.auth("ops")).json()
    assert any("PANIC" in str(n) for n in notices)
    assert (
        world.client.post(
            "/v1/riders/me/panic", json={"location": SPOT}, headers=world.auth("ops")
        ).status_code
        == 403
    )

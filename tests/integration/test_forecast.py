"""The live forecast learns from order history and suggests moving idle riders toward it."""

from __future__ import annotations

from datetime import timedelta

from tests.api.helpers import place
from tests.conftest import World
from tests.integration.test_live_dispatch import FAR, _on_shift
from tiffin.clock import ManualClock


def test_busy_merchants_draw_idle_riders(world: World) -> None:
    clock = world.platform.clock
    assert isinstance(clock, ManualClock)
    for n in range(9):  # a steady stream at Lakeside Noodles over 45 minutes
        assert place(world, key=f"h{n}").status_code == 201
        clock.advance(timedelta(minutes=5))
    _on_shift(world, "rider1", *FAR)
    r = world.client.get("/v1/dispatch/forecast?horizon_minutes=30", headers=world.auth("ops"))
    assert r.status_code == 200
    body = r.json()
    by_name = {s["name"]: s["expected_orders"] for s in body["sites"]}
    assert by_name["Lakeside Noodles"] > 3
    assert by_name["North Canteen"] == 0
    [move] = body["suggestions"]
    assert move["rider_id"] == world.subjects["rider1"]
    assert move["merchant_id"] == next(
        s["merchant_id"] for s in body["sites"] if s["name"] == "Lakeside Noodles"
    )


def test_only_operators_read_the_forecast(world: World) -> None:
    r = world.client.get("/v1/dispatch/forecast", headers=world.auth("rider1"))
    assert r.status_code == 403
    bad = world.client.get("/v1/dispatch/forecast?horizon_minutes=5", headers=world.auth("ops"))
    assert bad.status_code == 422

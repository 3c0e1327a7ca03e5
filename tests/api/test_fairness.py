"""/v1/dispatch/fairness and /metrics: each rider's load today, the Gini figure, and why offers
are turned down (per reason and merchant)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from tests.api.helpers import ON_CAMPUS, delivered, merchant_of, place
from tests.conftest import World
from tiffin.api.app import create_app
from tiffin.optimiser.fairness import gini


def fairness(world: World, who: str = "ops", query: str = "") -> dict[str, object]:
    r = world.client.get(f"/v1/dispatch/fairness{query}", headers=world.auth(who))
    assert r.status_code == 200, r.json()
    return dict(r.json())


def test_gini_is_zero_for_equals_and_grows_with_inequality() -> None:
    assert gini([3, 3, 3]) == 0.0 and gini([]) == 0.0 and gini([0, 0]) == 0.0
    assert gini([0, 1]) == 0.5
    assert gini([0, 0, 0, 10]) > gini([1, 2, 3, 4]) > 0


def test_each_riders_load_today_and_the_gini_figure(world: World) -> None:
    order = delivered(world, "a")
    world.client.post("/v1/riders/me/shift/start", json=ON_CAMPUS, headers=world.auth("rider2"))
    seen = fairness(world)
    loads = {r["rider_id"]: r for r in seen["riders"]}  # type: ignore[attr-defined]
    one = loads[world.subjects["rider1"]]
    assert one["orders"] == 1 and one["km"] > 0
    assert one["earnings_cents"] == order["delivery_fee_cents"]
    assert loads[world.subjects["rider2"]]["orders"] == 0
    assert seen["gini_orders"] == 0.5
    mine = world.client.get("/v1/dispatch/fairness/me", headers=world.auth("rider1")).json()
    assert mine == one
    idle = world.client.get("/v1/dispatch/fairness/me", headers=world.auth("rider3")).json()
    assert idle["orders"] == 0 and idle["earnings_cents"] == 0
    scraper = TestClient(create_app(platform=world.platform), client=("127.0.0.1", 40000))
    body = scraper.get("/metrics").text  # /metrics answers a loopback scraper
    assert 'measure="orders"' in body and "tiffin_rider_load_gini" in body


def test_overloaded_is_a_reason_counted_per_merchant(world: World) -> None:
    order = place(world, key="b").json()
    canteen = merchant_of(world, order)
    world.client.post(f"/v1/orders/{order['id']}/accept", headers=world.auth(canteen))
    world.client.post("/v1/riders/me/shift/start", json=ON_CAMPUS, headers=world.auth("rider1"))
    offer = world.client.post(
        f"/v1/orders/{order['id']}/offers",
        json={"rider_id": world.subjects["rider1"]},
        headers=world.auth("ops"),
    ).json()
    no = world.client.post(
        f"/v1/offers/{offer['id']}/reject",
        json={"reason": "overloaded"},
        headers=world.auth("rider1"),
    )
    assert no.status_code == 200
    assert fairness(world)["rejections"] == [
        {"reason": "overloaded", "merchant_id": order["merchant_id"], "count": 1}
    ]


def test_only_operators_see_everyone_and_riders_only_themselves(world: World) -> None:
    world.seed("city")
    delivered(world, "c")
    for who in ("rider1", "student1", "canteen1"):
        r = world.client.get("/v1/dispatch/fairness", headers=world.auth(who))
        assert r.status_code == 403
    assert fairness(world, "ops@city")["riders"] == []
    ops = world.client.get("/v1/dispatch/fairness/me", headers=world.auth("ops"))
    assert ops.status_code == 403 and ops.json()["code"] == "rider_only"


def test_the_list_is_paged_and_bounded(world: World) -> None:
    delivered(world, "d")
    world.client.post("/v1/riders/me/shift/start", json=ON_CAMPUS, headers=world.auth("rider2"))
    assert len(fairness(world, query="?limit=1")["riders"]) == 1  # type: ignore[arg-type]
    assert len(fairness(world, query="?limit=1&offset=1")["riders"]) == 1  # type: ignore[arg-type]
    bad = world.client.get("/v1/dispatch/fairness?limit=101", headers=world.auth("ops"))
    assert bad.status_code == 422 and bad.json()["code"]


def test_today_starts_at_midnight_on_the_tenants_own_clock(world: World) -> None:
    """The demo campus keeps Shanghai time: its day turns at 16:00 UTC, not at 00:00."""
    delivered(world, "late-evening")  # 11:00 UTC, 19:00 on campus
    rider = world.subjects["rider1"]

    def orders_today() -> object:
        loads = {r["rider_id"]: r for r in fairness(world)["riders"]}  # type: ignore[attr-defined]
        return loads[rider]["orders"] if rider in loads else 0

    world.platform.clock.advance(timedelta(hours=4, minutes=30))  # 23:30 on campus
    assert orders_today() == 1
    world.platform.clock.advance(timedelta(hours=1))  # 00:30 on campus, still 5 January in UTC
    assert orders_today() == 0

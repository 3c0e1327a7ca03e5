"""High-risk zones: operators close them, riders are kept out, deliveries go to the hand-off."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import World
from tests.integration.test_live_dispatch import NEAR, _offers, _on_shift, _ready_order

DORM = [(31.0372, 121.4462), (31.0372, 121.4478), (31.0388, 121.4478), (31.0388, 121.4462)]
NOODLES = [(31.0295, 121.4445), (31.0295, 121.4455), (31.0305, 121.4455), (31.0305, 121.4445)]
GATE = (31.0368, 121.4458)


def close(
    world: World,
    corners: list[tuple[float, float]],
    handoff: tuple[float, float],
    minutes: int = 60,
    who: str = "ops",
) -> object:
    until = world.platform.clock.now() + timedelta(minutes=minutes)
    return world.client.post(
        "/v1/risk-zones",
        headers=world.auth(who),
        json={
            "name": "Dorm 3 quarantine",
            "reason": "confirmed case",
            "polygon": [{"lat": a, "lon": b} for a, b in corners],
            "handoff": {"lat": handoff[0], "lon": handoff[1]},
            "closed_until": until.isoformat(),
        },
    )


def test_operators_close_zones_and_everyone_sees_them(world: World) -> None:
    r = close(world, DORM, GATE)
    assert r.status_code == 201  # type: ignore[attr-defined]
    seen = world.client.get("/v1/risk-zones", headers=world.auth("rider1")).json()
    assert [z["name"] for z in seen] == ["Dorm 3 quarantine"]
    assert close(world, DORM, GATE, who="student1").status_code == 403  # type: ignore[attr-defined]


def test_nonsense_closures_are_refused(world: World) -> None:
    inside = close(world, DORM, (31.0380, 121.4470))
    assert inside.status_code == 422  # type: ignore[attr-defined]
    assert inside.json()["code"] == "bad_risk_zone"  # type: ignore[attr-defined]
    over = close(world, DORM, GATE, minutes=-5)
    assert over.json()["code"] == "bad_risk_zone"  # type: ignore[attr-defined]
    assert close(world, DORM[:2], GATE).status_code == 422  # type: ignore[attr-defined]
    assert world.client.get("/v1/risk-zones", headers=world.auth("ops")).json() == []


def test_deliveries_into_a_closed_zone_go_to_its_handoff_point(world: World) -> None:
    close(world, DORM, GATE)  # student1 lives in Dorm 3
    order_id = _ready_order(world, "z1")
    _on_shift(world, "rider1", *NEAR)
    assert world.platform.dispatch_once() == 1
    with world.platform.uow(read_only=True) as uow:
        offer = uow.offers.require(str(_offers(world, "rider1")[0]["id"]))
    assert offer.order_id == order_id
    assert offer.explanation["handoff"] == {
        "zone": "Dorm 3 quarantine",  # type: ignore[comparison-overlap]
        "lat": GATE[0],
        "lon": GATE[1],
    }


def test_no_rider_is_sent_to_a_merchant_inside_a_closed_zone(world: World) -> None:
    close(world, NOODLES, (31.0290, 121.4440))  # place() orders from Lakeside Noodles
    _ready_order(world, "z2")
    _on_shift(world, "rider1", *NEAR)
    assert world.platform.dispatch_once() == 0

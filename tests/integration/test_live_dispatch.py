"""The live dispatcher on SQLite and PostgreSQL: offers with reasons, refusals respected,
hand-backs re-dispatched first."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.helpers import merchant_of, place
from tests.conftest import World
from tiffin.clock import ManualClock
from tiffin.dispatch.service import Priorities, dispatch_tenant, take_dispatch_lock
from tiffin.optimiser.caps import WorkloadCaps

NEAR = (31.0301, 121.4451)  # at Lakeside Noodles, where place() orders from
FAR = (31.0390, 121.4310)  # the far corner of campus


def _ready_order(world: World, key: str, who: str = "student1") -> str:
    order = place(world, who=who, key=key).json()
    canteen = merchant_of(world, order)
    world.client.post(f"/v1/orders/{order['id']}/accept", headers=world.auth(canteen))
    world.client.post(f"/v1/orders/{order['id']}/ready", headers=world.auth(canteen))
    return str(order["id"])


def _on_shift(world: World, rider: str, lat: float, lon: float) -> None:
    r = world.client.post(
        "/v1/riders/me/shift/start",
        headers=world.auth(rider),
        json={"location": {"lat": lat, "lon": lon}},
    )
    assert r.status_code == 201


def _offers(world: World, rider: str) -> list[dict[str, object]]:
    return world.client.get("/v1/riders/me/offers", headers=world.auth(rider)).json()


def test_a_ready_order_is_offered_to_the_nearest_rider_with_its_reasons(world: World) -> None:
    order_id = _ready_order(world, "a")
    _on_shift(world, "rider1", *NEAR)
    _on_shift(world, "rider2", *FAR)
    assert world.platform.dispatch_once() == 1
    offers = _offers(world, "rider1")
    assert [o["order_id"] for o in offers] == [order_id]
    assert _offers(world, "rider2") == []
    with world.platform.uow(read_only=True) as uow:
        offer = uow.offers.require(str(offers[0]["id"]))
    assert offer.score is not None
    assert offer.explanation["alternatives"][0]["rider_id"] == world.subjects["rider2"]  # type: ignore[index]
    assert world.platform.dispatch_once() == 0  # an open offer is not offered twice


def test_a_refused_order_goes_to_another_rider_never_back(world: World) -> None:
    order_id = _ready_order(world, "b")
    _on_shift(world, "rider1", *NEAR)
    _on_shift(world, "rider2", *FAR)
    world.platform.dispatch_once()
    offer = _offers(world, "rider1")[0]
    world.client.post(
        f"/v1/offers/{offer['id']}/reject",
        headers=world.auth("rider1"),
        json={"reason": "bike has a flat"},
    )
    world.platform.dispatch_once()
    assert [o["order_id"] for o in _offers(world, "rider2")] == [order_id]
    assert _offers(world, "rider1") == []


def test_an_unanswered_offer_expires_and_the_order_moves_on(world: World) -> None:
    order_id = _ready_order(world, "c")
    _on_shift(world, "rider1", *NEAR)
    _on_shift(world, "rider2", *FAR)
    world.platform.dispatch_once()
    clock = world.platform.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(minutes=3))
    world.platform.dispatch_once()
    assert [o["order_id"] for o in _offers(world, "rider2")] == [order_id]


def test_a_handed_back_order_is_dispatched_again(world: World) -> None:
    order_id = _ready_order(world, "d")
    _on_shift(world, "rider1", *NEAR)
    world.platform.dispatch_once()
    offer = _offers(world, "rider1")[0]
    world.client.post(f"/v1/offers/{offer['id']}/accept", headers=world.auth("rider1"))
    r = world.client.post(
        f"/v1/riders/me/orders/{order_id}/hand-back",
        headers=world.auth("rider1"),
        json={"reason": "accident"},
    )
    assert r.status_code == 204
    _on_shift(world, "rider3", *NEAR)
    world.platform.dispatch_once()
    assert [o["order_id"] for o in _offers(world, "rider3")] == [order_id]


def _one_delivery(world: World, key: str, rider: str = "rider1") -> None:
    """``rider`` goes on shift near the canteen, takes one order and delivers it."""
    first = _ready_order(world, key)
    _on_shift(world, rider, *NEAR)
    world.platform.dispatch_once()
    offer = _offers(world, rider)[0]
    world.client.post(f"/v1/offers/{offer['id']}/accept", headers=world.auth(rider))
    world.client.post(f"/v1/orders/{first}/pickup", headers=world.auth(rider))
    world.client.post(f"/v1/orders/{first}/deliver", headers=world.auth(rider))


def test_a_rider_at_the_hourly_cap_gets_no_more_offers(world: World) -> None:
    _one_delivery(world, "e")
    _ready_order(world, "f")
    one_an_hour = WorkloadCaps(max_orders_per_hour=1)
    with world.platform.uow() as uow:
        tenant = uow.tenants.find()[0]
        made = dispatch_tenant(
            uow,
            tenant,
            world.platform.dispatch_params,
            one_an_hour,
            priorities=lambda uow, order_ids: Priorities(),
        )
        uow.commit()
    assert made == 0 and _offers(world, "rider1") == []
    assert world.platform.dispatch_once() == 1  # with the default caps the rider may go again


def test_a_rider_the_caller_bars_from_an_order_is_not_offered_it(world: World) -> None:
    order_id = _ready_order(world, "i")
    _on_shift(world, "rider1", *NEAR)
    _on_shift(world, "rider2", *FAR)
    barred = {str(world.subjects["rider1"]): frozenset({order_id})}
    with world.platform.uow() as uow:
        tenant = uow.tenants.find()[0]
        made = dispatch_tenant(
            uow,
            tenant,
            world.platform.dispatch_params,
            priorities=lambda uow, order_ids: Priorities(barred=barred),
        )
        uow.commit()
    assert made == 1 and _offers(world, "rider1") == []
    assert [o["order_id"] for o in _offers(world, "rider2")] == [order_id]


def test_the_tenants_own_caps_hold_in_the_live_cycle(world: World) -> None:
    _one_delivery(world, "g")
    change = {
        "max_orders_per_hour": 1,
        "max_continuous_minutes": 240,
        "max_carried": 3,
        "reason": "heat wave: one run an hour",
    }
    assert world.client.put("/v1/dispatch/caps", json=change, headers=world.auth("ops")).is_success
    _ready_order(world, "h")
    assert world.platform.dispatch_once() == 0 and _offers(world, "rider1") == []


def test_two_servers_never_dispatch_the_same_tenant_at_once(world: World) -> None:
    if not world.platform.db.is_postgres:
        pytest.skip("the per-tenant dispatch lock is a PostgreSQL advisory lock")
    _ready_order(world, "g")
    _on_shift(world, "rider1", *NEAR)
    with world.platform.uow(read_only=True) as uow:
        tenant_id = uow.tenants.find()[0].id
    with world.platform.uow() as other_server:  # another process, mid-cycle for this tenant
        assert take_dispatch_lock(other_server, tenant_id)
        assert world.platform.dispatch_once() == 0  # the other process holds this tenant
    assert world.platform.dispatch_once() == 1  # its transaction ended, and the lock with it

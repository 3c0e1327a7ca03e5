"""Per-zone leader leases: a city's zones spread over processes, and a dead process's zones are
taken over when its leases lapse (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from tests.api.helpers import merchant_of, place
from tests.conftest import World
from tiffin.platform import Platform
from tiffin.resilience.leases import holders


def zoned(world: World, zones: int = 4) -> tuple[Platform, Platform]:
    settings = world.platform.settings.model_copy(update={"dispatch_zones": zones})
    one = Platform(settings=settings, db=world.platform.db, clock=world.platform.clock)
    two = Platform(settings=settings, db=world.platform.db, clock=world.platform.clock)
    return one, two


def zone_holders(platform: Platform) -> Counter[str]:
    with platform.uow(read_only=True) as uow:
        leases = holders(uow)
    now = platform.clock.now()
    return Counter(
        holder
        for name, (holder, expires) in leases.items()
        if name.startswith("dispatch:") and expires >= now
    )


def test_zones_spread_over_processes_and_a_dead_ones_are_taken_over(world: World) -> None:
    one, two = zoned(world)
    zones = 4  # the campus is one tenant
    one.dispatch_once()
    assert zone_holders(one) == {one.identity: zones}  # alone: every zone
    two.dispatch_once()  # a second process joins: nothing is free yet
    one.dispatch_once()  # the first lets go of what is beyond its share
    two.dispatch_once()
    assert zone_holders(one) == {one.identity: zones // 2, two.identity: zones // 2}
    world.platform.clock.advance(timedelta(seconds=7))  # `one` dies: its leases lapse
    two.dispatch_once()
    assert zone_holders(two) == {two.identity: zones}


def test_each_zone_leader_dispatches_its_own_zone(world: World) -> None:
    order = place(world, key="z").json()
    canteen = merchant_of(world, order)
    world.client.post(f"/v1/orders/{order['id']}/accept", headers=world.auth(canteen))
    world.client.post(f"/v1/orders/{order['id']}/ready", headers=world.auth(canteen))
    world.client.post(
        "/v1/riders/me/shift/start",
        json={"location": {"lat": 31.0301, "lon": 121.4451}},
        headers=world.auth("rider1"),
    )
    one, two = zoned(world, zones=2)
    made = sum(p.dispatch_once() for p in (one, two, one, two, one))
    offers = world.client.get("/v1/riders/me/offers", headers=world.auth("rider1")).json()
    assert [o["order_id"] for o in offers] == [order["id"]]
    assert made == 1  # offered once, by whichever process led its zone at the time
    assert len(zone_holders(one)) == 2

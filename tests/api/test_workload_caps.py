"""/v1/dispatch/caps: each tenant's workload caps, set by its operators, used by the dispatcher."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import World
from tiffin.optimiser.caps import WorkloadCaps
from tiffin.store import tables

CHANGE = {
    "max_orders_per_hour": 2,
    "max_continuous_minutes": 180,
    "max_carried": 2,
    "reason": "exam week: riders are students too",
}


def caps(world: World, who: str = "ops") -> Any:
    return world.client.get("/v1/dispatch/caps", headers=world.auth(who))


def test_defaults_until_an_operator_sets_them_then_theirs(world: World) -> None:
    default = WorkloadCaps()
    assert caps(world).json() == {
        "max_orders_per_hour": default.max_orders_per_hour,
        "max_continuous_minutes": default.max_continuous_minutes,
        "max_carried": default.max_carried,
    }
    changed = world.client.put("/v1/dispatch/caps", json=CHANGE, headers=world.auth("ops"))
    assert changed.status_code == 200
    expected = {k: v for k, v in CHANGE.items() if k != "reason"}
    assert changed.json() == expected and caps(world).json() == expected
    again = world.client.put(
        "/v1/dispatch/caps", json=CHANGE | {"max_carried": 3}, headers=world.auth("ops")
    )
    assert again.json()["max_carried"] == 3
    with world.platform.uow(read_only=True) as uow:
        events = uow.conn.execute(
            select(tables.outbox.c.payload).where(tables.outbox.c.topic == "dispatch.caps_changed")
        ).all()
    assert len(events) == 2
    assert events[0].payload["reason"] == CHANGE["reason"]


def test_only_operators_and_only_their_own_tenant(world: World) -> None:
    world.seed("city")
    for who in ("student1", "rider1", "canteen1"):
        assert caps(world, who).status_code == 403
        put = world.client.put("/v1/dispatch/caps", json=CHANGE, headers=world.auth(who))
        assert put.status_code == 403
    world.client.put("/v1/dispatch/caps", json=CHANGE, headers=world.auth("ops"))
    assert (
        caps(world, "ops@city").json()["max_orders_per_hour"] == WorkloadCaps().max_orders_per_hour
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"max_orders_per_hour": 0},
        {"max_carried": -1},
        {"max_continuous_minutes": 10},
        {"max_orders_per_hour": 1000},
        {"reason": ""},
        {"surprise": 1},
    ],
)
def test_bad_caps_are_refused_and_change_nothing(world: World, bad: dict[str, Any]) -> None:
    before = caps(world).json()
    r = world.client.put("/v1/dispatch/caps", json=CHANGE | bad, headers=world.auth("ops"))
    assert r.status_code == 422 and r.json()["code"]
    assert caps(world).json() == before

"""/v1/dispatch/mode and /v1/dispatch/declarations: crisis mode, declared or detected, live."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.api.helpers import merchant_of, place
from tests.conftest import World
from tiffin.store import tables

STORM = {"kind": "weather_warning", "note": "typhoon signal 8 from 11:40"}


def mode(world: World, who: str = "ops") -> Any:
    return world.client.get("/v1/dispatch/mode", headers=world.auth(who))


def declare(world: World, who: str = "ops", body: dict[str, Any] | None = None) -> Any:
    return world.client.post(
        "/v1/dispatch/declarations", json=body or STORM, headers=world.auth(who)
    )


def lift(world: World, declaration_id: str, who: str = "ops") -> Any:
    return world.client.post(
        f"/v1/dispatch/declarations/{declaration_id}/lift",
        json={"reason": "signal lowered"},
        headers=world.auth(who),
    )


def mode_events(world: World) -> list[dict[str, Any]]:
    with world.platform.uow(read_only=True) as uow:
        rows = uow.conn.execute(
            select(tables.outbox.c.payload)
            .where(tables.outbox.c.topic == "dispatch.mode_changed")
            .order_by(tables.outbox.c.id)
        ).all()
    return [r.payload for r in rows]


def test_a_declared_warning_switches_the_live_dispatcher_to_crisis_and_back(
    world: World,
) -> None:
    assert mode(world).json()["mode"] == "normal"
    made = declare(world)
    assert made.status_code == 201 and made.json()["kind"] == "weather_warning"
    world.platform.dispatch_once()
    seen = mode(world).json()
    assert seen["mode"] == "crisis" and "typhoon signal 8" in seen["reason"]
    assert [d["id"] for d in seen["declarations"]] == [made.json()["id"]]
    assert lift(world, made.json()["id"]).json()["declarations"] == []
    world.platform.dispatch_once()
    assert mode(world).json()["mode"] == "crisis"  # lifted, but the quiet wait is not over
    for _ in range(16):
        world.platform.clock.advance(timedelta(minutes=1))
        world.platform.dispatch_once()
    seen = mode(world).json()
    assert seen["mode"] == "normal"
    assert [(c["previous"], c["mode"]) for c in seen["changes"]] == [
        ("crisis", "normal"),
        ("normal", "crisis"),
    ]
    events = mode_events(world)
    assert [e["data"]["mode"] for e in events] == ["crisis", "normal"]


def test_a_backlog_of_ready_orders_with_no_rider_is_detected_as_a_crisis(world: World) -> None:
    for key in "abc":
        order = place(world, key=key).json()
        canteen = merchant_of(world, order)
        world.client.post(f"/v1/orders/{order['id']}/accept", headers=world.auth(canteen))
        world.client.post(f"/v1/orders/{order['id']}/ready", headers=world.auth(canteen))
    for _ in range(4):  # no rider is on shift: three ready orders, nobody to take them
        world.platform.dispatch_once()
        world.platform.clock.advance(timedelta(minutes=1))
    assert mode(world).json()["mode"] == "normal"  # four minutes: not yet
    world.platform.dispatch_once()
    seen = mode(world).json()
    assert seen["mode"] == "crisis" and seen["reason"].startswith("backlog 3.00 per rider")


def test_only_operators_and_only_their_own_tenant(world: World) -> None:
    world.seed("city")
    for who in ("student1", "rider1", "canteen1"):
        assert mode(world, who).status_code == 403
        assert declare(world, who).status_code == 403
    made = declare(world).json()
    assert mode(world, "ops@city").json()["declarations"] == []
    other = lift(world, made["id"], who="ops@city")
    assert other.status_code == 404 and other.json()["code"] == "declaration_not_found"
    assert [d["id"] for d in mode(world).json()["declarations"]] == [made["id"]]


def test_a_declaration_is_lifted_once(world: World) -> None:
    made = declare(world).json()
    assert lift(world, made["id"]).status_code == 200
    again = lift(world, made["id"])
    assert again.status_code == 409 and again.json()["code"] == "already_lifted"


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "earthquake"},
        {"note": ""},
        {"note": "x" * 501},
        {"surprise": 1},
    ],
)
def test_bad_declarations_are_refused_and_change_nothing(world: World, bad: dict[str, Any]) -> None:
    r = declare(world, body=STORM | bad)
    assert r.status_code == 422 and r.json()["code"] and r.json()["detail"]
    assert mode(world).json()["declarations"] == []


def test_the_switch_log_is_paged_and_bounded(world: World) -> None:
    assert (
        world.client.get("/v1/dispatch/mode?limit=101", headers=world.auth("ops")).status_code
        == 422
    )
    assert (
        world.client.get("/v1/dispatch/mode?offset=-1", headers=world.auth("ops")).status_code
        == 422
    )
    made = declare(world).json()
    world.platform.dispatch_once()
    lift(world, made["id"])
    for _ in range(16):
        world.platform.clock.advance(timedelta(minutes=1))
        world.platform.dispatch_once()
    page = world.client.get("/v1/dispatch/mode?limit=1&offset=1", headers=world.auth("ops"))
    assert [c["mode"] for c in page.json()["changes"]] == ["crisis"]
    too_long = lift(world, "x" * 41)
    assert too_long.status_code == 422

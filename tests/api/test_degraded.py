"""Every route has a class; a switched-off or shed feature answers 503 with Retry-After and
comes back by itself (operators' switches, the health watch's, and admission control)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.conftest import World
from tiffin.api.admission import api_routes, undeclared
from tiffin.api.app import create_app
from tiffin.clock import ManualClock
from tiffin.domain.priorities import Priority, declared
from tiffin.resilience import switches
from tiffin.resilience.degraded import Degraded
from tiffin.store import tables

OFF = {"reason": "month-end reports are heavy", "for_seconds": 60}


def test_every_route_declares_its_class(world: World) -> None:
    app = create_app(platform=world.platform)
    assert undeclared(app) == []
    by_path = {(r.path, m): declared(r.endpoint) for r in api_routes(app.routes) for m in r.methods}
    assert by_path[("/v1/orders", "POST")].priority is Priority.CORE  # type: ignore[union-attr]
    assert by_path[("/v1/orders/{order_id}", "GET")].priority is Priority.IMPORTANT  # type: ignore[union-attr]
    browse = by_path[("/v1/merchants", "GET")]
    assert (
        browse is not None and browse.priority is Priority.DEFERRABLE and browse.feature == "browse"
    )


def browse(world: World, who: str = "student1") -> int:
    return world.client.get("/v1/merchants", headers=world.auth(who)).status_code


def test_an_operators_switch_answers_503_with_retry_after_for_their_tenant_then_lapses(
    world: World,
) -> None:
    world.seed("city")
    clock = world.platform.clock
    assert isinstance(clock, ManualClock)
    off = world.client.put("/v1/degraded-features/browse", json=OFF, headers=world.auth("ops"))
    assert off.status_code == 200
    assert [s["feature"] for s in off.json()["off"]] == ["browse"]
    refused = world.client.get("/v1/merchants", headers=world.auth("student1"))
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "30"
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "feature_off" and "month-end" in refused.json()["detail"]
    assert browse(world, "student1@city") == 200  # another tenant keeps its lists
    listed = world.client.get("/v1/degraded-features", headers=world.auth("ops@city")).json()
    assert listed["off"] == [] and "browse" in listed["features"]
    clock.advance(timedelta(seconds=61))
    assert browse(world) == 200  # back on by itself


def test_an_operator_switches_a_feature_back_on_and_both_changes_are_events(world: World) -> None:
    world.client.put("/v1/degraded-features/forecast", json=OFF, headers=world.auth("ops"))
    with world.platform.uow(read_only=True) as uow:  # what another process would learn
        other = Degraded(world.platform.clock.now)
        other.load(switches.recorded(uow))
        t = tables.tenants.c
        campus = uow.conn.execute(select(t.id).where(t.slug == "campus")).scalar_one()
    assert other.is_off("forecast", campus) is not None
    on = world.client.post(
        "/v1/degraded-features/forecast/on", json={"reason": "done"}, headers=world.auth("ops")
    )
    assert on.status_code == 200 and on.json()["off"] == []
    with world.platform.uow(read_only=True) as uow:
        rows = uow.conn.execute(
            select(tables.outbox.c.payload).where(
                tables.outbox.c.topic == "resilience.feature_switched"
            )
        ).all()
        assert switches.recorded(uow) == []
    assert [r.payload["data"]["off"] for r in rows] == [True, False]


def test_the_health_watch_switches_features_off_while_the_database_is_slow(world: World) -> None:
    platform = world.platform
    clock = platform.clock
    assert isinstance(clock, ManualClock)
    platform.settings.slow_database_ms = 0.000001  # every query is "slow"
    assert platform.watch_degraded() == [] and browse(world) == 200  # one slow look is no verdict
    platform.watch_degraded()
    assert "browse" in platform.watch_degraded()
    assert browse(world) == 503
    ready = world.client.get("/readyz").json()
    assert "browse" in [s["feature"] for s in ready["checks"]["features_off"]]
    assert "browse" in world.client.get("/status.json").json()["features_off"]
    assert "Switched off for now" in world.client.get("/status").text
    platform.settings.slow_database_ms = 60_000  # the database is quick again
    assert platform.watch_degraded() == []  # the calm spell starts
    clock.advance(timedelta(seconds=platform.settings.degraded_calm_seconds))
    assert "browse" in platform.watch_degraded()
    assert browse(world) == 200


def test_under_overload_deferrable_is_shed_important_served_and_all_comes_back(
    world: World,
) -> None:
    admission = world.platform.admission
    now = [1000.0]
    admission.now = lambda: now[0]  # the rule's clock, held still
    for _ in range(admission.limits.capacity + 4):  # requests stuck in flight elsewhere
        assert admission.admit(Priority.CORE, "tenant:someone-else") is None
    shed = world.client.get("/v1/merchants", headers=world.auth("student1"))
    assert shed.status_code == 503 and shed.json()["code"] == "overloaded"
    assert int(shed.headers["Retry-After"]) > 0
    assert world.client.get("/v1/orders", headers=world.auth("student1")).status_code == 200
    assert (
        world.client.get("/readyz").json()["checks"]["admission"]["level"] == "shedding deferrable"
    )
    for _ in range(admission.limits.capacity + 4):
        admission.release("tenant:someone-else")
    assert browse(world) == 503  # hysteresis: not back at the first quiet moment
    now[0] += admission.limits.calm_s + 0.1
    assert browse(world) == 200


def test_only_operators_switch_features(world: World) -> None:
    for who in ("student1", "rider1", "canteen1"):
        headers = world.auth(who)
        assert world.client.get("/v1/degraded-features", headers=headers).status_code == 403
        put = world.client.put("/v1/degraded-features/browse", json=OFF, headers=headers)
        assert put.status_code == 403
    assert world.client.get("/v1/degraded-features").status_code == 401
    assert browse(world) == 200


def test_bad_switches_are_refused_with_a_code(world: World) -> None:
    ops = world.auth("ops")
    unknown = world.client.put("/v1/degraded-features/orders", json=OFF, headers=ops)
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_feature"
    assert "browse" in unknown.json()["detail"]
    for body in (
        {"reason": "x", "for_seconds": 5},
        {"reason": "x", "for_seconds": 10**9},
        {"reason": "", "for_seconds": 60},
        {"reason": "x" * 501},
        OFF | {"scope": "everyone"},
    ):
        r = world.client.put("/v1/degraded-features/browse", json=body, headers=ops)
        assert r.status_code == 422 and r.json()["code"], body
    long = world.client.put("/v1/degraded-features/" + "b" * 41, json=OFF, headers=ops)
    assert long.status_code == 422


def test_a_route_that_forgot_its_class_is_named() -> None:
    from fastapi import APIRouter, FastAPI

    router = APIRouter(prefix="/v1/new")

    @router.get("")
    def forgot() -> dict[str, str]:
        return {}

    app = FastAPI()
    app.include_router(router)
    assert undeclared(app) == ["GET /v1/new"]


def test_every_answered_request_leaves_the_in_flight_count(world: World) -> None:
    """Admitted requests are released once answered, whatever the answer: served, refused by
    the route, or failed validation (the count feeds the shedding rule)."""
    admission = world.platform.admission
    before = admission.in_flight
    assert world.client.get("/v1/orders", headers=world.auth("student1")).status_code == 200
    assert (
        world.client.get("/v1/orders/ord_nope", headers=world.auth("student1")).status_code == 404
    )
    bad = world.client.post(
        "/v1/orders", json={}, headers={**world.auth("student1"), "Idempotency-Key": "k"}
    )
    assert bad.status_code == 422
    assert world.client.get("/v1/orders").status_code == 401
    assert admission.in_flight == before
    assert sum(admission.by_tenant.values()) == 0

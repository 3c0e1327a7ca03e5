"""tiffin.api.lean.LeanRoute: the telemetry and order placement routes are served without
FastAPI's general dependency solver, and every answer is the one the general path gives for the
same request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import fastapi.routing
import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.api.helpers import menu, place
from tests.api.test_bounds import stream_to
from tests.conftest import World
from tiffin.api.admission import api_routes
from tiffin.api.lean import LeanRoute
from tiffin.ordering.views import router as orders_router
from tiffin.safety.views import live_router

TELEMETRY = "/v1/riders/me/telemetry"
ORDERS = "/v1/orders"


def _sample(world: World, **change: Any) -> dict[str, Any]:
    at = (world.platform.clock.now() - timedelta(seconds=5)).isoformat()
    return {"at": at, "location": {"lat": 31.03, "lon": 121.44}, "speed_mps": 4.0, **change}


def _general(world: World) -> None:
    """Any dependency override sends a LeanRoute down FastAPI's general path."""
    world.client.app.dependency_overrides[_unused] = _unused  # type: ignore[attr-defined]


def _unused() -> None:  # pragma: no cover - never resolved
    raise AssertionError


def _requests(world: World) -> list[tuple[str, dict[str, Any]]]:
    rider = world.auth("rider1")
    json_header = {**rider, "Content-Type": "application/json"}
    return [
        ("no token", {"json": {"samples": [_sample(world)]}}),
        ("a bad token", {"json": {"samples": []}, "headers": {"Authorization": "Bearer nope"}}),
        (
            "malformed JSON, no token",
            {"content": b"{", "headers": {"Content-Type": "application/json"}},
        ),
        ("malformed JSON", {"content": b'{"samples": [', "headers": json_header}),
        ("bytes that are not UTF-8", {"content": b"\xff\xfe{", "headers": json_header}),
        (
            "a JSON subtype",
            {
                "content": b'{"samples": []}',
                "headers": {**rider, "Content-Type": "application/vnd.x+json; charset=utf-8"},
            },
        ),
        ("no body", {"headers": rider}),
        ("a text body", {"content": b"hello", "headers": {**rider, "Content-Type": "text/plain"}}),
        ("JSON without a content type", {"content": b'{"samples": []}', "headers": rider}),
        ("an empty batch", {"json": {"samples": []}, "headers": rider}),
        ("an unknown field", {"json": {"samples": [_sample(world, colour=1)]}, "headers": rider}),
        (
            "a string for a number",
            {"json": {"samples": [_sample(world, speed_mps="4")]}, "headers": rider},
        ),
        (
            "a sample from the future",
            {
                "json": {"samples": [_sample(world, at="2999-01-01T00:00:00+00:00")]},
                "headers": rider,
            },
        ),
        ("not a rider", {"json": {"samples": [_sample(world)]}, "headers": world.auth("student1")}),
        ("an operator", {"json": {"samples": [_sample(world)]}, "headers": world.auth("ops")}),
    ]


def _order_requests(world: World) -> list[tuple[str, dict[str, Any]]]:
    merchant_id, items = menu(world)
    good = {"merchant_id": merchant_id, "items": [{"item_id": items[0]["id"], "quantity": 1}]}
    customer = {**world.auth("student1"), "Idempotency-Key": "parity"}
    return [
        ("no token", {"json": good, "headers": {"Idempotency-Key": "k"}}),
        ("no key", {"json": good, "headers": world.auth("student1")}),
        ("an empty key", {"json": good, "headers": {**customer, "Idempotency-Key": ""}}),
        ("a long device id", {"json": good, "headers": {**customer, "X-Device-Id": "d" * 129}}),
        ("malformed JSON", {"content": b"[", "headers": customer}),
        (
            "bytes that are not UTF-8",
            {"content": b"\x80", "headers": {**customer, "Content-Type": "application/json"}},
        ),
        ("no items", {"json": {**good, "items": []}, "headers": customer}),
        (
            "a quantity as text",
            {"json": {**good, "items": [{"item_id": "x", "quantity": "1"}]}, "headers": customer},
        ),
        ("an unknown merchant", {"json": {**good, "merchant_id": "mer_nope"}, "headers": customer}),
        (
            "a rider orders",
            {"json": good, "headers": {**world.auth("rider1"), "Idempotency-Key": "r"}},
        ),
    ]


@pytest.mark.parametrize("path", [TELEMETRY, ORDERS])
def test_every_refusal_is_the_one_the_general_path_gives(world: World, path: str) -> None:
    asked = _requests if path == TELEMETRY else _order_requests
    lean = [(what, world.client.post(path, **kw)) for what, kw in asked(world)]
    _general(world)
    try:
        general = [(what, world.client.post(path, **kw)) for what, kw in asked(world)]
    finally:
        world.client.app.dependency_overrides.clear()  # type: ignore[attr-defined]
    for (what, a), (_, b) in zip(lean, general, strict=True):
        assert (a.status_code, a.json()) == (b.status_code, b.json()), what
        assert a.headers["content-type"] == b.headers["content-type"], what
    assert {a.status_code for _, a in lean} >= {401, 403, 422}


def test_an_order_and_its_retry_are_answered_alike(world: World) -> None:
    first = place(world, key="lean-1")
    again = place(world, key="lean-1")
    _general(world)
    try:
        replayed = place(world, key="lean-1")
        other = place(world, key="general-1")
    finally:
        world.client.app.dependency_overrides.clear()  # type: ignore[attr-defined]
    assert first.status_code == again.status_code == replayed.status_code == 201
    assert first.json() == again.json() == replayed.json()  # one order, however it is reached
    assert again.headers["Idempotent-Replayed"] == replayed.headers["Idempotent-Replayed"]
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert first.json().keys() == other.json().keys()


@pytest.mark.parametrize("path", [TELEMETRY, ORDERS])
def test_a_chunked_body_over_the_limit_is_still_a_413(world: World, path: str) -> None:
    read, sent = stream_to(world, chunks=200, size=4096, path=path)
    assert sent[0]["status"] == 413 and b"body_too_large" in sent[1]["body"]
    assert read <= 17


def test_an_accepted_post_is_answered_alike(world: World) -> None:
    body = {"samples": [_sample(world, speed_mps=12.0)]}  # speeding: one alert
    lean = world.client.post(TELEMETRY, json=body, headers=world.auth("rider1"))
    _general(world)
    try:
        body = {"samples": [_sample(world, speed_mps=12.0)]}
        general = world.client.post(TELEMETRY, json=body, headers=world.auth("rider2"))
    finally:
        world.client.app.dependency_overrides.clear()  # type: ignore[attr-defined]
    assert lean.status_code == general.status_code == 202
    assert lean.headers["content-type"] == general.headers["content-type"]
    assert [a["kind"] for a in lean.json()["alerts"]] == ["speeding"]
    assert lean.json().keys() == general.json().keys()


def test_the_telemetry_route_skips_the_general_dependency_solver(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    solved: list[str] = []
    original = fastapi.routing.solve_dependencies

    async def counting(**kw: Any) -> Any:
        solved.append(kw["request"].url.path)
        return await original(**kw)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counting)
    ok = world.client.post(
        TELEMETRY, json={"samples": [_sample(world)]}, headers=world.auth("rider1")
    )
    assert ok.status_code == 202
    assert solved == []
    assert world.client.get("/v1/me", headers=world.auth("rider1")).status_code == 200
    assert solved == ["/v1/me"]  # the general path, for a route that is not lean


def test_the_admission_gate_is_the_only_app_wide_dependency(world: World) -> None:
    """A LeanRoute runs the admission gate itself: another app-wide dependency would be skipped
    by it, so adding one must come with teaching LeanRoute to run it."""
    app = world.client.app
    assert [d.dependency.__qualname__ for d in app.router.dependencies] == [  # type: ignore[attr-defined]
        "gate.<locals>.admitted"
    ]
    lean = [r for r in api_routes(app.routes) if isinstance(r, LeanRoute)]  # type: ignore[attr-defined]
    assert sorted(r.path for r in lean) == [ORDERS, TELEMETRY]
    assert live_router.dependencies == orders_router.dependencies == []  # nor their routers


def _build(endpoint: Any, path: str = "/x") -> None:
    router = APIRouter()
    router.add_api_route(path, endpoint, methods=["POST"], route_class_override=LeanRoute)
    FastAPI().include_router(router)


def test_a_route_it_cannot_serve_is_refused_when_built() -> None:
    async def with_query(limit: int = 10) -> dict[str, int]:
        return {"limit": limit}

    def blocking() -> dict[str, int]:
        return {}

    def unknown_dependency() -> int:
        return 1

    async def with_dependency(n: int = Depends(unknown_dependency)) -> dict[str, int]:
        return {"n": n}

    async def with_path(item_id: str) -> dict[str, str]:
        return {"id": item_id}

    for endpoint, path in (
        (with_query, "/x"),
        (blocking, "/x"),
        (with_dependency, "/x"),
        (with_path, "/x/{item_id}"),
    ):
        with pytest.raises(TypeError, match="LeanRoute"):
            _build(endpoint, path)


def test_a_plain_route_is_untouched() -> None:
    app = FastAPI()

    @app.post("/y")
    async def plain(n: int = 1) -> dict[str, int]:
        return {"n": n}

    assert not isinstance(app.routes[-1], LeanRoute) and isinstance(app.routes[-1], APIRoute)
    assert TestClient(app).post("/y?n=2").json() == {"n": 2}

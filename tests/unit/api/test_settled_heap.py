"""``tiffin serve`` freezes its start-up heap before it says it is ready, so the collector's
full passes stop walking it (the stalls that were telemetry's p99, docs/benchmarks.md)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI

from tiffin.api import serving


@pytest.fixture(autouse=True)
def _unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the suite runs with the collector as it was


def test_settle_heap_freezes_what_is_alive_now_and_leaves_later_objects_collectable() -> None:
    before: list[object] = [["made before the freeze"]]
    frozen = serving.settle_heap()
    assert frozen == gc.get_freeze_count() > 0
    walked = gc.get_objects()  # what the collector's passes walk: not the frozen
    assert not any(o is before for o in walked)
    after: list[object] = [["made after the freeze"]]
    assert any(o is after for o in gc.get_objects())


async def _app(scope: dict[str, object], receive: object, send: object) -> None:
    if scope["type"] == "lifespan":
        return
    raise AssertionError("no request is sent")


def test_the_server_settles_its_heap_before_it_says_it_is_ready(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    events: list[str] = []
    real = serving.settle_heap

    def settle() -> int:
        events.append("settled")
        return real()

    monkeypatch.setattr(serving, "settle_heap", settle)
    sock = serving.bind("127.0.0.1", 0)
    config = uvicorn.Config(_app, lifespan="off", log_level="warning")

    def ready() -> None:
        events.append(f"ready {gc.get_freeze_count() > 0}")
        server.should_exit = True  # served: stop at once

    server = serving._Server(config, ready)
    asyncio.run(server.serve(sockets=[sock]))
    sock.close()
    assert events == ["settled", "ready True"]


def test_the_openapi_document_is_built_aside_once_the_server_is_ready() -> None:
    """Not on the first request for it, on the event loop (1.2 s with nothing else answered)."""
    app = FastAPI()

    @app.get("/thing")
    def thing() -> dict[str, str]:
        return {}

    sock = serving.bind("127.0.0.1", 0)
    config = uvicorn.Config(app, lifespan="off", log_level="warning")
    built_at_ready: list[bool] = []

    def ready() -> None:
        built_at_ready.append(app.openapi_schema is not None)
        server.should_exit = True

    server = serving._Server(config, ready)
    asyncio.run(server.serve(sockets=[sock]))
    sock.close()
    assert built_at_ready == [False]  # readiness does not wait for it
    assert server.openapi_thread is not None
    server.openapi_thread.join(10)
    assert app.openapi_schema is not None and "/thing" in app.openapi_schema["paths"]

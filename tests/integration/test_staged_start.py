"""The platform starts its workers in waves: core first, notifications once the dispatcher
has done a cycle, deferrable ones after the core has been healthy for a while; /readyz shows
the order."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from tiffin.api.app import create_app
from tiffin.platform import Platform
from tiffin.settings import Settings


def test_workers_start_core_first_and_deferrable_last(sqlite_url: str) -> None:
    settings = Settings(
        database_url=sqlite_url,
        run_workers=False,
        dispatch_seconds=0.2,
        health_seconds=0.2,
        startup_settle_seconds=1.0,
    )
    platform = Platform.build(settings)
    hooked: list[bool] = []
    platform.when_started(
        lambda: hooked.append(platform.startup is not None and platform.startup.done)
    )
    platform.start_workers()
    try:
        assert platform.startup is not None
        first = [j.name for j, _ in platform.startup.started]
        assert first == ["tiffin-outbox", "tiffin-dispatch", "tiffin-health"]
        deadline = time.monotonic() + 20
        while not platform.startup.done and time.monotonic() < deadline:
            time.sleep(0.1)
        started = platform.startup.started
        names = [j.name for j, _ in started]
        deferrable = ["tiffin-health-records", "tiffin-webhooks", "tiffin-drills"]
        assert names == first + ["tiffin-notify", "tiffin-anomalies", *deferrable]
        at = {j.name: when for j, when in started}
        assert (at["tiffin-webhooks"] - at["tiffin-notify"]).total_seconds() >= 0.9
        while not hooked and time.monotonic() < deadline:
            time.sleep(0.05)
        assert hooked == [True]  # run once, after the last wave started
        ready = TestClient(create_app(platform=platform)).get("/readyz").json()
        shown = [s["job"] for s in ready["checks"]["startup"]["started"]]
        assert shown == names and ready["checks"]["startup"]["waiting"] == []
    finally:
        platform.stop()

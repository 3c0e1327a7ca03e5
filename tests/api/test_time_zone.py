"""Times a customer reads are on the tenant's clock: the demo campus is in Shanghai (issue 14)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.api.helpers import place
from tests.conftest import World


def test_the_order_placed_message_promises_a_shanghai_time(world: World) -> None:
    order = place(world, key="tz-1").json()
    world.drain()
    promised = datetime.fromisoformat(order["promised_at"])
    shanghai = promised.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%H:%M")
    utc = promised.astimezone(ZoneInfo("UTC")).strftime("%H:%M")
    assert shanghai != utc  # eight hours apart: the test can tell the clocks apart
    inbox = world.client.get("/v1/me/inbox", headers=world.auth("student1")).json()
    [placed] = [m for m in inbox if m["order_id"] == order["id"]]
    assert shanghai in placed["body"] and utc not in placed["body"]
    assert "UTC" not in placed["body"]

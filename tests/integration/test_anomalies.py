"""The anomaly engine against a real database (SQLite and PostgreSQL): detect, re-dispatch,
tell the customer once, compensate once, charged to whoever is liable."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.api.helpers import ON_CAMPUS, assigned, merchant_of, place
from tests.conftest import World
from tiffin.care.reasons import plain_words
from tiffin.domain.anomalies import Reason
from tiffin.store import tables

CANCELLED_TITLES = {"Your order was cancelled", "订单已取消"}


def rows(world: World, table: tables.Table, **where: Any) -> list[dict[str, Any]]:
    with world.platform.uow(read_only=True) as uow:
        query = select(table).where(*[table.c[k] == v for k, v in where.items()])
        return [dict(r) for r in uow.conn.execute(query).mappings()]


def ledger_total(world: World) -> int:
    with world.platform.uow(read_only=True) as uow:
        p = tables.ledger_postings.c
        return int(uow.conn.execute(select(func.coalesce(func.sum(p.amount_cents), 0))).scalar())


def anomaly_messages(world: World, who: str = "student1") -> list[dict[str, Any]]:
    return [
        n
        for n in world.client.get("/v1/me/notifications", headers=world.auth(who)).json()
        if n["anomaly_id"]
    ]


def test_merchant_cancel_gives_one_message_with_the_reason_and_one_grant_charged_to_the_merchant(
    world: World,
) -> None:
    c = world.client
    order = place(world, key="reject-1").json()
    canteen = merchant_of(world, order)
    said = c.post(
        f"/v1/orders/{order['id']}/reject",
        json={"reason": "out of rice"},
        headers=world.auth(canteen),
    )
    assert said.status_code == 200
    world.drain()
    world.drain()  # nothing new: a second pass must not repeat anything
    inbox = c.get("/v1/me/inbox", headers=world.auth("student1")).json()
    sorry = [m for m in inbox if m["title"] in CANCELLED_TITLES]
    assert len(sorry) == 1  # student1 reads Chinese: the reason in their words
    assert plain_words(Reason.MERCHANT_DECLINED, "zh-CN") in sorry[0]["body"]
    assert len(anomaly_messages(world)) == 1
    wallet = c.get("/v1/me/wallet", headers=world.auth("student1")).json()
    assert len(wallet["grants"]) == 1
    grant = wallet["grants"][0]
    assert grant["payer"] == f"merchant:{order['merchant_id']}" and grant["liable"] == "merchant"
    assert grant["refund_cents"] == order["total_cents"]
    assert wallet["refunded_cents"] == order["total_cents"]
    assert wallet["credit_cents"] == grant["amount_cents"] > 0
    assert f"{grant['amount_cents'] // 100}.{grant['amount_cents'] % 100:02d}" in sorry[0]["body"]
    assert ledger_total(world) == 0
    merchant_notices = c.get("/v1/me/notifications", headers=world.auth(canteen)).json()
    assert [n["order_id"] for n in merchant_notices] == [order["id"]]


def test_a_customer_cancel_is_not_an_anomaly(world: World) -> None:
    order = place(world, key="own-cancel").json()
    world.client.post(
        f"/v1/orders/{order['id']}/cancel",
        json={"reason": "changed my mind"},
        headers=world.auth("student1"),
    )
    world.drain()
    assert rows(world, tables.anomalies) == [] and rows(world, tables.grants) == []


def test_a_crash_between_detection_and_notification_still_tells_each_customer_exactly_once(
    world: World,
) -> None:
    """Kill -9 the worker process in the middle of a batch, after it wrote the first message
    but before it committed; the restarted worker tells everyone once."""
    c = world.client
    ids = []
    for n in range(3):
        order = place(world, key=f"crash-{n}").json()
        c.post(
            f"/v1/orders/{order['id']}/reject",
            json={"reason": "closing early"},
            headers=world.auth(merchant_of(world, order)),
        )
        ids.append(order["id"])
    script = textwrap.dedent(
        f"""
        import os
        from tiffin.clock import SystemClock
        from tiffin.platform import Platform
        from tiffin.settings import Settings
        import tiffin.care.notify as notify

        real = notify.notify_customer
        calls = []

        def dying(*args, **kwargs):
            result = real(*args, **kwargs)
            calls.append(result)
            if len(calls) == 2:
                os._exit(9)  # the process dies mid-batch, its transaction uncommitted
            return result

        notify.notify_customer = dying
        platform = Platform.build(Settings(database_url={world.platform.settings.database_url!r}))
        platform.outbox_runner().run_until_idle()
        """
    )
    died = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert died.returncode == 9, died.stderr.decode()[-2000:]
    assert rows(world, tables.anomalies) == []  # nothing of the dead batch survived
    world.drain()
    notes = rows(world, tables.notifications, recipient=f"customer:{world.subjects['student1']}")
    assert sorted(n["order_id"] for n in notes) == sorted(ids)
    assert len(rows(world, tables.grants)) == 3
    sorry = [
        m
        for m in c.get("/v1/me/inbox", headers=world.auth("student1")).json()
        if m["title"] in CANCELLED_TITLES
    ]
    assert len(sorry) == 3


def test_a_silent_rider_is_detected_and_the_order_re_dispatched_in_the_same_step(
    world: World,
) -> None:
    c = world.client
    order = assigned(world, "lost-1")
    c.post("/v1/riders/me/shift/start", json=ON_CAMPUS, headers=world.auth("rider2"))
    world.platform.clock.advance(timedelta(minutes=3))
    c.post(
        "/v1/riders/me/location", json=ON_CAMPUS, headers=world.auth("rider2")
    )  # rider2 is alive
    assert world.platform.scan_anomalies() == 0
    world.platform.clock.advance(timedelta(minutes=3))  # rider1: six minutes without a word
    c.post("/v1/riders/me/location", json=ON_CAMPUS, headers=world.auth("rider2"))
    assert world.platform.scan_anomalies() == 1
    [anomaly] = c.get("/v1/anomalies", headers=world.auth("ops")).json()
    assert anomaly["type"] == "rider_lost" and anomaly["facts"]["why"] == "no location report"
    detail = c.get(f"/v1/anomalies/{anomaly['id']}", headers=world.auth("ops")).json()
    steps = [a["step"] for a in detail["actions"]]
    assert steps[:3] == ["redispatch", "compensate", "notify_customer"]
    assert f"rider {world.subjects['rider2']}" in detail["actions"][0]["outcome"]
    offers = c.get("/v1/riders/me/offers", headers=world.auth("rider2")).json()
    assert [o["order_id"] for o in offers] == [order["id"]]
    [message] = anomaly_messages(world)
    eta = detail["actions"][2]["data"]["eta"]
    assert eta is not None
    local = datetime.fromisoformat(eta).astimezone(ZoneInfo("Asia/Shanghai"))  # the campus's clock
    assert local.strftime("%H:%M") in message["body"]
    # rider2 takes it: the trouble has cleared, and the anomaly closes by itself
    c.post(f"/v1/offers/{offers[0]['id']}/accept", headers=world.auth("rider2"))
    world.platform.scan_anomalies()
    closed = c.get("/v1/anomalies?status=closed", headers=world.auth("ops")).json()
    assert [a["id"] for a in closed] == [anomaly["id"]]
    assert world.platform.scan_anomalies() == 0  # and nothing is detected twice


def test_a_slow_merchant_is_chased_and_the_sla_escalates_to_the_operator(world: World) -> None:
    c = world.client
    order = place(world, key="slow-1").json()
    world.platform.clock.advance(timedelta(minutes=5))
    assert world.platform.scan_anomalies() == 1
    canteen = merchant_of(world, order)
    assert len(c.get("/v1/me/notifications", headers=world.auth(canteen)).json()) == 1
    assert len(anomaly_messages(world)) == 1
    world.platform.clock.advance(timedelta(minutes=31))  # medium severity: a 30-minute SLA
    world.platform.scan_anomalies()
    [anomaly] = c.get("/v1/anomalies?status=escalated", headers=world.auth("ops")).json()
    assert anomaly["order_id"] == order["id"]


@pytest.mark.parametrize(
    "starts_at",
    ["0001-01-01T00:00:00+01:00", "2026-11-25T12:00:00", "1899-12-31T23:00:00+00:00"],
    ids=["before-year-1-in-utc", "no-utc-offset", "before-2000"],
)
def test_a_force_majeure_window_with_an_unstorable_time_is_refused(
    world: World, starts_at: str
) -> None:
    storm = {"starts_at": starts_at, "ends_at": "2026-11-25T18:00:00+00:00", "reason": "typhoon"}
    response = world.client.post("/v1/care/force-majeure", json=storm, headers=world.auth("ops"))
    assert response.status_code == 422
    assert rows(world, tables.force_majeure) == []


def test_a_late_delivery_in_a_declared_storm_is_paid_by_the_force_majeure_fund(
    world: World,
) -> None:
    c = world.client
    now = world.platform.clock.now()
    storm = {
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=3)).isoformat(),
        "reason": "typhoon",
    }
    assert (
        c.post("/v1/care/force-majeure", json=storm, headers=world.auth("ops")).status_code == 201
    )
    order = assigned(world, "storm-1")
    canteen = merchant_of(world, order)
    c.post(f"/v1/orders/{order['id']}/ready", headers=world.auth(canteen))
    c.post(f"/v1/orders/{order['id']}/pickup", headers=world.auth("rider1"))
    world.platform.clock.set(datetime.fromisoformat(order["promised_at"]) + timedelta(minutes=20))
    c.post(f"/v1/orders/{order['id']}/deliver", headers=world.auth("rider1"))
    world.drain()
    [grant] = rows(world, tables.grants)
    assert grant["liable"] == "force_majeure"
    assert grant["payer"].endswith(":force_majeure") and grant["tier"] == "credit-500"
    assert plain_words(Reason.WEATHER, "zh-CN") in anomaly_messages(world)[0]["body"]


@pytest.mark.parametrize("stormy", [True, False], ids=["in-the-storm", "after-it"])
def test_ten_minutes_late_in_a_declared_storm_is_not_late_and_after_it_is(
    world: World, stormy: bool
) -> None:
    c = world.client
    now = world.platform.clock.now()
    storm = {
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=2)).isoformat(),
        "reason": "typhoon",
    }
    assert (
        c.post("/v1/care/force-majeure", json=storm, headers=world.auth("ops")).status_code == 201
    )
    if not stormy:  # the window has ended by the time the order is placed and delivered
        world.platform.clock.set(now + timedelta(hours=3))
    order = assigned(world, "storm-late-1")
    canteen = merchant_of(world, order)
    c.post(f"/v1/orders/{order['id']}/ready", headers=world.auth(canteen))
    c.post(f"/v1/orders/{order['id']}/pickup", headers=world.auth("rider1"))
    world.platform.clock.set(datetime.fromisoformat(order["promised_at"]) + timedelta(minutes=10))
    c.post(f"/v1/orders/{order['id']}/deliver", headers=world.auth("rider1"))
    world.drain()
    found = rows(world, tables.anomalies, order_id=order["id"])
    late = [a for a in found if a["type"] == "delivered_late"]
    assert (late == []) is stormy

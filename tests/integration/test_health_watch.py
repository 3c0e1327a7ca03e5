"""Health signals open platform incidents on their own, calm them, resolve them and make good;
a dispatch incident takes the blame off riders and pauses SLA timers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from tests.api.helpers import assigned, merchant_of, place
from tests.conftest import World
from tiffin.api.app import create_app
from tiffin.incidents.health import HealthWatch, HttpStats, breaches
from tiffin.settings import Settings
from tiffin.store import tables


@dataclass
class FakeRunning:
    http: HttpStats = field(default_factory=HttpStats)
    heartbeats: dict[str, datetime] = field(default_factory=dict)
    lag: int = 0

    def outbox_lag(self) -> int:
        return self.lag

    def workers_running(self) -> bool:
        return True


def tick(world: World, watch: HealthWatch, running: FakeRunning) -> list[str]:
    with world.platform.uow(read_only=True) as uow:
        found = breaches(uow, running, watch.limits)
    with world.platform.uow() as uow:
        done = watch.tick(uow, found)
        uow.commit()
    return done


def test_a_stalled_dispatcher_opens_calms_and_resolves_an_incident_made_good_once_confirmed(
    world: World,
) -> None:
    c, clock = world.client, world.platform.clock
    order = place(world, key="stalled").json()
    c.post(f"/v1/orders/{order['id']}/accept", headers=world.auth(merchant_of(world, order)))
    running, watch = FakeRunning(), HealthWatch()
    running.heartbeats["dispatch_once"] = clock.now()
    assert tick(world, watch, running) == []
    clock.advance(timedelta(seconds=90))  # no cycle for 90 s
    assert tick(world, watch, running) == ["opened dispatcher_stalled"]
    assert tick(world, watch, running) == []  # one incident, not one per tick
    page = c.get("/status.json").json()
    assert page["components"]["dispatch"] == "partial_outage"
    [incident] = page["open_incidents"]
    assert "no dispatch cycle for 90 s" in incident["updates"][0]["message"]
    clock.advance(timedelta(minutes=25))  # the order's promise passes while dispatch is down
    running.heartbeats["dispatch_once"] = clock.now()
    assert tick(world, watch, running) == ["monitoring dispatcher_stalled"]
    clock.advance(timedelta(minutes=5))
    running.heartbeats["dispatch_once"] = clock.now()  # it has kept beating since
    assert tick(world, watch, running) == ["resolved dispatcher_stalled"]
    ops = world.auth("ops")
    [resolved] = c.get("/v1/incidents?state=resolved", headers=ops).json()
    assert resolved["source"] == "signal:dispatcher_stalled"
    assert not resolved["confirmed"] and resolved["made_good_orders"] == 0  # a signal alone
    assert c.get("/v1/me/wallet", headers=world.auth("student1")).json()["grants"] == []
    confirmed = c.post(f"/v1/incidents/{resolved['id']}/confirm", headers=ops).json()
    assert confirmed["confirmed"] and confirmed["made_good_orders"] == 1  # missed its promise
    again = c.post(f"/v1/incidents/{resolved['id']}/confirm", headers=ops).json()
    assert again["made_good_orders"] == 1  # confirming twice grants nothing more
    wallet = c.get("/v1/me/wallet", headers=world.auth("student1")).json()
    assert [g["order_id"] for g in wallet["grants"]] == [order["id"]]
    assert c.get("/status.json").json()["components"]["dispatch"] == "operational"


def test_error_rate_outbox_lag_and_failing_providers_are_signals(world: World) -> None:
    clock = world.platform.clock
    running, watch = FakeRunning(lag=5000), HealthWatch()
    for n in range(30):
        running.http.record(clock.now(), 500 if n % 3 == 0 else 200, tenant_of(world))
    now = clock.now()
    with world.platform.uow() as uow:
        uow.conn.execute(
            tables.notifications.insert().values(
                id="ntf_x",
                tenant_id=tenant_of(world),
                recipient="customer:x",
                dedupe_key="x",
                language="en",
                title="t",
                body="b",
                priority=1,
                channels=["push"],
                channel_index=0,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
        uow.conn.execute(
            tables.notification_attempts.insert(),
            [
                {
                    "notification_id": "ntf_x",
                    "channel": "push",
                    "at": now,
                    "ok": False,
                    "status_code": 503,
                    "error": "down",
                    "elapsed_ms": 3.0,
                }
                for _ in range(6)
            ],
        )
        uow.commit()
    assert sorted(tick(world, watch, running)) == [
        f"opened error_rate ({tenant_of(world)})",
        "opened notification_failures",
        "opened outbox_lag",
    ]
    page = world.client.get("/status.json?tenant=campus").json()
    assert page["components"]["ordering"] == "partial_outage"
    assert page["components"]["notifications"] == "partial_outage"


def tenant_of(world: World) -> str:
    with world.platform.uow(read_only=True) as uow:
        return str(uow.conn.execute(select(tables.tenants.c.id)).scalars().first())


def test_during_a_dispatch_incident_a_lost_rider_is_the_platforms_fault(world: World) -> None:
    c, clock = world.client, world.platform.clock
    assigned(world, "lost")
    c.post(
        "/v1/incidents",
        json={"title": "GPS feed down", "components": {"dispatch": "major"}, "message": "x"},
        headers=world.auth("ops"),
    )
    clock.advance(timedelta(minutes=6))
    world.platform.scan_anomalies()
    [anomaly] = c.get("/v1/anomalies", headers=world.auth("ops")).json()
    assert anomaly["type"] == "rider_lost" and anomaly["liable"] == "platform"
    clock.advance(timedelta(hours=1))  # far past its SLA, but the incident pauses escalation
    world.platform.scan_anomalies()
    assert c.get("/v1/anomalies?status=escalated", headers=world.auth("ops")).json() == []


def test_metrics_and_a_database_that_cannot_be_reached(world: World) -> None:
    c = world.client
    place(world, key="m")
    world.platform.settings.metrics_token = SecretStr("scrape-me")
    body = c.get("/metrics", headers={"Authorization": "Bearer scrape-me"}).text
    assert 'tiffin_orders{state="placed"} 1.0' in body
    assert 'tiffin_http_requests_total{method="POST",route="/v1/orders",status="201"}' in body
    assert "tiffin_outbox_lag" in body
    dead = Settings(
        database_url="postgresql+psycopg://postgres@127.0.0.1:1/nowhere", run_workers=False
    )
    with TestClient(create_app(dead)) as down:
        answer = down.post(
            "/v1/auth/login",
            json={"tenant": "campus", "email": "student1@campus.test", "password": "tiffin-demo"},
        )
        assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
        assert answer.json()["code"] == "database_unavailable"
        assert down.get("/readyz").status_code == 503


def test_the_platforms_own_watch_reads_its_signals_and_stays_quiet_when_healthy(
    world: World,
) -> None:
    assert world.platform.watch_health() == []
    for _ in range(25):
        world.platform.http.record(world.platform.clock.now(), 503, tenant_of(world))
    assert world.platform.watch_health() == [f"opened error_rate ({tenant_of(world)})"]
    assert world.platform.watch_health() == []  # one incident, however many processes look

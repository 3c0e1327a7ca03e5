"""/v1/riders/me/telemetry and /v1/riders/me/panic: batches raise alerts once; the panic
button alerts operators and hands the rider's orders to re-dispatch."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from tests.api.helpers import assigned
from tests.conftest import World
from tiffin.domain.geo import LatLon
from tiffin.domain.principals import Principal, Role
from tiffin.errors import Forbidden, Invalid
from tiffin.safety.alerts import Sample
from tiffin.safety.ingest import TelemetryWriter
from tiffin.safety.telemetry import Post, ingest_posts
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

SPOT = {"lat": 31.03, "lon": 121.44}


def batch(world: World, speeds: list[float], impact_at: int = -1, back: int = 60) -> dict[str, Any]:
    now = world.platform.clock.now()
    return {
        "samples": [
            {
                "at": (now - timedelta(seconds=back - 5 * i)).isoformat(),
                "location": SPOT,
                "speed_mps": v,
                "impact": i == impact_at,
            }
            for i, v in enumerate(speeds)
        ]
    }


def send(world: World, body: dict[str, Any], who: str = "rider1") -> Any:
    return world.client.post("/v1/riders/me/telemetry", json=body, headers=world.auth(who))


def alerts(world: World, who: str = "ops") -> Any:
    return world.client.get("/v1/safety/alerts", headers=world.auth(who))


def test_a_batch_is_stored_and_raises_its_alerts_once(world: World) -> None:
    body = batch(world, [4.0, 12.0, 0.0], impact_at=2)
    r = send(world, body)
    assert r.status_code == 202, r.json()
    assert sorted(a["kind"] for a in r.json()["alerts"]) == ["possible_fall", "speeding"]
    assert send(world, body).json()["alerts"] == []  # a retried batch raises nothing new
    with world.platform.uow(read_only=True) as uow:
        stored = uow.conn.execute(select(func.count()).select_from(tables.rider_telemetry))
        assert stored.scalar() == 6
    seen = alerts(world).json()
    assert {a["kind"] for a in seen} == {"possible_fall", "speeding"}
    assert all(a["rider_id"] == world.subjects["rider1"] for a in seen)
    me = world.client.get("/v1/riders/me", headers=world.auth("rider1")).json()
    assert me["location"] == SPOT


def test_a_long_stop_mid_delivery_is_an_alert(world: World) -> None:
    assigned(world, "tel-1")
    send(world, batch(world, [3.0]))
    world.platform.clock.advance(timedelta(minutes=11))
    r = send(world, batch(world, [0.0, 0.0]))
    assert [a["kind"] for a in r.json()["alerts"]] == ["long_stop"]


def test_bad_batches_are_refused(world: World) -> None:
    assert send(world, {"samples": []}).status_code == 422
    assert send(world, batch(world, [1.0] * 121, back=700)).status_code == 422
    future = batch(world, [1.0], back=-60)
    r = send(world, future)
    assert r.status_code == 422 and r.json()["code"] == "bad_batch"
    assert send(world, batch(world, [-1.0])).status_code == 422
    assert send(world, batch(world, [1.0]), who="student1").json()["code"] == "rider_only"


def test_alerts_are_for_the_tenants_operators_only(world: World) -> None:
    world.seed("city")
    send(world, batch(world, [12.0]))
    for who in ("rider1", "student1", "canteen1"):
        assert alerts(world, who).status_code == 403
    assert alerts(world, "ops@city").json() == []


def test_panic_alerts_operators_and_redispatches_the_riders_orders(world: World) -> None:
    order = assigned(world, "panic-1")
    r = world.client.post(
        "/v1/riders/me/panic", json={"location": SPOT}, headers=world.auth("rider1")
    )
    assert r.status_code == 201, r.json()
    assert r.json() == {"operators_alerted": True, "orders_redispatched": [order["id"]]}
    after = world.client.get(f"/v1/orders/{order['id']}", headers=world.auth("ops")).json()
    assert after["rider_id"] != world.subjects["rider1"]
    assert [a["kind"] for a in alerts(world).json()] == ["panic"]
    notices = world.client.get("/v1/care/notices", headers=world.auth("ops")).json()
    assert any("PANIC" in str(n) for n in notices)
    assert (
        world.client.post(
            "/v1/riders/me/panic", json={"location": SPOT}, headers=world.auth("ops")
        ).status_code
        == 403
    )


# --- group commit (tiffin.safety.ingest) ---


def _tenant(world: World) -> str:
    with world.platform.uow(read_only=True) as uow:
        return uow.riders.require(str(world.subjects["rider1"])).tenant_id


def _post(world: World, who: str, speeds: list[float]) -> Post:
    """A post as the route builds it, for the rider account ``who``."""
    principal = Principal("usr_test", _tenant(world), Role.RIDER, world.subjects[who])
    samples = [
        Sample(
            world.platform.clock.now() - timedelta(seconds=30 - 5 * i),
            LatLon(31.03, 121.44),
            v,
        )
        for i, v in enumerate(speeds)
    ]
    return Post(principal, samples)


def _stored(world: World) -> int:
    with world.platform.uow(read_only=True) as uow:
        count = select(func.count()).select_from(tables.rider_telemetry)
        return int(uow.conn.execute(count).scalar_one())


def test_several_posts_share_one_transaction_and_each_gets_its_own_answer(world: World) -> None:
    not_a_rider = Principal("usr_test", _tenant(world), Role.CUSTOMER, "cus_x")
    customer = replace(_post(world, "rider1", [4.0]), principal=not_a_rider)
    future = replace(
        _post(world, "rider1", [4.0]),
        samples=[
            Sample(world.platform.clock.now() + timedelta(minutes=5), LatLon(31.03, 121.44), 4.0)
        ],
    )
    posts = [_post(world, "rider1", [4.0, 12.0]), customer, future, _post(world, "rider1", [3.0])]
    with world.platform.uow() as uow:
        outcomes = ingest_posts(uow, posts)
        uow.commit()
    assert [a.kind.value for a in outcomes[0]] == ["speeding"]  # type: ignore[union-attr]
    assert isinstance(outcomes[1], Forbidden) and outcomes[1].code == "rider_only"
    assert isinstance(outcomes[2], Invalid) and outcomes[2].code == "bad_batch"
    assert outcomes[3] == []
    assert _stored(world) == 3  # the refused posts stored nothing, the others everything


def test_a_failed_group_is_retried_post_by_post_and_nothing_is_stored_twice(
    world: World,
) -> None:
    opened = [0]
    release = threading.Event()

    def failing_second_transaction() -> UnitOfWork:
        opened[0] += 1
        uow = world.platform.uow()
        if opened[0] == 2:  # the group of three: it fails at commit, after its inserts

            def broken_commit() -> None:
                raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

            uow.commit = broken_commit  # type: ignore[method-assign]
        return uow

    waiting = threading.Event()

    def hold(_: float) -> None:  # the writer holds its first group until the others queue
        waiting.set()
        release.wait(5)

    writer = TelemetryWriter(failing_second_transaction, on_wait=hold)
    first = writer.submit(_post(world, "rider1", [4.0]))
    assert waiting.wait(5)
    rest = [writer.submit(_post(world, "rider1", [4.0 + n])) for n in range(3)]
    release.set()
    assert first.result(5) == [] and [f.result(5) for f in rest] == [[], [], []]
    writer.close()
    assert (writer.groups, writer.posts) == (4, 4)  # one of one, then the three one by one
    assert _stored(world) == 4

"""/v1/safety/early-warning: a zone whose riders fail their checks while orders keep coming
shows a shortfall and recommendations; applying one is one step, idempotent, recorded with who,
and goes through the existing mechanism (roster messages, the promise buffer, a zone closure)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from tests.api.helpers import ON_CAMPUS, place
from tests.conftest import World
from tiffin.store import tables

WARN = "/v1/safety/early-warning"


def busy_campus(world: World) -> list[dict[str, Any]]:
    """Six orders a quarter-hour ago, one rider on shift, one of two check-ins failed."""
    for i in range(6):
        assert place(world, key=f"ew-{i}").status_code == 201
    world.platform.clock.advance(timedelta(minutes=20))
    c = world.client
    ill = {"temperature_c": 38.4, "symptoms": ["cough"]}
    well = {"temperature_c": 36.6, "symptoms": []}
    assert (
        c.post("/v1/riders/me/health-checks", json=well, headers=world.auth("rider1")).status_code
        == 201
    )
    assert (
        c.post(
            "/v1/riders/me/shift/start", json=ON_CAMPUS, headers=world.auth("rider1")
        ).status_code
        == 201
    )
    assert (
        c.post("/v1/riders/me/health-checks", json=ill, headers=world.auth("rider2")).status_code
        == 201
    )
    r = c.post(
        "/v1/riders/me/telemetry",
        json={
            "samples": [
                {
                    "at": (world.platform.clock.now() - timedelta(seconds=5)).isoformat(),
                    "location": ON_CAMPUS["location"],
                    "speed_mps": 0.0,
                }
            ]
        },
        headers=world.auth("rider2"),
    )
    assert r.status_code == 202, r.json()
    r = c.get(WARN, headers=world.auth("ops"))
    assert r.status_code == 200, r.json()
    return list(r.json())


def test_a_shortfall_is_forecast_and_explained(world: World) -> None:
    outlook = busy_campus(world)
    short = [w for w in outlook if w["shortfall_riders"] > 0]
    assert short, outlook
    zone = short[0]
    assert zone["orders_expected"] > zone["capacity"]
    assert zone["failed_share"] == 0.5
    actions = {r["action"] for r in zone["recommendations"]}
    assert {"call_standby", "extend_promise"} <= actions
    assert all("health checks failed" in r["why"] for r in zone["recommendations"])


def test_applying_is_one_step_idempotent_and_recorded(world: World) -> None:
    c = world.client
    now = world.platform.clock.now()
    entry = {
        "scope": "platform",
        "name": "Duty manager",
        "role": "duty manager",
        "channel": "sms",
        "address": "+8613800000000",
        "language": "zh-CN",
        "on_call_from": (now - timedelta(hours=1)).isoformat(),
        "on_call_until": (now + timedelta(hours=8)).isoformat(),
    }
    assert c.post("/v1/safety/roster", json=entry, headers=world.auth("ops")).status_code == 201
    recs = {r["action"]: r for w in busy_campus(world) for r in w["recommendations"]}
    with world.platform.uow(read_only=True) as uow:
        before = uow.conn.execute(select(tables.tenants.c.promise_buffer_minutes)).scalar_one()
    standby = c.post(f"{WARN}/{recs['call_standby']['id']}/apply", headers=world.auth("ops"))
    assert standby.status_code == 200, standby.json()
    assert standby.json()["detail"].startswith("1 on call notified")
    again = c.post(f"{WARN}/{recs['call_standby']['id']}/apply", headers=world.auth("ops"))
    assert again.json() == standby.json()
    promise = c.post(f"{WARN}/{recs['extend_promise']['id']}/apply", headers=world.auth("ops"))
    c.post(f"{WARN}/{recs['extend_promise']['id']}/apply", headers=world.auth("ops"))
    with world.platform.uow(read_only=True) as uow:
        n = tables.notifications.c
        sent = uow.conn.execute(select(n.body).where(n.recipient.like("roster:%"))).all()
        after = uow.conn.execute(select(tables.tenants.c.promise_buffer_minutes)).scalar_one()
    assert len(sent) == 1 and "骑手" in sent[0].body
    assert after == before + recs["extend_promise"]["extra_minutes"]  # once, not twice
    assert promise.json()["applied_by"] == standby.json()["applied_by"]
    listed = c.get(WARN, headers=world.auth("ops")).json()
    shown = {r["id"]: r for w in listed for r in w["recommendations"]}
    assert shown[recs["call_standby"]["id"]]["applied"]["detail"] == standby.json()["detail"]


def test_only_the_tenants_operators_see_and_apply(world: World) -> None:
    recs = [r for w in busy_campus(world) for r in w["recommendations"]]
    world.seed("city")
    for who in ("rider1", "student1", "canteen1"):
        assert world.client.get(WARN, headers=world.auth(who)).status_code == 403
        assert (
            world.client.post(f"{WARN}/{recs[0]['id']}/apply", headers=world.auth(who)).status_code
            == 403
        )
    stranger = world.client.post(f"{WARN}/{recs[0]['id']}/apply", headers=world.auth("ops@city"))
    assert stranger.status_code == 404
    assert world.client.get(f"{WARN}?horizon_hours=7", headers=world.auth("ops")).status_code == 422
    long = "x" * 121
    assert world.client.post(f"{WARN}/{long}/apply", headers=world.auth("ops")).status_code == 422


def test_pausing_a_zone_closes_it_handing_over_next_door(world: World) -> None:
    recs = [r for w in busy_campus(world) for r in w["recommendations"]]
    pause = next(r for r in recs if r["action"] == "pause_zone")
    alone = world.client.post(f"{WARN}/{pause['id']}/apply", headers=world.auth("ops"))
    assert alone.status_code == 409 and alone.json()["code"] == "no_handoff_zone"
    assert world.client.get("/v1/risk-zones", headers=world.auth("ops")).json() == []
    with world.platform.uow() as uow:
        tenant = uow.conn.execute(select(tables.zones.c.tenant_id)).scalars().first()
        square = [[31.05, 121.46], [31.05, 121.47], [31.06, 121.47], [31.06, 121.46]]
        uow.conn.execute(
            tables.zones.insert().values(
                id="zn_next_door", tenant_id=tenant, name="Next door", polygon=square
            )
        )
        uow.commit()
    r = world.client.post(f"{WARN}/{pause['id']}/apply", headers=world.auth("ops"))
    assert r.status_code == 200, r.json()
    closed = world.client.get("/v1/risk-zones", headers=world.auth("ops")).json()
    assert [z["level"] for z in closed] == ["high"] and "(paused)" in closed[0]["name"]
    handoff = closed[0]["handoff"]  # the neighbour's centre
    assert abs(handoff["lat"] - 31.055) < 1e-9 and abs(handoff["lon"] - 121.465) < 1e-9

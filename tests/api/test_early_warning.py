"""/v1/safety/early-warning: a zone whose riders fail their checks while orders keep coming
shows a shortfall and recommendations; applying one is one step, idempotent, recorded with who,
and goes through the existing mechanism (roster messages, a bounded promise extension, new
orders to a zone paused at checkout)."""

from __future__ import annotations

from datetime import datetime, timedelta
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
        n, t = tables.notifications.c, tables.tenants.c
        sent = uow.conn.execute(select(n.body).where(n.recipient.like("roster:%"))).all()
        after, extra, until = uow.conn.execute(
            select(t.promise_buffer_minutes, t.promise_extra_minutes, t.promise_extra_until)
        ).one()
    assert len(sent) == 1 and "骑手" in sent[0].body
    # the extension is set once (not added twice), capped, and ends with the horizon
    assert after == before and extra == min(30, recs["extend_promise"]["extra_minutes"]) > 0
    assert until == world.platform.clock.now() + timedelta(hours=2)
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


def _next_door(world: World) -> None:
    with world.platform.uow() as uow:
        tenant = uow.conn.execute(select(tables.zones.c.tenant_id)).scalars().first()
        square = [[31.05, 121.46], [31.05, 121.47], [31.06, 121.47], [31.06, 121.46]]
        uow.conn.execute(
            tables.zones.insert().values(
                id="zn_next_door", tenant_id=tenant, name="Next door", polygon=square
            )
        )
        uow.commit()


def test_a_longer_promise_reaches_checkout_and_falls_back(world: World) -> None:
    recs = {r["action"]: r for w in busy_campus(world) for r in w["recommendations"]}
    usual = place(world, key="before").json()
    r = world.client.post(f"{WARN}/{recs['extend_promise']['id']}/apply", headers=world.auth("ops"))
    assert r.status_code == 200, r.json()
    longer = place(world, key="during").json()
    world.platform.clock.advance(timedelta(hours=2, minutes=1))
    after = place(world, key="after").json()

    def minutes(o: dict[str, Any]) -> float:
        return (
            datetime.fromisoformat(o["promised_at"]) - datetime.fromisoformat(o["placed_at"])
        ) / timedelta(minutes=1)

    extra = min(30, recs["extend_promise"]["extra_minutes"])
    assert minutes(longer) == minutes(usual) + extra
    assert minutes(after) == minutes(usual)


def test_a_lone_zone_is_never_paused(world: World) -> None:
    recs = [r for w in busy_campus(world) for r in w["recommendations"]]
    assert recs and not [r for r in recs if r["action"] == "pause_zone"]


def test_a_paused_zone_refuses_new_orders_and_takes_them_elsewhere(world: World) -> None:
    busy_campus(world)
    _next_door(world)
    outlook = world.client.get(WARN, headers=world.auth("ops")).json()
    pause = next(r for w in outlook for r in w["recommendations"] if r["action"] == "pause_zone")
    placed_before = place(world, key="placed-before")
    assert placed_before.status_code == 201
    r = world.client.post(f"{WARN}/{pause['id']}/apply", headers=world.auth("ops"))
    assert r.status_code == 200, r.json()
    assert "paused until" in r.json()["detail"]
    # riders are not shut out: nothing is closed to them
    assert world.client.get("/v1/risk-zones", headers=world.auth("ops")).json() == []
    refused = place(world, key="in-paused-zone")
    assert refused.status_code == 409, refused.json()
    body = refused.json()
    assert body["code"] == "zone_paused"
    assert "paused until" in body["detail"] and "already placed will be delivered" in body["detail"]
    elsewhere = place(world, key="next-door", dropoff={"lat": 31.055, "lon": 121.465})
    assert elsewhere.status_code == 201, elsewhere.json()
    # the order placed before the pause is still the customer's, unchanged
    mine = world.client.get(
        f"/v1/orders/{placed_before.json()['id']}", headers=world.auth("student1")
    )
    assert mine.status_code == 200 and mine.json()["status"] == "placed"
    # no second pause while one is in force, and the pause ends with its window
    outlook = world.client.get(WARN, headers=world.auth("ops")).json()
    pauses = [r for w in outlook for r in w["recommendations"] if r["action"] == "pause_zone"]
    assert [r["id"] for r in pauses] == [pause["id"]] and pauses[0]["applied"]  # the one applied
    world.platform.clock.advance(timedelta(hours=2, minutes=1))
    assert place(world, key="after-the-pause").status_code == 201

"""Tracing for the health authority: orders, hand-overs and co-located riders of a person or a
place in a window; every query recorded (who, why); operators of the tenant only."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from tests.api.helpers import delivered
from tests.conftest import World
from tiffin.cli import app

NEAR = {"lat": 31.0300, "lon": 121.4400}
NEXT_TO = {"lat": 31.0301, "lon": 121.4401}  # about 14 m away
FAR = {"lat": 31.0400, "lon": 121.4500}


def ride(world: World, who: str, where: dict[str, float]) -> None:
    at = (world.platform.clock.now() - timedelta(seconds=10)).isoformat()
    body = {"samples": [{"at": at, "location": where, "speed_mps": 1.0}]}
    r = world.client.post("/v1/riders/me/telemetry", json=body, headers=world.auth(who))
    assert r.status_code == 202, r.json()


def ask(world: World, who: str = "ops", **body: Any) -> Any:
    now = world.platform.clock.now()
    payload = {
        "since": (now - timedelta(hours=2)).isoformat(),
        "until": (now + timedelta(minutes=1)).isoformat(),
        "why": "CDC case 2026-118: rider tested positive",
    } | body
    return world.client.post("/v1/safety/traces", json=payload, headers=world.auth(who))


def test_a_riders_orders_handovers_and_contacts_are_traced_and_the_query_recorded(
    world: World,
) -> None:
    order = delivered(world, "trace-1")
    ride(world, "rider1", NEAR)
    ride(world, "rider2", NEXT_TO)
    ride(world, "rider3", FAR)
    r = ask(world, subject="rider", subject_id=world.subjects["rider1"], radius_m=50)
    assert r.status_code == 201, r.json()
    found = r.json()
    assert [o["id"] for o in found["orders"]] == [order["id"]]
    assert len(found["handovers"]) == 2  # merchant -> rider, rider -> customer
    assert [c["rider_id"] for c in found["co_located_riders"]] == [world.subjects["rider2"]]
    asked = world.client.get("/v1/safety/traces", headers=world.auth("ops")).json()
    assert len(asked) == 1 and asked[0]["why"].startswith("CDC case")
    assert asked[0]["subject_id"] == world.subjects["rider1"]


def test_a_place_and_a_customer_can_be_traced(world: World) -> None:
    order = delivered(world, "trace-2")
    door = {"lat": order["dropoff"]["lat"], "lon": order["dropoff"]["lon"]}
    by_place = ask(world, subject="place", place=door, radius_m=30).json()
    assert [o["id"] for o in by_place["orders"]] == [order["id"]]
    customer = ask(world, subject="customer", subject_id=order["customer_id"]).json()
    assert [o["id"] for o in customer["orders"]] == [order["id"]]


def test_only_the_tenants_operators_trace_and_requests_are_bounded(world: World) -> None:
    world.seed("city")
    rider = world.subjects["rider1"]
    for who in ("rider1", "student1", "canteen1"):
        assert ask(world, who, subject="rider", subject_id=rider).status_code == 403
        assert world.client.get("/v1/safety/traces", headers=world.auth(who)).status_code == 403
    stranger = ask(world, "ops@city", subject="rider", subject_id=rider)
    assert stranger.status_code == 404
    now = world.platform.clock.now()
    too_long = ask(
        world, subject="rider", subject_id=rider, since=(now - timedelta(days=15)).isoformat()
    )
    assert too_long.status_code == 422 and too_long.json()["code"] == "bad_trace"
    assert ask(world, subject="rider", subject_id=rider, why=" ").status_code == 422
    assert ask(world, subject="place").json()["code"] == "bad_trace"
    assert world.client.get("/v1/safety/traces", headers=world.auth("ops")).json() == []


def test_the_cli_traces_and_records_under_the_operator(world: World, tmp_path: Path) -> None:
    delivered(world, "trace-3")
    now = world.platform.clock.now()
    out = tmp_path / "trace.json"
    result = CliRunner().invoke(
        app,
        [
            "trace",
            "--why",
            "CDC case 7",
            "--operator",
            "ops@campus.test",
            "--rider",
            str(world.subjects["rider1"]),
            "--since",
            (now - timedelta(hours=1)).isoformat(),
            "--until",
            (now + timedelta(minutes=1)).isoformat(),
            "--out",
            str(out),
            "--database-url",
            world.platform.settings.database_url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert len(json.loads(out.read_text())["orders"]) == 1
    asked = world.client.get("/v1/safety/traces", headers=world.auth("ops")).json()
    assert [a["why"] for a in asked] == ["CDC case 7"]
    refused = CliRunner().invoke(
        app,
        [
            "trace",
            "--why",
            "x",
            "--operator",
            "rider1@campus.test",
            "--rider",
            "r",
            "--since",
            now.isoformat(),
            "--until",
            now.isoformat(),
            "--database-url",
            world.platform.settings.database_url,
        ],
    )
    assert refused.exit_code == 1 and "not an operator" in refused.output

"""/v1/drills: operators schedule drills against a staging database, never the live one; a
tenant's schedules and runs are its own (another tenant's operators get 404, everyone else
403); scheduling and run-now are idempotent; lists page."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import select

from tests.conftest import World
from tiffin.domain.events import DrillScheduleChanged
from tiffin.store import tables


def _schedule(
    world: World, tmp_path: Path, key: str = "k1", who: str = "ops", **extra: object
) -> httpx.Response:
    body = {
        "kind": "overload",
        "staging_url": f"sqlite:///{tmp_path}/staging.db",
        "every_seconds": 3600,
        "seconds": 2,
        **extra,
    }
    return world.client.post(
        "/v1/drills", json=body, headers=world.auth(who) | {"Idempotency-Key": key}
    )


def test_an_operator_schedules_a_drill_once_per_key_and_lists_it(
    world: World, tmp_path: Path
) -> None:
    made = _schedule(world, tmp_path)
    assert made.status_code == 201, made.json()
    drill = made.json()
    assert drill["kind"] == "overload" and drill["params"] == {"seconds": 2}
    assert drill["state"] == "active" and drill["scheduled_by"].startswith("operator:")
    assert drill["next_run_at"] == world.platform.clock.now().isoformat().replace("+00:00", "Z")
    again = _schedule(world, tmp_path)
    assert again.status_code == 201 and again.json()["id"] == drill["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    listed = world.client.get("/v1/drills", headers=world.auth("ops")).json()
    assert [d["id"] for d in listed] == [drill["id"]]
    with world.platform.uow(read_only=True) as uow:
        topics = uow.conn.execute(
            select(tables.outbox.c.topic).where(tables.outbox.c.aggregate_id == drill["id"])
        ).scalars()
        assert list(topics) == [DrillScheduleChanged.topic]


def test_the_live_database_is_refused_with_a_code(world: World) -> None:
    live = world.platform.settings.database_url
    body = {"kind": "crash", "staging_url": live, "every_seconds": 3600}
    refused = world.client.post(
        "/v1/drills", json=body, headers=world.auth("ops") | {"Idempotency-Key": "live"}
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "staging_url_is_live"
    assert world.client.get("/v1/drills", headers=world.auth("ops")).json() == []


def test_bad_schedules_are_refused_with_codes(world: World, tmp_path: Path) -> None:
    def code(key: str, **extra: object) -> tuple[int, str]:
        r = _schedule(world, tmp_path, key=key, **extra)
        return r.status_code, r.json().get("code", "")

    assert code("a", kind="failover", seconds=None) == (422, "failover_needs_postgres")
    assert code("b", kills=3) == (422, "drill_param_unknown")  # overload has no kills
    assert code("c", every_seconds=5) == (422, "validation_error")
    assert code("d", staging_url="sqlite://") == (422, "staging_url_invalid")
    assert code("e", staging_url="x" * 501) == (422, "validation_error")


def test_only_operators_of_the_tenant_see_and_change_its_drills(
    world: World, tmp_path: Path
) -> None:
    world.seed("city")
    drill = _schedule(world, tmp_path).json()
    run = world.client.post(
        f"/v1/drills/{drill['id']}/runs", headers=world.auth("ops") | {"Idempotency-Key": "r1"}
    ).json()
    for path in ("/v1/drills", "/v1/drills/runs", f"/v1/drills/{drill['id']}"):
        assert world.client.get(path, headers=world.auth("student1")).status_code == 403
    outsider = world.auth("ops@city")
    assert world.client.get("/v1/drills", headers=outsider).json() == []
    assert world.client.get("/v1/drills/runs", headers=outsider).json() == []
    for method, path in (
        ("GET", f"/v1/drills/{drill['id']}"),
        ("GET", f"/v1/drills/{drill['id']}/runs"),
        ("GET", f"/v1/drills/runs/{run['id']}"),
        ("POST", f"/v1/drills/{drill['id']}/pause"),
        ("POST", f"/v1/drills/{drill['id']}/resume"),
        ("DELETE", f"/v1/drills/{drill['id']}"),
        ("POST", f"/v1/drills/{drill['id']}/runs"),
    ):
        r = world.client.request(method, path, headers=outsider | {"Idempotency-Key": path})
        assert r.status_code == 404, (method, path, r.json())
        assert r.json()["code"] in ("drill_not_found", "drill_run_not_found")
    mine = world.client.get(f"/v1/drills/{drill['id']}", headers=world.auth("ops")).json()
    assert mine["state"] == "active"


def test_pause_resume_delete_and_run_now(world: World, tmp_path: Path) -> None:
    ops = world.auth("ops")
    drill = _schedule(world, tmp_path).json()
    base = f"/v1/drills/{drill['id']}"
    assert world.client.post(f"{base}/pause", headers=ops).json()["state"] == "paused"
    asked = world.client.post(f"{base}/runs", headers=ops | {"Idempotency-Key": "now-1"})
    assert asked.status_code == 202  # a paused schedule still runs when asked
    run = asked.json()
    assert run["status"] == "queued" and run["trigger"] == "manual"
    replay = world.client.post(f"{base}/runs", headers=ops | {"Idempotency-Key": "now-1"})
    assert replay.status_code == 202 and replay.json()["id"] == run["id"]
    second = world.client.post(f"{base}/runs", headers=ops | {"Idempotency-Key": "now-2"})
    assert second.status_code == 409 and second.json()["code"] == "drill_run_pending"
    history = world.client.get("/v1/drills/runs", headers=ops).json()
    assert [r["id"] for r in history] == [run["id"]]
    assert world.client.get(f"{base}/runs", headers=ops).json()[0]["drill_id"] == drill["id"]
    assert world.client.post(f"{base}/resume", headers=ops).json()["state"] == "active"
    assert world.client.delete(base, headers=ops).json()["state"] == "deleted"
    assert world.client.get("/v1/drills", headers=ops).json() == []
    gone = world.client.post(f"{base}/pause", headers=ops)
    assert gone.status_code == 404
    # the history outlives the schedule
    assert world.client.get(f"/v1/drills/runs/{run['id']}", headers=ops).status_code == 200


def test_lists_page(world: World, tmp_path: Path) -> None:
    for n in range(3):
        assert _schedule(world, tmp_path, key=f"p{n}").status_code == 201
    first = world.client.get("/v1/drills?limit=2", headers=world.auth("ops"))
    assert len(first.json()) == 2 and 'rel="next"' in first.headers["Link"]
    rest = world.client.get("/v1/drills?limit=2&offset=2", headers=world.auth("ops"))
    assert len(rest.json()) == 1 and "Link" not in rest.headers

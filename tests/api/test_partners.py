"""The partner API: operators issue scoped keys (shown once, stored hashed), rotate and revoke
them; a partner reads its tenant's risk map and check-in counts, pushes zones and receives the
tracing exports released to it; every call is logged. Keys and people's tokens never cross."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from tests.api.test_tracing import ask
from tests.api.test_zone_import import feature
from tests.conftest import World
from tiffin.safety.partners.keys import token_hash
from tiffin.store import tables

ALL = ["risk_map:read", "health_stats:read", "zones:write", "tracing:receive"]


def partner(world: World, who: str = "ops", name: str = "District CDC") -> str:
    r = world.client.post("/v1/partners", json={"name": name}, headers=world.auth(who))
    assert r.status_code == 201, r.json()
    return str(r.json()["id"])


def key(world: World, partner_id: str, scopes: list[str], who: str = "ops") -> dict[str, Any]:
    r = world.client.post(
        f"/v1/partners/{partner_id}/keys", json={"scopes": scopes}, headers=world.auth(who)
    )
    assert r.status_code == 201, r.json()
    return dict(r.json())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_key_is_shown_once_and_stored_only_as_its_hash(world: World) -> None:
    issued = key(world, partner(world), ALL)
    token = issued["token"]
    with world.platform.uow(read_only=True) as uow:
        row = uow.conn.execute(
            select(tables.partner_keys).where(tables.partner_keys.c.id == issued["id"])
        ).one()
    assert row.token_hash == token_hash(token) and token not in str(tuple(row))
    listed = world.client.get(
        f"/v1/partners/{issued['partner_id']}/keys", headers=world.auth("ops")
    ).json()
    assert [k["id"] for k in listed] == [issued["id"]] and "token" not in listed[0]


def test_a_partner_reads_its_tenants_map_and_counts_never_names(world: World) -> None:
    token = key(world, partner(world), ALL)["token"]
    pushed = world.client.post(
        "/v1/partner/zones",
        json={"type": "FeatureCollection", "features": [feature(world)], "reason": "CDC 12"},
        headers=bearer(token),
    )
    assert pushed.status_code == 201, pushed.json()
    zones = world.client.get("/v1/partner/risk-map", headers=bearer(token)).json()
    assert [(z["name"], z["level"]) for z in zones] == [("Dorm 3", "high")]
    ill = {"temperature_c": 38.4, "symptoms": ["cough"]}
    well = {"temperature_c": 36.6, "symptoms": []}
    for who, body in (("rider1", ill), ("rider2", well), ("rider3", well)):
        r = world.client.post("/v1/riders/me/health-checks", json=body, headers=world.auth(who))
        assert r.status_code == 201, r.json()
    stats = world.client.get("/v1/partner/health-stats", headers=bearer(token)).json()
    assert sum(s["failed"] for s in stats) == 1 and sum(s["passed"] for s in stats) == 2
    flat = str(stats)
    for who in ("rider1", "rider2", "rider3"):
        assert world.subjects[who] not in flat
    # another tenant's partner sees none of this
    world.seed("city")
    other = key(world, partner(world, "ops@city"), ALL, "ops@city")["token"]
    assert world.client.get("/v1/partner/risk-map", headers=bearer(other)).json() == []
    assert world.client.get("/v1/partner/health-stats", headers=bearer(other)).json() == []


def test_a_bad_feature_is_refused_naming_it(world: World) -> None:
    token = key(world, partner(world), ["zones:write"])["token"]
    bad = feature(world, "bow")
    bad["geometry"]["coordinates"] = [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]
    r = world.client.post(
        "/v1/partner/zones",
        json={"type": "FeatureCollection", "features": [bad], "reason": "CDC 12"},
        headers=bearer(token),
    )
    assert r.status_code == 422 and "feature 0" in r.json()["detail"]


def test_scopes_revocation_rotation_and_no_crossing_with_tokens(world: World) -> None:
    pid = partner(world)
    reader = key(world, pid, ["risk_map:read"])
    token = reader["token"]
    denied = world.client.get("/v1/partner/health-stats", headers=bearer(token))
    assert denied.status_code == 403 and denied.json()["code"] == "partner_scope_missing"
    # a person's token opens no partner route; a partner key opens no person's route
    assert world.client.get("/v1/partner/risk-map", headers=world.auth("ops")).status_code == 401
    assert world.client.get("/v1/partner/risk-map").status_code == 401
    assert world.client.get("/v1/risk-zones", headers=bearer(token)).status_code == 401
    assert world.client.get("/v1/partners", headers=bearer(token)).status_code == 401
    # rotation with a grace period: both work, then only the new one
    r = world.client.post(
        f"/v1/partners/keys/{reader['id']}/rotate",
        json={"grace_minutes": 30},
        headers=world.auth("ops"),
    )
    assert r.status_code == 201, r.json()
    fresh = r.json()["token"]
    assert r.json()["scopes"] == ["risk_map:read"]
    assert world.client.get("/v1/partner/risk-map", headers=bearer(token)).status_code == 200
    world.platform.clock.advance(timedelta(minutes=31))
    old = world.client.get("/v1/partner/risk-map", headers=bearer(token))
    assert old.status_code == 401 and old.json()["code"] == "partner_key_invalid"
    assert world.client.get("/v1/partner/risk-map", headers=bearer(fresh)).status_code == 200
    # rotation without grace kills the old key at once; revocation likewise
    now = world.client.post(
        f"/v1/partners/keys/{r.json()['id']}/rotate",
        json={"grace_minutes": 0},
        headers=world.auth("ops"),
    ).json()
    assert world.client.get("/v1/partner/risk-map", headers=bearer(fresh)).status_code == 401
    revoked = world.client.post(f"/v1/partners/keys/{now['id']}/revoke", headers=world.auth("ops"))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert world.client.get("/v1/partner/risk-map", headers=bearer(now["token"])).status_code == 401
    # every call by a known key is in the log, newest first, with its status
    log = world.client.get("/v1/partners/calls?limit=100", headers=world.auth("ops")).json()
    codes = [c["status"] for c in log]
    # newest first (the test clock stands still between calls, so only the hour orders them)
    assert sorted(codes[:4]) == [200, 401, 401, 401] and sorted(codes[4:]) == [200, 403]
    assert {c["partner_id"] for c in log} == {pid}
    refused = next(c for c in log if c["status"] == 403)
    assert refused["route"] == "/v1/partner/health-stats" and refused["key_id"] == reader["id"]
    paged = world.client.get("/v1/partners/calls?limit=2", headers=world.auth("ops"))
    assert len(paged.json()) == 2 and 'rel="next"' in paged.headers["Link"]


def test_only_the_tenants_operators_manage_partners(world: World) -> None:
    pid = partner(world)
    issued = key(world, pid, ALL)
    world.seed("city")
    for who in ("rider1", "student1", "canteen1"):
        assert (
            world.client.post(
                "/v1/partners", json={"name": "x"}, headers=world.auth(who)
            ).status_code
            == 403
        )
        assert world.client.get("/v1/partners/calls", headers=world.auth(who)).status_code == 403
    stranger = world.auth("ops@city")
    assert world.client.get(f"/v1/partners/{pid}/keys", headers=stranger).status_code == 404
    assert (
        world.client.post(
            f"/v1/partners/{pid}/keys", json={"scopes": ALL}, headers=stranger
        ).status_code
        == 404
    )
    assert (
        world.client.post(f"/v1/partners/keys/{issued['id']}/revoke", headers=stranger).status_code
        == 404
    )
    assert world.client.get("/v1/partners", headers=stranger).json() == []
    assert world.client.get("/v1/partners/calls", headers=stranger).json() == []
    bad = world.client.post(
        f"/v1/partners/{pid}/keys", json={"scopes": ["all"]}, headers=world.auth("ops")
    )
    assert bad.status_code == 422


def test_tracing_exports_reach_only_the_partner_they_were_released_to(world: World) -> None:
    trace = ask(world, subject="rider", subject_id=world.subjects["rider1"], radius_m=50)
    assert trace.status_code == 201, trace.json()
    cdc, campus = partner(world), partner(world, name="Campus office")
    cdc_key = key(world, cdc, ["tracing:receive"])["token"]
    campus_key = key(world, campus, ["tracing:receive"])["token"]
    r = world.client.post(
        f"/v1/partners/{cdc}/tracing-exports",
        json={"trace_id": trace.json()["trace_id"]},
        headers=world.auth("ops"),
    )
    assert r.status_code == 201, r.json()
    got = world.client.get("/v1/partner/tracing-exports", headers=bearer(cdc_key)).json()
    assert [g["trace_id"] for g in got] == [trace.json()["trace_id"]]
    assert got[0]["export"]["subject_id"] == world.subjects["rider1"]
    assert world.client.get("/v1/partner/tracing-exports", headers=bearer(campus_key)).json() == []
    world.seed("city")
    other = partner(world, "ops@city")
    stolen = world.client.post(
        f"/v1/partners/{other}/tracing-exports",
        json={"trace_id": trace.json()["trace_id"]},
        headers=world.auth("ops@city"),
    )
    assert stolen.status_code == 404
    assert (
        world.client.post(
            "/v1/partners/nope/tracing-exports",
            json={"trace_id": trace.json()["trace_id"]},
            headers=world.auth("rider1"),
        ).status_code
        == 403
    )

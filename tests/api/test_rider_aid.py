"""Insurance claims and support requests: a rider files against their valid policy and asks for
counselling; operators take both through their steps. A rider sees only their own, an operator
only their tenant's; lists come in pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.conftest import World

CLAIMS, REQUESTS = "/v1/riders/me/insurance-claims", "/v1/riders/me/support-requests"


def insure(world: World, rider: str = "rider1", *, days_ago: int = 30) -> None:
    now = world.platform.clock.now()
    body = {
        "insurer": "PICC",
        "policy_number": f"P-{rider.replace('@', '-')}",
        "valid_from": (now - timedelta(days=days_ago)).isoformat(),
        "valid_until": (now + timedelta(days=335)).isoformat(),
    }
    ops = "ops" if "@" not in rider else f"ops@{rider.split('@')[1]}"
    path = f"/v1/safety/riders/{world.subjects[rider]}/insurance"
    assert world.client.post(path, json=body, headers=world.auth(ops)).status_code == 201


def file(world: World, rider: str = "rider1", key: str = "c-1", **extra: Any) -> Any:
    body = {
        "kind": "accident",
        "incident_at": (world.platform.clock.now() - timedelta(days=2)).isoformat(),
        "description": "slipped on ice by the east gate; wrist fractured",
        "claimed_cents": 120_000,
    } | extra
    headers = {**world.auth(rider), "Idempotency-Key": key}
    return world.client.post(CLAIMS, json=body, headers=headers)


def step(world: World, claim_id: str, body: dict[str, Any], who: str = "ops") -> Any:
    path = f"/v1/safety/claims/{claim_id}/steps"
    return world.client.post(path, json=body, headers=world.auth(who))


def test_a_claim_goes_from_filed_to_paid_with_who_and_when(world: World) -> None:
    insure(world)
    filed = file(world)
    assert filed.status_code == 201, filed.json()
    claim = filed.json()
    assert claim["status"] == "filed" and claim["policy"] == "PICC P-rider1"
    assert claim["steps"][0]["actor_role"] == "rider"
    for body in (
        {"status": "in_review"},
        {"status": "approved", "note": "hospital report received"},
        {"status": "paid", "paid_cents": 100_000, "note": "bank transfer 8812"},
    ):
        world.platform.clock.advance(timedelta(hours=1))
        moved = step(world, claim["id"], body)
        assert moved.status_code == 200, moved.json()
    seen = world.client.get(f"{CLAIMS}/{claim['id']}", headers=world.auth("rider1")).json()
    assert seen["status"] == "paid" and seen["paid_cents"] == 100_000
    steps = seen["steps"]
    assert [s["status"] for s in steps] == ["filed", "in_review", "approved", "paid"]
    assert {s["actor_role"] for s in steps[1:]} == {"operator"}
    assert steps[1]["at"] < steps[2]["at"] < steps[3]["at"]


def test_a_claim_needs_a_policy_valid_when_it_happened(world: World) -> None:
    refused = file(world)
    assert refused.status_code == 409 and refused.json()["code"] == "no_valid_policy"
    insure(world, days_ago=1)
    old = (world.platform.clock.now() - timedelta(days=5)).isoformat()
    assert file(world, key="c-2", incident_at=old).json()["code"] == "no_valid_policy"
    future = (world.platform.clock.now() + timedelta(days=1)).isoformat()
    assert file(world, key="c-3", incident_at=future).json()["code"] == "bad_claim"
    assert file(world, key="c-4", kind="earthquake").status_code == 422


def test_filing_is_idempotent(world: World) -> None:
    insure(world)
    first = file(world, key="same")
    again = file(world, key="same")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert len(world.client.get(CLAIMS, headers=world.auth("rider1")).json()) == 1
    reused = file(world, key="same", claimed_cents=5)
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"


def test_steps_out_of_order_or_incomplete_are_refused(world: World) -> None:
    insure(world)
    claim_id = file(world).json()["id"]
    skip = step(world, claim_id, {"status": "paid", "paid_cents": 100})
    assert skip.status_code == 409 and skip.json()["code"] == "bad_claim_step"
    step(world, claim_id, {"status": "in_review"})
    mute = step(world, claim_id, {"status": "rejected"})
    assert mute.status_code == 409 and mute.json()["code"] == "reason_required"
    step(world, claim_id, {"status": "approved"})
    too_much = step(world, claim_id, {"status": "paid", "paid_cents": 120_001})
    assert too_much.status_code == 409 and too_much.json()["code"] == "bad_payment"


def test_a_rider_sees_only_their_own_claims_and_an_operator_only_the_tenants(
    world: World,
) -> None:
    world.seed("city")
    insure(world)
    insure(world, "rider2")
    insure(world, "rider1@city")
    mine = file(world).json()
    file(world, "rider2", key="c-r2")
    file(world, "rider1@city", key="c-city")
    c = world.client
    assert [x["id"] for x in c.get(CLAIMS, headers=world.auth("rider1")).json()] == [mine["id"]]
    assert c.get(f"{CLAIMS}/{mine['id']}", headers=world.auth("rider2")).status_code == 404
    assert (
        c.get(f"/v1/safety/claims/{mine['id']}", headers=world.auth("ops@city")).status_code == 404
    )
    assert step(world, mine["id"], {"status": "in_review"}, "ops@city").status_code == 404
    assert len(c.get("/v1/safety/claims", headers=world.auth("ops")).json()) == 2
    assert len(c.get("/v1/safety/claims", headers=world.auth("ops@city")).json()) == 1
    for who in ("student1", "canteen1", "rider1"):
        assert c.get("/v1/safety/claims", headers=world.auth(who)).status_code == 403
    assert file(world, "student1", key="c-s").status_code == 403
    filed = c.get("/v1/safety/claims?status=filed&limit=1", headers=world.auth("ops"))
    assert len(filed.json()) == 1 and 'rel="next"' in filed.headers["link"]
    assert c.get("/v1/safety/claims?status=paid", headers=world.auth("ops")).json() == []


def ask(world: World, rider: str = "rider1", **extra: Any) -> Any:
    body = {"kind": "counselling", "description": "a crash last week; I cannot sleep"} | extra
    return world.client.post(REQUESTS, json=body, headers=world.auth(rider))


def test_a_support_request_is_assigned_and_closed_by_operators(world: World) -> None:
    first = ask(world)
    assert first.status_code == 201 and first.json()["status"] == "open"
    urgent = ask(world, "rider2", kind="medical", urgent=True).json()
    c, ops = world.client, world.auth("ops")
    listed = c.get("/v1/safety/support-requests", headers=ops).json()
    assert [r["id"] for r in listed][0] == urgent["id"]  # urgent first
    path = f"/v1/safety/support-requests/{first.json()['id']}"
    taken = c.post(f"{path}/assign", json={"note": "calling now"}, headers=ops)
    assert taken.status_code == 200 and taken.json()["status"] == "assigned"
    ops_user = taken.json()["steps"][1]["actor_id"]
    assert taken.json()["assigned_to"]
    unknown = c.post(f"{path}/assign", json={"to": "usr_nobody"}, headers=ops)
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_operator"
    closed = c.post(f"{path}/close", json={"note": "two sessions booked"}, headers=ops)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = c.post(f"{path}/close", json={"note": "again"}, headers=ops)
    assert again.status_code == 409 and again.json()["code"] == "bad_support_step"
    mine = c.get(f"{REQUESTS}/{first.json()['id']}", headers=world.auth("rider1")).json()
    assert [s["status"] for s in mine["steps"]] == ["open", "assigned", "closed"]
    assert mine["steps"][2]["note"] == "two sessions booked" and ops_user
    open_only = c.get("/v1/safety/support-requests?status=open", headers=ops).json()
    assert [r["id"] for r in open_only] == [urgent["id"]]


def test_support_requests_are_seen_only_by_their_rider_and_tenant(world: World) -> None:
    world.seed("city")
    request_id = ask(world).json()["id"]
    c = world.client
    assert [r["id"] for r in c.get(REQUESTS, headers=world.auth("rider1")).json()] == [request_id]
    assert c.get(REQUESTS, headers=world.auth("rider2")).json() == []
    assert c.get(f"{REQUESTS}/{request_id}", headers=world.auth("rider2")).status_code == 404
    city = world.auth("ops@city")
    path = f"/v1/safety/support-requests/{request_id}"
    assert c.get(path, headers=city).status_code == 404
    assert c.post(f"{path}/assign", json={}, headers=city).status_code == 404
    assert c.get("/v1/safety/support-requests", headers=city).json() == []
    assert (
        c.post(f"{path}/close", json={"note": "x"}, headers=world.auth("rider1")).status_code == 403
    )
    assert ask(world, "student1").status_code == 403
    assert ask(world, description="x" * 2001).status_code == 422

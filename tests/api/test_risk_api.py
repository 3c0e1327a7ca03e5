"""Risk control through the API: the farming pattern held then blocked with the rule's reason,
the review queue releasing a payout exactly once, rules validated on save, shadow versions
recorded, and every endpoint closed to other roles and other tenants."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.api.helpers import delivered, menu, place
from tests.conftest import World

PROBLEM = {"problem": "missing", "note": "nothing in the bag"}


def claim(world: World, order: dict[str, Any], who: str = "student1", device: str = "dev-1") -> Any:
    return world.client.post(
        f"/v1/orders/{order['id']}/problems",
        json=PROBLEM,
        headers={**world.auth(who), "X-Device-Id": device},
    )


def farm(world: World, n: int) -> list[Any]:
    """``n`` delivered orders for student1, each then claimed from the same device."""
    answers = []
    for i in range(n):
        order = delivered(world, f"farm-{i}")
        world.drain()
        answers.append(claim(world, order))
    return answers


def test_farming_is_held_for_review_then_blocked_with_the_rules_reason(world: World) -> None:
    c = world.client
    first, second, third, fourth = farm(world, 4)
    assert [a.status_code for a in (first, second, third)] == [201, 201, 201]
    assert first.json()["outcome"] == "reported" and second.json()["outcome"] == "reported"
    assert third.json()["outcome"] == "under_review"
    assert fourth.status_code == 403
    assert fourth.json()["code"] == "risk_blocked"
    assert fourth.json()["reason_code"] == "risk:claim_rate"

    wallet = c.get("/v1/me/wallet", headers=world.auth("student1")).json()
    statuses = sorted(g["status"] for g in wallet["grants"])
    assert statuses == ["granted", "granted", "held"]
    inbox = c.get("/v1/me/inbox", headers=world.auth("student1")).json()
    assert any("being checked" in m["body"] or "核实" in m["body"] for m in inbox), inbox

    [case] = c.get("/v1/risk/cases?status=open", headers=world.auth("ops")).json()
    assert case["reason_code"] == "risk:claim_rate" and case["grant_id"]
    detail = c.get(f"/v1/risk/cases/{case['id']}", headers=world.auth("ops")).json()
    assert "claim_rate@0" in detail["decision"]["hits"]
    assert detail["decision"]["features"]["claims_30d"] == 3
    assigned = c.post(f"/v1/risk/cases/{case['id']}/assign", json={}, headers=world.auth("ops"))
    assert assigned.status_code == 200 and assigned.json()["assignee"]
    noted = c.post(
        f"/v1/risk/cases/{case['id']}/notes",
        json={"text": "photos look real"},
        headers=world.auth("ops"),
    )
    assert noted.status_code == 201

    resolve = {"outcome": "false_positive", "note": "the canteen confirmed a short delivery"}
    done = c.post(f"/v1/risk/cases/{case['id']}/resolve", json=resolve, headers=world.auth("ops"))
    assert done.status_code == 200 and done.json()["grant_status"] == "granted"
    again = c.post(f"/v1/risk/cases/{case['id']}/resolve", json=resolve, headers=world.auth("ops"))
    assert again.status_code == 409 and again.json()["code"] == "case_resolved"
    wallet = c.get("/v1/me/wallet", headers=world.auth("student1")).json()
    assert sorted(g["status"] for g in wallet["grants"]) == ["granted"] * 3
    refunds = sum(g["refund_cents"] for g in wallet["grants"])
    assert wallet["refunded_cents"] == refunds  # the released grant was paid, once

    stats = {s["rule"]: s for s in c.get("/v1/risk/stats", headers=world.auth("ops")).json()}
    assert stats["claim_rate@0"]["hits"] == 2  # the review and the block
    assert stats["claim_rate@0"]["reviewed"] == 1 and stats["claim_rate@0"]["precision"] == 0.0


def test_confirmed_abuse_refuses_the_held_payout_and_tells_the_customer(world: World) -> None:
    c = world.client
    farm(world, 3)
    [case] = c.get("/v1/risk/cases", headers=world.auth("ops")).json()
    body = {"outcome": "confirmed_abuse", "note": "same device as four other accounts"}
    done = c.post(f"/v1/risk/cases/{case['id']}/resolve", json=body, headers=world.auth("ops"))
    assert done.json()["grant_status"] == "refused"
    wallet = c.get("/v1/me/wallet", headers=world.auth("student1")).json()
    assert sorted(g["status"] for g in wallet["grants"]) == ["granted", "granted", "refused"]
    inbox = c.get("/v1/me/inbox", headers=world.auth("student1")).json()
    assert any("cannot compensate" in m["body"] or "无法补偿" in m["body"] for m in inbox)
    refused = [g for g in wallet["grants"] if g["status"] == "refused"][0]
    reverse = c.post(
        f"/v1/grants/{refused['id']}/reverse", json={"reason": "x"}, headers=world.auth("ops")
    )
    assert reverse.status_code == 409 and reverse.json()["code"] == "not_paid"


def test_rules_are_validated_on_save_with_the_token_position(world: World) -> None:
    c = world.client
    ops = world.auth("ops")
    bad = {"rule_id": "r1", "description": "d", "expression": "claims_24h >> 3", "score": 10}
    answer = c.post("/v1/risk/rules", json=bad, headers=ops)
    assert answer.status_code == 422
    assert answer.json()["code"] == "bad_expression" and answer.json()["position"] == 12
    unknown = {**bad, "expression": "claimz_24h > 3"}
    assert c.post("/v1/risk/rules", json=unknown, headers=ops).json()["position"] == 0
    extra = {**bad, "expression": "claims_24h > 3", "eval": "x"}
    assert c.post("/v1/risk/rules", json=extra, headers=ops).status_code == 422
    good = {**bad, "expression": "claims_24h > 3 and not new_account"}
    saved = c.post("/v1/risk/rules", json=good, headers=ops)
    assert saved.status_code == 201 and saved.json() == {"rule_id": "r1", "version": 1}
    rules = c.get("/v1/risk/rules?limit=100", headers=ops).json()
    assert {r["rule_id"] for r in rules} >= {"r1", "claim_rate", "shared_device"}
    assert c.get("/v1/risk/rules?limit=101", headers=ops).status_code == 422
    thresholds = {
        "review_score": 40,
        "block_score": 30,
        "grant_threshold_cents": 0,
        "hold_hours": 4,
    }
    assert c.put("/v1/risk/thresholds", json=thresholds, headers=ops).status_code == 422
    thresholds["block_score"] = 90
    assert c.put("/v1/risk/thresholds", json=thresholds, headers=ops).status_code == 200
    assert c.get("/v1/risk/thresholds", headers=ops).json()["review_score"] == 40


def test_a_shadow_version_is_recorded_beside_the_live_one(world: World) -> None:
    c = world.client
    ops = world.auth("ops")
    shadow = {
        "rule_id": "claim_rate",
        "description": "stricter: two claims already",
        "expression": "claims_30d >= 2",
        "score": 60,
        "mode": "shadow",
    }
    assert c.post("/v1/risk/rules", json=shadow, headers=ops).json()["version"] == 2
    farm(world, 2)
    report = c.get("/v1/risk/shadow-report", headers=ops).json()
    assert report["decisions"] == 2 and report["agree"] == 1
    assert {"live": "approve", "shadow": "review", "decisions": 1} in report["matrix"]
    assert c.post("/v1/risk/rules/claim_rate/promote", headers=ops).json()["version"] == 3
    assert c.post("/v1/risk/rules/claim_rate/promote", headers=ops).status_code == 422


def test_risk_endpoints_are_closed_to_other_roles_and_other_tenants(world: World) -> None:
    c = world.client
    farm(world, 3)
    [case] = c.get("/v1/risk/cases", headers=world.auth("ops")).json()
    for who in ("student1", "rider1"):
        assert c.get("/v1/risk/cases", headers=world.auth(who)).status_code == 403
        assert c.get("/v1/risk/rules", headers=world.auth(who)).status_code == 403
    world.seed("town")
    other = world.auth("ops@town")
    assert c.get(f"/v1/risk/cases/{case['id']}", headers=other).status_code == 404
    assert c.get("/v1/risk/cases", headers=other).json() == []
    body = {"outcome": "false_positive", "note": "n"}
    assert (
        c.post(f"/v1/risk/cases/{case['id']}/resolve", json=body, headers=other).status_code == 404
    )
    assert (
        c.post(
            f"/v1/risk/cases/{case['id']}/assign",
            json={"assignee": "nobody"},
            headers=world.auth("ops"),
        ).status_code
        == 404
    )
    long_device = {**world.auth("student1"), "X-Device-Id": "d" * 129}
    order = delivered(world, "long-device")
    answer = c.post(f"/v1/orders/{order['id']}/problems", json=PROBLEM, headers=long_device)
    assert answer.status_code == 422


def test_order_placement_passes_the_hot_checkpoint(world: World) -> None:
    c = world.client
    ops = world.auth("ops")
    rule = {
        "rule_id": "order_storm",
        "description": "a third order within the hour",
        "expression": "orders_1h >= 2",
        "score": 100,
        "checkpoint": "order",
    }
    assert c.post("/v1/risk/rules", json=rule, headers=ops).status_code == 201
    cold = {**rule, "rule_id": "cold", "expression": "claims_30d > 1"}
    refused = c.post("/v1/risk/rules", json=cold, headers=ops)
    assert refused.status_code == 422 and refused.json()["code"] == "bad_rule"
    assert place(world, key="o-1").status_code == 201
    assert place(world, key="o-2").status_code == 201
    third = place(world, key="o-3")
    assert third.status_code == 403 and third.json()["reason_code"] == "risk:order_storm"
    assert place(world, key="o-2").status_code == 201  # a retry still answers the first order
    world.platform.clock.advance(timedelta(hours=1, seconds=1))
    assert place(world, key="o-4").status_code == 201


def test_accounts_sharing_a_device_are_sent_to_review_at_checkout(world: World) -> None:
    c = world.client
    rule = {
        "rule_id": "device_farm",
        "description": "three accounts on one phone",
        "expression": "accounts_on_device >= 3",
        "score": 60,
        "checkpoint": "order",
    }
    assert c.post("/v1/risk/rules", json=rule, headers=world.auth("ops")).status_code == 201
    for n in (1, 2, 3):
        who = f"student{n}"
        merchant_id, items = menu(world, who)
        body = {"merchant_id": merchant_id, "items": [{"item_id": items[0]["id"], "quantity": 1}]}
        headers = {**world.auth(who), "Idempotency-Key": f"dev-{n}", "X-Device-Id": "farm-phone"}
        assert c.post("/v1/orders", json=body, headers=headers).status_code == 201
    [case] = c.get("/v1/risk/cases", headers=world.auth("ops")).json()
    assert case["reason_code"] == "risk:device_farm"
    assert case["customer_id"] == world.subjects["student3"]

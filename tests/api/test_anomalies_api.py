"""The exception queue and the care desk through the API, with their authorisation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.api.helpers import delivered, merchant_of, place
from tests.conftest import World
from tiffin.anomalies.playbook import DEFAULT_PLAYBOOK


def _rejected(world: World, key: str = "q-1") -> dict[str, Any]:
    order = place(world, key=key).json()
    world.client.post(
        f"/v1/orders/{order['id']}/reject",
        json={"reason": "fryer broke"},
        headers=world.auth(merchant_of(world, order)),
    )
    world.drain()
    return order


def test_an_operator_takes_notes_acts_and_closes_an_anomaly(world: World) -> None:
    c = world.client
    order = place(world, key="slow").json()
    world.platform.clock.advance(timedelta(minutes=6))
    world.platform.scan_anomalies()
    [anomaly] = c.get("/v1/anomalies", headers=world.auth("ops")).json()
    aid = anomaly["id"]
    assert anomaly["type"] == "merchant_slow_accept" and anomaly["order_id"] == order["id"]
    assert c.get("/v1/anomalies", headers=world.auth("student1")).status_code == 403
    assert c.post(f"/v1/anomalies/{aid}/take", headers=world.auth("ops")).status_code == 200
    noted = c.post(
        f"/v1/anomalies/{aid}/notes", json={"text": "called the canteen"}, headers=world.auth("ops")
    )
    assert noted.status_code == 201
    again = c.post(
        f"/v1/anomalies/{aid}/actions", json={"step": "notify_customer"}, headers=world.auth("ops")
    )
    assert again.json()["outcome"] == "customer told again"
    bad = c.post(f"/v1/anomalies/{aid}/actions", json={"step": "shout"}, headers=world.auth("ops"))
    assert bad.status_code == 422
    closed = c.post(
        f"/v1/anomalies/{aid}/close", json={"resolution": "accepted now"}, headers=world.auth("ops")
    )
    assert closed.status_code == 200
    detail = c.get(f"/v1/anomalies/{aid}", headers=world.auth("ops")).json()
    assert [a["step"] for a in detail["actions"]][-4:] == [
        "take",
        "note",
        "notify_customer",
        "close",
    ]
    assert len([m for m in detail["messages"] if m["recipient"].startswith("customer:")]) == 2
    twice = c.post(
        f"/v1/anomalies/{aid}/close", json={"resolution": "again"}, headers=world.auth("ops")
    )
    assert twice.status_code == 409 and twice.json()["code"] == "anomaly_closed"


def test_anomalies_do_not_cross_tenants(world: World) -> None:
    world.seed("city")
    _rejected(world)
    [anomaly] = world.client.get("/v1/anomalies?status=handled", headers=world.auth("ops")).json()
    other = world.client.get(f"/v1/anomalies/{anomaly['id']}", headers=world.auth("ops@city"))
    assert other.status_code == 404
    assert (
        world.client.get("/v1/anomalies?status=handled", headers=world.auth("ops@city")).json()
        == []
    )


def test_customers_report_item_problems_once_and_rate_the_handling(world: World) -> None:
    c = world.client
    order = delivered(world, "d-1")
    world.drain()
    path = f"/v1/orders/{order['id']}/problems"
    body = {"problem": "missing", "photo_ref": "uploads/p1.jpg", "note": "no soup"}
    assert c.post(path, json=body, headers=world.auth("student2")).status_code == 404
    first = c.post(path, json=body, headers=world.auth("student1"))
    assert first.status_code == 201
    again = c.post(path, json=body, headers=world.auth("student1"))
    assert again.json()["id"] == first.json()["id"]
    wallet = c.get("/v1/me/wallet", headers=world.auth("student1")).json()
    assert len(wallet["grants"]) == 1 and wallet["grants"][0]["payer"].startswith("merchant:")
    [escalated] = c.get("/v1/anomalies?status=escalated", headers=world.auth("ops")).json()
    assert escalated["facts"]["photo_ref"] == "uploads/p1.jpg"
    aid = first.json()["id"]
    rate = {"rating": 4, "comment": "quick refund"}
    assert (
        c.post(
            f"/v1/anomalies/{aid}/feedback", json=rate, headers=world.auth("student2")
        ).status_code
        == 404
    )
    assert (
        c.post(
            f"/v1/anomalies/{aid}/feedback", json=rate, headers=world.auth("student1")
        ).status_code
        == 201
    )
    dup = c.post(f"/v1/anomalies/{aid}/feedback", json=rate, headers=world.auth("student1"))
    assert dup.status_code == 409 and dup.json()["code"] == "already_rated"
    [row] = [
        r
        for r in c.get("/v1/care/report", headers=world.auth("ops")).json()
        if r["type"] == "item_problem"
    ]
    assert row["satisfaction"] == 4.0 and row["rated"] == 1 and row["cost_cents"] > 0
    assert row["policy_version"] == 1


def test_an_operator_reverses_a_grant_once_with_a_reason(world: World) -> None:
    c = world.client
    _rejected(world)
    [grant] = c.get("/v1/me/wallet", headers=world.auth("student1")).json()["grants"]
    path = f"/v1/grants/{grant['id']}/reverse"
    assert c.post(path, json={"reason": "x"}, headers=world.auth("student1")).status_code == 403
    done = c.post(path, json={"reason": "duplicate account"}, headers=world.auth("ops"))
    assert done.status_code == 200 and done.json()["status"] == "reversed"
    again = c.post(path, json={"reason": "again"}, headers=world.auth("ops"))
    assert again.status_code == 409 and again.json()["code"] == "already_reversed"
    wallet = c.get("/v1/me/wallet", headers=world.auth("student1")).json()
    assert wallet["credit_cents"] == 0 and wallet["refunded_cents"] == 0


def test_playbooks_and_policies_are_versioned_and_validated(world: World) -> None:
    c = world.client
    ops = world.auth("ops")
    current = c.get("/v1/care/playbook", headers=ops).json()
    assert current["version"] == 1
    wrong = {**current, "version": 2, "actions": {"rider_lost": ["notify_customer", "redispatch"]}}
    refused = c.put("/v1/care/playbook", json=wrong, headers=ops)
    assert refused.status_code == 422 and refused.json()["code"] == "bad_playbook"
    assert "redispatch must come before notify_customer" in refused.json()["detail"]
    stale = c.put("/v1/care/playbook", json=current, headers=ops)
    assert stale.status_code == 422 and stale.json()["code"] == "stale_version"
    quiet = DEFAULT_PLAYBOOK.model_dump(mode="json") | {"version": 2, "actions": {}}
    assert c.put("/v1/care/playbook", json=quiet, headers=ops).json()["version"] == 2
    _rejected(world)  # the new playbook does nothing for cancellations
    assert c.get("/v1/me/wallet", headers=world.auth("student1")).json()["grants"] == []
    policy = c.get("/v1/care/compensation", headers=ops).json()
    policy["version"] = 2
    policy["daily_budget_cents"] = -1
    assert c.put("/v1/care/compensation", json=policy, headers=ops).json()["code"] == "bad_policy"


def test_a_coupon_from_the_wallet_is_spent_once_at_checkout(world: World) -> None:
    c = world.client
    order = delivered(world, "d-1")
    world.drain()
    c.post(
        f"/v1/orders/{order['id']}/problems",
        json={"problem": "wrong", "note": "got tofu, ordered beef"},
        headers=world.auth("student1"),
    )
    [coupon] = c.get("/v1/me/wallet", headers=world.auth("student1")).json()["coupons"]
    assert coupon["min_spend_cents"] == 1500
    stolen = place(world, who="student2", key="steal", quantity=3, coupon_id=coupon["id"])
    assert stolen.status_code == 422 and stolen.json()["code"] == "unknown_coupon"
    spent = place(world, key="with-coupon", quantity=3, coupon_id=coupon["id"])
    assert spent.status_code == 201, spent.json()
    body = spent.json()
    assert body["discount_cents"] == coupon["amount_cents"]
    assert (
        body["total_cents"]
        == body["items_cents"] + body["delivery_fee_cents"] - coupon["amount_cents"]
    )
    replay = place(world, key="with-coupon", quantity=3, coupon_id=coupon["id"])
    assert replay.json()["id"] == body["id"]  # an idempotent retry does not spend it again
    again = place(world, key="twice", quantity=3, coupon_id=coupon["id"])
    assert again.status_code == 409 and again.json()["code"] == "coupon_used"
    assert c.get("/v1/me/wallet", headers=world.auth("student1")).json()["coupons"] == []

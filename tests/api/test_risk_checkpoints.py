"""Risk checkpoints through the API on both databases: a blocked order's decision kept in its own
transaction (and chained), features by payment instrument and by phone in rules at checkout and
at a claim, and the rider hand-back checkpoint approving, reviewing and blocking."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from tests.api.helpers import ON_CAMPUS, assigned, count_rows, merchant_of, place
from tests.conftest import World
from tiffin.store import tables

d = tables.risk_decisions.c
PROBLEM = {"problem": "missing", "note": "nothing in the bag"}


def save(world: World, **rule: Any) -> Any:
    body = {"description": "a test rule", **rule}
    return world.client.post("/v1/risk/rules", json=body, headers=world.auth("ops"))


def decisions(world: World, checkpoint: str) -> list[Any]:
    with world.platform.uow(read_only=True) as uow:
        query = select(tables.risk_decisions).where(d.checkpoint == checkpoint).order_by(d.at)
        return list(uow.conn.execute(query).mappings())


def chained(world: World, subject: str) -> list[Any]:
    world.drain()
    log = tables.audit_log.c
    with world.platform.uow(read_only=True) as uow:
        query = select(tables.audit_log).where(log.subject == subject)
        return list(uow.conn.execute(query).mappings())


def delivered_for(world: World, who: str, key: str, **extra: Any) -> Any:
    """An order of ``who``'s (``extra`` in its body) carried to the door by rider2."""
    c = world.client
    placed = place(world, who=who, key=key, **extra)
    assert placed.status_code == 201, placed.json()
    order = placed.json()
    kitchen = world.auth(merchant_of(world, order))
    c.post(f"/v1/orders/{order['id']}/accept", headers=kitchen)
    c.post("/v1/riders/me/shift/start", json=ON_CAMPUS, headers=world.auth("rider2"))
    offer = c.post(
        f"/v1/orders/{order['id']}/offers",
        json={"rider_id": world.subjects["rider2"]},
        headers=world.auth("ops"),
    ).json()
    taken = c.post(f"/v1/offers/{offer['id']}/accept", headers=world.auth("rider2"))
    assert taken.status_code == 200, taken.json()
    c.post(f"/v1/orders/{order['id']}/ready", headers=kitchen)
    c.post(f"/v1/orders/{order['id']}/pickup", headers=world.auth("rider2"))
    c.post(f"/v1/orders/{order['id']}/deliver", headers=world.auth("rider2"))
    return order


def claim(world: World, who: str, order: dict[str, Any]) -> Any:
    headers = {**world.auth(who), "X-Device-Id": f"device-of-{who}"}
    return world.client.post(f"/v1/orders/{order['id']}/problems", json=PROBLEM, headers=headers)


def test_a_blocked_order_keeps_its_decision_and_its_audit_entry(world: World) -> None:
    rule = {"expression": "order_total_cents >= 1", "score": 100, "checkpoint": "order"}
    assert save(world, rule_id="no_orders", **rule).status_code == 201
    refused = place(world, key="refused", payment_instrument="card-x")
    assert refused.status_code == 403
    assert refused.json()["code"] == "risk_blocked"
    assert refused.json()["reason_code"] == "risk:no_orders"
    assert count_rows(world, tables.orders) == 0  # the order rolled back ...
    assert count_rows(world, tables.order_payments) == 0
    [kept] = decisions(world, "order")  # ... and its decision did not
    assert kept["verdict"] == "block" and kept["reason_code"] == "risk:no_orders"
    assert kept["hits"] == ["no_orders@1"] and kept["score"] == 100
    assert kept["features"]["order_total_cents"] > 0
    assert kept["customer_id"] == world.subjects["student1"]
    [entry] = chained(world, kept["id"])
    assert entry["kind"] == "audit.decision:risk"
    facts = entry["data"]["facts"]
    assert facts["verdict"] == "block" and facts["hits"] == ["no_orders@1"]
    assert facts["features"] == kept["features"]
    assert entry["data"]["reason"] == "risk:no_orders"


def test_a_card_paying_for_three_accounts_sends_their_claims_to_review(world: World) -> None:
    c = world.client
    orders = {
        who: delivered_for(world, who, f"card-{who}", payment_instrument="card-shared")
        for who in ("student1", "student2", "student3")
    }
    assert count_rows(world, tables.order_payments) == 3
    assert claim(world, "student1", orders["student1"]).json()["outcome"] == "reported"
    world.drain()
    second = claim(world, "student2", orders["student2"])
    assert second.status_code == 201 and second.json()["outcome"] == "under_review"
    [case] = c.get("/v1/risk/cases?status=open", headers=world.auth("ops")).json()
    assert case["reason_code"] == "risk:shared_card"
    detail = c.get(f"/v1/risk/cases/{case['id']}", headers=world.auth("ops")).json()
    features = detail["decision"]["features"]
    assert features["accounts_on_instrument"] == 3
    assert features["instrument_orders_30d"] == 3
    assert features["instrument_claims_30d"] == 2  # the first claim and this one
    assert features["instrument_refunds_30d"] == 1  # the first claim's refund


def same_phone(world: World, numbers: dict[str, str]) -> None:
    """Give the students phone numbers (through the customers' repository, as sign-up does)."""
    with world.platform.uow() as uow:
        for who, number in numbers.items():
            customer = uow.customers.require(str(world.subjects[who]))
            customer.phone = number
            uow.customers.save(customer)
        uow.commit()


def test_accounts_on_one_phone_and_one_card_are_reviewed_at_checkout(world: World) -> None:
    same_phone(
        world,
        {"student1": "+86 139 0000 0001", "student2": "13900000001", "student3": "139-0000-0001"},
    )
    rule = {
        "expression": "accounts_on_phone >= 3 and accounts_on_instrument >= 2",
        "score": 60,
        "checkpoint": "order",
    }
    assert save(world, rule_id="phone_and_card", **rule).status_code == 201
    first = place(world, who="student1", key="p-1", payment_instrument="card-9")
    assert first.status_code == 201
    assert world.client.get("/v1/risk/cases", headers=world.auth("ops")).json() == []
    second = place(world, who="student2", key="p-2", payment_instrument="card-9")
    assert second.status_code == 201  # a review lets the order through, and opens a case
    [case] = world.client.get("/v1/risk/cases", headers=world.auth("ops")).json()
    assert case["reason_code"] == "risk:phone_and_card"
    assert case["customer_id"] == world.subjects["student2"]
    detail = world.client.get(f"/v1/risk/cases/{case['id']}", headers=world.auth("ops")).json()
    assert detail["decision"]["features"]["accounts_on_phone"] == 3
    assert detail["decision"]["features"]["accounts_on_instrument"] == 2


def test_accounts_on_one_phone_claiming_between_them_are_reviewed(world: World) -> None:
    same_phone(world, {"student1": "13900000002", "student2": "+86 13900000002"})
    rule = {"expression": "accounts_on_phone >= 2 and phone_claims_30d >= 2", "score": 60}
    assert save(world, rule_id="phone_ring", **rule).status_code == 201
    one = delivered_for(world, "student1", "ph-1")
    two = delivered_for(world, "student2", "ph-2")
    assert claim(world, "student1", one).json()["outcome"] == "reported"
    assert claim(world, "student2", two).json()["outcome"] == "under_review"
    [kept] = [x for x in decisions(world, "claim") if x["verdict"] == "review"]
    assert kept["hits"] == ["phone_ring@1"]
    assert kept["features"]["accounts_on_phone"] == 2
    assert kept["features"]["phone_claims_30d"] == 2


def test_rules_name_only_what_their_checkpoint_reads(world: World) -> None:
    rider_rule = save(world, rule_id="x", expression="rider_handbacks_24h > 1", score=10)
    assert rider_rule.status_code == 422 and rider_rule.json()["code"] == "bad_rule"
    claim_rule = save(
        world, rule_id="y", expression="claims_30d > 1", score=10, checkpoint="handback"
    )
    assert claim_rule.status_code == 422 and claim_rule.json()["code"] == "bad_rule"
    card_rule = save(
        world, rule_id="z", expression="instrument_claims_30d > 1", score=10, checkpoint="order"
    )
    assert card_rule.status_code == 422 and card_rule.json()["code"] == "bad_rule"
    fine = save(
        world,
        rule_id="slow_handback",
        expression="minutes_since_assigned > 30 and rider_assignments_24h >= 1",
        score=10,
        checkpoint="handback",
    )
    assert fine.status_code == 201


def hand_back(world: World, order: dict[str, Any]) -> Any:
    return world.client.post(
        f"/v1/riders/me/orders/{order['id']}/hand-back",
        json={"reason": "flat tyre"},
        headers=world.auth("rider1"),
    )


def test_a_rider_handing_back_again_and_again_is_reviewed_then_blocked(world: World) -> None:
    c = world.client
    answers = []
    orders = []
    for n in range(5):
        world.platform.clock.advance(timedelta(minutes=20))
        orders.append(assigned(world, f"hb-{n}"))
        answers.append(hand_back(world, orders[-1]))
    assert [a.status_code for a in answers[:4]] == [204, 204, 204, 204]
    blocked = answers[4]
    assert blocked.status_code == 403 and blocked.json()["code"] == "risk_blocked"
    assert blocked.json()["reason_code"].startswith("risk:handback_")
    held = c.get(f"/v1/orders/{orders[4]['id']}", headers=world.auth("ops")).json()
    assert held["status"] == "assigned" and held["rider_id"] == world.subjects["rider1"]

    made = decisions(world, "handback")
    verdicts = [x["verdict"] for x in made]
    assert verdicts == ["approve", "approve", "review", "review", "block"]
    assert made[0]["hits"] == [] and made[0]["features"]["rider_handbacks_24h"] == 1
    third = made[2]
    assert third["rider_id"] == world.subjects["rider1"]
    assert made[1]["hits"] == ["quick_handback@0"]  # taken and given back at once, again
    assert made[1]["features"]["minutes_since_assigned"] < 2
    assert third["hits"] == ["handback_burst@0", "quick_handback@0"]
    assert third["features"]["rider_handbacks_24h"] == 3
    assert third["features"]["rider_assignments_24h"] == 3
    assert made[4]["features"]["rider_handbacks_30d"] == 5
    assert made[4]["features"]["rider_handback_rate_30d"] == 1.0
    assert "handback_habit@0" in made[4]["hits"]

    cases = c.get("/v1/risk/cases?status=open", headers=world.auth("ops")).json()
    assert len(cases) == 2
    assert {x["rider_id"] for x in cases} == {world.subjects["rider1"]}
    assert {x["reason_code"] for x in cases} == {"risk:handback_burst"}
    [entry] = chained(world, made[4]["id"])
    assert entry["data"]["facts"]["rider_id"] == world.subjects["rider1"]
    assert entry["data"]["facts"]["verdict"] == "block"

    # Still the rider's: an operator takes the call (a hand-back is refused, not the order).
    kitchen = world.auth(merchant_of(world, orders[4]))
    c.post(f"/v1/orders/{orders[4]['id']}/ready", headers=kitchen)
    picked = c.post(f"/v1/orders/{orders[4]['id']}/pickup", headers=world.auth("rider1"))
    assert picked.status_code == 200

"""The tenant's trust policy and sentiment-watch thresholds through the API: read, save a new
version (validated, versions only go up), for the operators of that tenant only; and what a
saved one changes: the explained trust score, the notices the watch raises."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.api.helpers import delivered, menu
from tests.conftest import World
from tiffin.store import tables


def test_changing_a_trust_weight_changes_the_explained_score(world: World) -> None:
    c, ops = world.client, world.auth("ops")
    delivered(world, "tp-1")
    delivered(world, "tp-2")
    who = world.subjects["student1"]
    before = c.get(f"/v1/trust/customer/{who}", headers=ops).json()
    [reason] = before["reasons"]
    assert (reason["event"], reason["weight"], before["score"]) == ("orders_delivered", 1, 62)

    policy = c.get("/v1/trust/policy", headers=ops).json()
    assert (
        policy["version"] == 1 and policy["weights"]["customer"]["orders_delivered"]["points"] == 1
    )
    policy["version"] = 2
    policy["weights"]["customer"]["orders_delivered"]["points"] = 4
    saved = c.put("/v1/trust/policy", json=policy, headers=ops)
    assert saved.status_code == 200, saved.json()
    assert c.get("/v1/trust/policy", headers=ops).json() == saved.json()

    after = c.get(f"/v1/trust/customer/{who}", headers=ops).json()
    [reason] = after["reasons"]
    assert (reason["weight"], reason["points"], after["score"]) == (4, 8, 68)
    mine = c.get("/v1/me/trust", headers=world.auth("student1")).json()
    assert mine["score"] == 68  # the person reads the same explanation
    with world.platform.uow(read_only=True) as uow:
        p = tables.tenant_policies.c
        kept = uow.conn.execute(select(p.version).where(p.kind == "trust")).scalars().all()
    assert kept == [2]  # version 1 was the default, never stored; 2 is kept beside any later


def test_a_bad_or_stale_trust_policy_is_refused_with_a_code(world: World) -> None:
    c, ops = world.client, world.auth("ops")
    assert c.put("/v1/trust/policy", json={"version": 2}, headers=ops).status_code == 200
    for body, code in (
        ({"version": 2}, "stale_version"),
        ({"version": 3, "weights": {"customer": {"tips": {"points": 1}}}}, "bad_policy"),
        ({"version": 3, "watch_at": 90, "trusted_at": 80}, "bad_policy"),
        ({"version": 3, "base": 101}, "bad_policy"),
        ({"version": 3, "colour": "blue"}, "bad_policy"),
    ):
        answer = c.put("/v1/trust/policy", json=body, headers=ops)
        assert answer.status_code == 422, (body, answer.json())
        assert answer.json()["code"] == code and answer.json()["detail"], answer.json()


def test_a_tenants_trust_policy_is_its_operators_alone(world: World) -> None:
    world.seed("city")
    c = world.client
    assert c.put("/v1/trust/policy", json={"version": 2, "base": 50}, headers=world.auth("ops"))
    city = c.get("/v1/trust/policy", headers=world.auth("ops@city")).json()
    assert (city["version"], city["base"]) == (1, 60)  # campus's save is not city's policy
    for who in ("student1", "rider1", "canteen1"):
        assert c.get("/v1/trust/policy", headers=world.auth(who)).status_code == 403
        put = c.put("/v1/trust/policy", json={"version": 9}, headers=world.auth(who))
        assert put.status_code == 403
    assert c.get("/v1/trust/policy").status_code == 401


def _complain(world: World, n: int, note: str) -> None:
    for i in range(n):
        order = delivered(world, f"sp-{i}")
        r = world.client.post(
            f"/v1/orders/{order['id']}/problems",
            json={"problem": "missing", "note": note},
            headers=world.auth("student1"),
        )
        assert r.status_code == 201, r.json()
    world.drain()


def _waves(world: World) -> set[tuple[str, str]]:
    page = world.client.get("/v1/sentiment/waves?limit=100", headers=world.auth("ops")).json()
    return {(w["dimension"], w["key"]) for w in page["items"]}


def _spike_notices(world: World) -> list[str]:
    with world.platform.uow(read_only=True) as uow:
        n = tables.operator_notices.c
        return list(
            uow.conn.execute(select(n.text).where(n.kind == "sentiment_spike")).scalars().all()
        )


def test_two_negatives_are_no_spike_by_default(world: World) -> None:
    _complain(world, 2, "汤洒了，饭也凉了，太差了")
    assert _waves(world) == set() and _spike_notices(world) == []


def test_a_lower_threshold_on_a_topic_raises_a_notice_the_default_would_not(world: World) -> None:
    c, ops = world.client, world.auth("ops")
    policy: dict[str, Any] = {"version": 2, "topics": {"cold": 2}}
    saved = c.put("/v1/sentiment/policy", json=policy, headers=ops)
    assert saved.status_code == 200, saved.json()
    assert c.get("/v1/sentiment/policy", headers=ops).json()["topics"] == {"cold": 2}
    _complain(world, 2, "汤洒了，饭也凉了，太差了")
    waves = _waves(world)
    assert ("topic", "cold") in waves  # two cold complaints: the tenant's own threshold
    assert not any(d in ("merchant", "zone") for d, _ in waves)  # the same two: default 3
    [notice] = _spike_notices(world)
    assert "topic cold" in notice


def test_a_merchants_and_a_zones_own_threshold_are_checked_and_applied(world: World) -> None:
    world.seed("city")
    c, ops = world.client, world.auth("ops")
    campus_merchant, _ = menu(world)  # the merchant delivered() orders from
    city_merchant = world.subjects["canteen1@city"]
    refused = (
        ({"version": 2, "merchants": {city_merchant: 2}}, "unknown_name"),  # another tenant's
        ({"version": 2, "zones": {"Nowhere": 2}}, "unknown_name"),
        ({"version": 2, "topics": {"soggy": 2}}, "bad_policy"),
        ({"version": 2, "min_negatives": 0}, "bad_policy"),
        ({"version": 2, "window_minutes": 2}, "bad_policy"),
        ({"version": 2, "zones": {f"z{i}": 2 for i in range(201)}}, "bad_policy"),
        ({"version": 1}, "stale_version"),
    )
    for body, code in refused:
        answer = c.put("/v1/sentiment/policy", json=body, headers=ops)
        assert answer.status_code == 422 and answer.json()["code"] == code, (body, answer.json())
    policy = {"version": 2, "merchants": {campus_merchant: 2}, "zones": {"Main campus": 2}}
    assert c.put("/v1/sentiment/policy", json=policy, headers=ops).status_code == 200
    city = c.get("/v1/sentiment/policy", headers=world.auth("ops@city")).json()
    assert city["version"] == 1 and city["merchants"] == {}
    assert c.get("/v1/sentiment/policy", headers=world.auth("student1")).status_code == 403
    student_put = c.put("/v1/sentiment/policy", json=policy, headers=world.auth("student1"))
    assert student_put.status_code == 403

    _complain(world, 2, "送得太慢了，太差了")
    waves = _waves(world)
    assert {("zone", "Main campus"), ("merchant", campus_merchant)} <= waves
    assert not any(d == "topic" for d, _ in waves)  # "late" twice: the default 3 holds there

"""Statements about anomaly waves through the API: find the wave, draft from its facts, edit,
publish to the status page, the affected customers' inboxes and the subscribers' webhooks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from tests.api.helpers import delivered
from tests.conftest import World
from tests.providers import Provider
from tiffin.store import tables


def _complaints(world: World, n: int) -> list[str]:
    """``n`` delivered orders of student1's, each reported with a missing item."""
    ids = []
    for i in range(n):
        world.platform.clock.advance(timedelta(minutes=2))
        order = delivered(world, f"wave-{i}")
        r = world.client.post(
            f"/v1/orders/{order['id']}/problems",
            json={"problem": "missing", "note": "no soup"},
            headers=world.auth("student1"),
        )
        assert r.status_code == 201, r.json()
        ids.append(r.json()["id"])
    return ids


def _merchant_wave(world: World) -> dict[str, Any]:
    waves = world.client.get("/v1/anomaly-waves?min_anomalies=3", headers=world.auth("ops"))
    assert waves.status_code == 200, waves.json()
    [wave] = [w for w in waves.json() if w["dimension"] == "merchant"]
    return wave


def _draft_body(wave: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": wave["type"],
        "dimension": wave["dimension"],
        "key": wave["key"],
        "since": wave["first_at"],
        "until": wave["until"],
    }


def test_a_wave_statement_is_drafted_from_facts_edited_and_published_everywhere(
    world: World, provider: Provider
) -> None:
    c, ops = world.client, world.auth("ops")
    world.platform.settings.allow_private_webhooks = True  # the provider listens on 127.0.0.1
    hook = {"component": "ordering", "channel": "webhook", "address": provider.url}
    assert c.post("/v1/status/subscriptions", json=hook, headers=ops).status_code == 201
    anomalies = _complaints(world, 3)
    wave = _merchant_wave(world)
    assert (wave["type"], wave["anomalies"], wave["orders"]) == ("item_problem", 3, 3)
    everywhere = c.get("/v1/anomaly-waves?min_anomalies=3", headers=ops).json()
    assert {(w["dimension"], w["anomalies"]) for w in everywhere} >= {("all", 3), ("zone", 3)}
    assert c.get("/v1/anomaly-waves", headers=ops).json() == []  # 3 is below the default 5

    drafted = c.post("/v1/anomaly-waves/statements", json=_draft_body(wave), headers=ops)
    assert drafted.status_code == 201, drafted.json()
    statement = drafted.json()
    assert statement["incident_id"] is None and statement["wave"]["key"] == wave["key"]
    [first] = statement["versions"]
    facts = first["facts"]
    with world.platform.uow(read_only=True) as uow:
        g = tables.grants.c
        paid = uow.conn.execute(
            select(func.sum(g.amount_cents + g.refund_cents)).where(g.anomaly_id.in_(anomalies))
        ).scalar_one()
        merchant = uow.conn.execute(
            select(tables.merchants.c.name).where(tables.merchants.c.id == wave["key"])
        ).scalar_one()
    assert facts["affected_orders"] == 3 and facts["compensation_cents"] == paid > 0
    assert facts["place"] == merchant
    money = f"{paid // 100}.{paid % 100:02d}"
    for lang, count in (("zh-CN", "共3单"), ("en", "3 orders")):
        words = first["texts"][lang]["title"] + first["texts"][lang]["body"]
        assert merchant in words and money in words and count in words, (lang, words)

    words = {
        "zh-CN": {"title": "关于餐品缺漏的说明", "body": "我们已联系商家整改，并为您补偿。"},
        "en": {"title": "About missing items", "body": "The kitchen is fixing it; we made good."},
    }
    edited = c.post(f"/v1/statements/{statement['id']}/versions", json=words, headers=ops)
    assert edited.status_code == 201 and edited.json()["versions"][0]["facts"] == facts
    published = c.post(f"/v1/statements/{statement['id']}/versions/2/publish", headers=ops)
    assert published.status_code == 200, published.json()
    assert published.json()["inboxes"] == 1  # student1, whose three orders it was

    inbox = c.get("/v1/me/inbox", headers=world.auth("student1")).json()
    assert any(m["title"] == "关于餐品缺漏的说明" for m in inbox)  # student1 reads Chinese
    assert not any(m["title"] == "关于餐品缺漏的说明" for m in _inbox(world, "student2"))
    page = c.get("/status.json?tenant=campus").json()
    assert [(s["id"], s["version"]) for s in page["statements"]] == [(statement["id"], 2)]
    assert "The kitchen is fixing it" in c.get("/status?tenant=campus").text
    world.platform.webhook_sender().run_until_idle()
    [call] = provider.calls  # the ordering subscriber's webhook, checked and sent once
    assert "About missing items" in call["title"] and "关于餐品缺漏的说明" in call["title"]

    again = c.post(f"/v1/statements/{statement['id']}/versions/2/publish", headers=ops)
    assert again.status_code == 409 and again.json()["code"] == "already_published"
    kept = c.get(f"/v1/statements/{statement['id']}", headers=ops).json()["versions"]
    assert [(v["version"], v["published_at"] is not None) for v in kept] == [(2, True), (1, False)]


def _inbox(world: World, who: str) -> list[dict[str, Any]]:
    return list(world.client.get("/v1/me/inbox", headers=world.auth(who)).json())


def test_wave_statements_are_for_operators_of_the_waves_tenant(world: World) -> None:
    world.seed("city")
    c = world.client
    _complaints(world, 3)
    wave = _merchant_wave(world)
    body = _draft_body(wave)
    for who, expected in (("student1", 403), ("rider1", 403), ("ops@city", 404)):
        answer = c.post("/v1/anomaly-waves/statements", json=body, headers=world.auth(who))
        assert answer.status_code == expected, (who, answer.json())
    assert c.get("/v1/anomaly-waves", headers=world.auth("student1")).status_code == 403
    assert c.get("/v1/anomaly-waves?min_anomalies=2", headers=world.auth("ops@city")).json() == []
    across = {**body, "dimension": "all", "key": ""}  # city's tenant has no such anomalies
    theirs = c.post("/v1/anomaly-waves/statements", json=across, headers=world.auth("ops@city"))
    assert theirs.status_code == 422 and theirs.json()["code"] == "no_anomalies"

    mine = c.post("/v1/anomaly-waves/statements", json=body, headers=world.auth("ops")).json()
    city = world.auth("ops@city")
    assert c.get(f"/v1/statements/{mine['id']}", headers=city).status_code == 404
    publish = f"/v1/statements/{mine['id']}/versions/1/publish"
    assert c.post(publish, headers=city).status_code == 404
    assert c.post(publish, headers=world.auth("student1")).status_code == 403
    assert c.post(publish, headers=world.auth("ops")).status_code == 200
    assert len(c.get("/status.json?tenant=campus").json()["statements"]) == 1
    assert c.get("/status.json?tenant=city").json()["statements"] == []


def test_a_wave_that_cannot_be_named_is_refused_with_a_code(world: World) -> None:
    _complaints(world, 2)
    wave = _wave_of_two(world)
    ops = world.auth("ops")
    for change, code in (
        ({"dimension": "merchant", "key": ""}, "bad_wave"),
        ({"dimension": "all", "key": "x"}, "bad_wave"),
        ({"since": wave["until"], "until": wave["first_at"]}, "bad_wave"),
        ({"since": _days_before(wave["until"], 8), "until": wave["until"]}, "bad_wave"),
        ({"type": "food_late"}, "no_anomalies"),
        ({"dimension": "zone", "key": "Nowhere"}, "no_anomalies"),
    ):
        body = {**_draft_body(wave), **change}
        answer = world.client.post("/v1/anomaly-waves/statements", json=body, headers=ops)
        assert answer.status_code == 422, (change, answer.json())
        assert answer.json()["code"] == code, (change, answer.json())
    for bad in ({"type": "storm"}, {"dimension": "city"}, {"key": "k" * 201}, {"extra": 1}):
        body = {**_draft_body(wave), **bad}
        answer = world.client.post("/v1/anomaly-waves/statements", json=body, headers=ops)
        assert answer.status_code == 422 and answer.json()["code"], (bad, answer.json())
    assert world.client.get("/v1/anomaly-waves?hours=169", headers=ops).status_code == 422
    assert world.client.get("/v1/anomaly-waves?min_anomalies=1", headers=ops).status_code == 422


def _wave_of_two(world: World) -> dict[str, Any]:
    waves = world.client.get("/v1/anomaly-waves?min_anomalies=2", headers=world.auth("ops"))
    return next(w for w in waves.json() if w["dimension"] == "merchant")


def _days_before(at: str, days: int) -> str:
    return (datetime.fromisoformat(at) - timedelta(days=days)).isoformat()

"""The emergency roster: who is on call at the platform, each merchant and the campus office.
When public-health mode changes, everyone on call then is told through the notification queue,
once per change however often the change is replayed; a provider receives the text."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from tests.conftest import World
from tests.providers import Provider
from tiffin.care.channels import NotificationSender, WebhookChannel
from tiffin.store import tables

ROSTER = "/v1/safety/roster"


def entry(world: World, who: str = "ops", *, hours: tuple[int, int] = (-1, 8), **extra: Any) -> Any:
    now = world.platform.clock.now()
    body = {
        "scope": "platform",
        "name": "Wang Lei",
        "role": "duty manager",
        "channel": "sms",
        "address": "+86 138 0000 0001",
        "on_call_from": (now + timedelta(hours=hours[0])).isoformat(),
        "on_call_until": (now + timedelta(hours=hours[1])).isoformat(),
    } | extra
    return world.client.post(ROSTER, json=body, headers=world.auth(who))


def mode(world: World, on: bool, who: str = "ops") -> Any:
    body = {"on": on, "reason": "the city declared an outbreak"}
    return world.client.put("/v1/safety/public-health-mode", json=body, headers=world.auth(who))


def roster_messages(world: World) -> list[dict[str, Any]]:
    n = tables.notifications.c
    with world.platform.uow(read_only=True) as uow:
        rows = uow.conn.execute(
            select(tables.notifications).where(n.recipient.like("roster:%")).order_by(n.id)
        )
        return [dict(r) for r in rows.mappings()]


def test_everyone_on_call_is_told_once_when_the_mode_changes(world: World) -> None:
    platform_duty = entry(world).json()
    office = entry(
        world,
        scope="campus_office",
        name="Li Na",
        role="logistics office",
        channel="email",
        address="duty@logistics.campus.test",
        language="en",
    ).json()
    kitchen = entry(world, "canteen1", scope="merchant", name="Chef Zhao", role="cook").json()
    assert kitchen["merchant_id"] == world.subjects["canteen1"]
    later = entry(world, hours=(20, 30), name="Night shift").json()  # not on call yet
    assert mode(world, True).status_code == 200
    world.drain()
    told = {m["recipient"]: m for m in roster_messages(world)}
    assert set(told) == {f"roster:{x['id']}" for x in (platform_duty, office, kitchen)}
    assert f"roster:{later['id']}" not in told
    duty = told[f"roster:{platform_duty['id']}"]
    assert duty["channels"] == ["sms"] and duty["address"] == "+86 138 0000 0001"
    assert "疫情模式" in duty["title"] and "duty manager" in duty["body"]
    assert "outbreak" in told[f"roster:{office['id']}"]["body"]
    assert told[f"roster:{office['id']}"]["title"].startswith("Public-health mode on")

    with world.platform.uow() as uow:  # replay the change from the start of the outbox
        c = tables.consumer_offsets.c
        rewound = uow.conn.execute(
            update(tables.consumer_offsets)
            .where(c.consumer == "safety.roster_alerts")
            .values(last_id=0, last_txid=0)
        )
        assert rewound.rowcount == 1
        uow.commit()
    world.drain()
    assert len(roster_messages(world)) == 3

    assert mode(world, True).status_code == 200  # already on: no change, nobody told
    world.drain()
    assert len(roster_messages(world)) == 3
    world.platform.clock.advance(timedelta(hours=1))
    mode(world, False)
    world.drain()
    assert len(roster_messages(world)) == 6


def test_the_message_reaches_the_provider(world: World, provider: Provider) -> None:
    duty = entry(world).json()
    mode(world, True)
    world.drain()
    sender = NotificationSender(
        world.platform.db, world.platform.clock, {"sms": WebhookChannel("sms", provider.url)}
    )
    sender.run_until_idle()
    assert [c["to"] for c in provider.calls] == ["+86 138 0000 0001"]
    assert "duty manager" in provider.calls[0]["body"]
    (sent,) = roster_messages(world)
    assert sent["recipient"] == f"roster:{duty['id']}" and sent["status"] == "delivered"


def test_another_tenants_roster_is_neither_told_nor_seen(world: World) -> None:
    world.seed("city")
    theirs = entry(world, "ops@city").json()
    mine = entry(world).json()
    mode(world, True)
    world.drain()
    assert [m["recipient"] for m in roster_messages(world)] == [f"roster:{mine['id']}"]
    c = world.client
    assert [e["id"] for e in c.get(ROSTER, headers=world.auth("ops@city")).json()] == [theirs["id"]]
    assert c.delete(f"{ROSTER}/{mine['id']}", headers=world.auth("ops@city")).status_code == 404
    assert c.delete(f"{ROSTER}/{mine['id']}", headers=world.auth("ops")).status_code == 204
    assert c.get(ROSTER, headers=world.auth("ops")).json() == []


def test_a_merchant_keeps_only_its_own_kitchens_entries(world: World) -> None:
    own = entry(world, "canteen1", scope="merchant").json()
    other = world.subjects["canteen2"]
    assert entry(world, "canteen1", scope="merchant", merchant_id=other).status_code == 403
    assert entry(world, "canteen1", scope="platform").json()["code"] == "not_yours"
    entry(world, scope="merchant", merchant_id=other, name="Chef Sun")
    c = world.client
    assert [e["id"] for e in c.get(ROSTER, headers=world.auth("canteen1")).json()] == [own["id"]]
    assert len(c.get(ROSTER, headers=world.auth("ops")).json()) == 2
    theirs = c.get(ROSTER, headers=world.auth("canteen2")).json()[0]["id"]
    assert c.delete(f"{ROSTER}/{theirs}", headers=world.auth("canteen1")).status_code == 404
    for who in ("rider1", "student1"):
        assert entry(world, who).status_code == 403
        assert c.get(ROSTER, headers=world.auth(who)).status_code == 403


def test_bad_entries_are_refused_with_a_code(world: World) -> None:
    cases = {
        "bad_address": [
            {"channel": "sms", "address": "call me"},
            {"channel": "email", "address": "nobody"},
            {"channel": "webhook", "address": "http://10.0.0.1/hook"},
        ],
        "bad_roster_entry": [
            {"hours": (5, 2)},
            {"hours": (-9, -1)},
            {"hours": (0, 24 * 93)},
            {"language": "fr"},
            {"merchant_id": world.subjects["canteen1"]},  # a platform entry names no merchant
        ],
        "unknown_merchant": [{"scope": "merchant"}, {"scope": "merchant", "merchant_id": "m_x"}],
    }
    for code, bodies in cases.items():
        for body in bodies:
            answer = entry(world, **body)
            assert answer.status_code == 422 and answer.json()["code"] == code, (
                body,
                answer.json(),
            )
    assert entry(world, role="x" * 81).status_code == 422


def test_the_roster_comes_in_pages_and_by_moment(world: World) -> None:
    for n in range(3):
        entry(world, name=f"Duty {n}", hours=(n * 10 - 1, n * 10 + 8))
    c, ops = world.client, world.auth("ops")
    first = c.get(f"{ROSTER}?limit=2", headers=ops)
    assert len(first.json()) == 2 and 'rel="next"' in first.headers["link"]
    soon = (world.platform.clock.now() + timedelta(hours=11)).isoformat()
    at = c.get(ROSTER, params={"on_call_at": soon}, headers=ops).json()
    assert [e["name"] for e in at] == ["Duty 1"]
    assert c.get(f"{ROSTER}?limit=101", headers=ops).status_code == 422
    for bad in ("0.5", "2026-12-01T18:00:00", "2026-13-45T18:00:00+08:00"):
        answer = c.get(ROSTER, params={"on_call_at": bad}, headers=ops)
        assert answer.status_code == 422, bad
        assert answer.json()["code"] in ("validation_error", "bad_time")

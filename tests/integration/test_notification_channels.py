"""The notification sender against a real local HTTP provider that fails some requests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.api.helpers import merchant_of, place
from tests.conftest import World
from tests.providers import Provider
from tiffin.care.channels import NotificationSender, WebhookChannel
from tiffin.store import tables


def _cancelled_orders(world: World, n: int) -> None:
    for i in range(n):
        order = place(world, key=f"chan-{i}").json()
        world.client.post(
            f"/v1/orders/{order['id']}/reject",
            json={"reason": "gas cut"},
            headers=world.auth(merchant_of(world, order)),
        )
    world.drain()


def _sender(world: World, **channels: str) -> NotificationSender:
    return NotificationSender(
        world.platform.db,
        world.platform.clock,
        {name: WebhookChannel(name, url) for name, url in channels.items()},
    )


def _notifications(world: World) -> list[dict[str, Any]]:
    with world.platform.uow(read_only=True) as uow:
        return [dict(r) for r in uow.conn.execute(select(tables.notifications)).mappings()]


def _attempts(world: World) -> list[dict[str, Any]]:
    with world.platform.uow(read_only=True) as uow:
        query = select(tables.notification_attempts).order_by(tables.notification_attempts.c.id)
        return [dict(r) for r in uow.conn.execute(query).mappings()]


def test_failed_pushes_are_retried_with_backoff_and_the_same_idempotency_key(
    world: World, provider: Provider
) -> None:
    provider.fail_first = 2
    _cancelled_orders(world, 2)
    sender = _sender(world, push=provider.url)
    for _ in range(6):  # retries are due 0.5 s then 1 s later on the injected clock
        sender.run_until_idle()
        world.platform.clock.advance(1.0)
    customer = [n for n in _notifications(world) if n["customer_id"]]
    assert {n["status"] for n in customer} == {"delivered"}
    assert {n["delivered_via"] for n in customer} == {"push"}
    assert len(provider.calls) == 6  # three tries each, the third accepted
    for n in customer:
        assert [c["key"] for c in provider.calls].count(n["id"]) == 3
    log = _attempts(world)
    assert [a["ok"] for a in log].count(True) == 2 and len(log) == 6
    assert {a["status_code"] for a in log if not a["ok"]} == {503}


def test_a_dead_provider_falls_back_to_sms_then_to_the_inbox(
    world: World, provider: Provider
) -> None:
    provider.always_fail = True
    _cancelled_orders(world, 1)
    sender = _sender(world, push=provider.url, sms=provider.url)
    for _ in range(10):
        sender.run_until_idle()
        world.platform.clock.advance(2.0)
    [n] = [n for n in _notifications(world) if n["customer_id"]]
    assert n["status"] == "delivered" and n["delivered_via"] == "inbox"
    channels = [a["channel"] for a in _attempts(world)]
    assert channels == ["push"] * 3 + ["sms"] * 3 + ["inbox"]


def test_phone_people_go_on_the_operator_call_list(world: World) -> None:
    with world.platform.uow() as uow:
        uow.conn.execute(
            tables.customers.update()
            .where(tables.customers.c.id == world.subjects["student1"])
            .values(contact_channel="phone")
        )
        uow.commit()
    _cancelled_orders(world, 1)
    _sender(world).run_until_idle()
    c = world.client
    [call] = c.get("/v1/care/call-list", headers=world.auth("ops")).json()
    assert call["customer_id"] == world.subjects["student1"]
    done = c.post(
        f"/v1/care/call-list/{call['id']}/done",
        json={"outcome": "apologised; she keeps the credit"},
        headers=world.auth("ops"),
    )
    assert done.status_code == 200
    assert c.get("/v1/care/call-list", headers=world.auth("ops")).json() == []
    [n] = [n for n in _notifications(world) if n["customer_id"]]
    assert (n["status"], n["delivered_via"]) == ("delivered", "call")

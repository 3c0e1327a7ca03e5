"""Coalescing on the live path, both databases: a burst of three trouble messages on one order
becomes one push with the newest words; the inbox keeps all three."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.integration.helpers import place_demo_order, seeded
from tiffin.care import notify
from tiffin.care.channels import NotificationSender
from tiffin.care.coalesce import CoalesceRules
from tiffin.domain.anomalies import AnomalyType
from tiffin.platform import Platform
from tiffin.store import tables

RULES = CoalesceRules(window=timedelta(minutes=4), max_pushes=2)


def _tell(platform: Platform, ids: object, order_id: str, n: int, kind: AnomalyType) -> None:
    with platform.uow() as uow:
        notify.notify_customer(
            uow,
            tenant_id=ids.tenant_id,  # type: ignore[attr-defined]
            customer_id=ids.customer.subject_id,  # type: ignore[attr-defined]
            order_id=order_id,
            dedupe_key=f"burst:{n}",
            title=f"title {n}",
            body=f"body {n}",
            language="en",
            contact_channel="inbox",
            phone="",
            priority=100,
            kind=kind,
            rules=RULES,
        )
        uow.commit()


def test_a_burst_of_three_gives_one_push_with_the_newest_words(platform: Platform) -> None:
    ids = seeded(platform)
    order_id = place_demo_order(platform, ids)
    for n, kind in enumerate((AnomalyType.ETA_SLIP, AnomalyType.NO_RIDER, AnomalyType.ETA_SLIP)):
        _tell(platform, ids, order_id, n, kind)
        platform.clock.advance(timedelta(minutes=1))
    sender = NotificationSender(platform.db, platform.clock, {})
    assert sender.run_until_idle() == 0  # held: nothing due yet
    platform.clock.advance(timedelta(minutes=2))
    assert sender.run_until_idle() == 1
    n, m = tables.notifications.c, tables.inbox_messages.c
    with platform.uow(read_only=True) as uow:
        rows = uow.conn.execute(
            select(n.body, n.status).where(n.order_id == order_id).order_by(n.created_at)
        ).all()
        inbox = uow.conn.execute(select(m.body).where(m.dedupe_key.like("burst:%"))).scalars()
        assert sorted(inbox) == ["body 0", "body 1", "body 2"]
    assert [(r.body, r.status) for r in rows] == [
        ("body 0", "superseded"),
        ("body 1", "superseded"),
        ("body 2", "delivered"),
    ]
    _tell(platform, ids, order_id, 3, AnomalyType.DELIVERED_LATE)  # the outcome always goes
    with platform.uow(read_only=True) as uow:
        last = uow.conn.execute(
            select(n.status).where(n.dedupe_key == "burst:3", n.order_id == order_id)
        ).scalar_one()
    assert last == "pending"

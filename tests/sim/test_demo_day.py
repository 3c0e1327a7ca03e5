"""The live simulated day of ``make run`` (tiffin/sim/demo_day.py): orders flow from placement
to the door through the real services and the live dispatcher, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from tests.integration.helpers import seeded
from tiffin.clock import ManualClock
from tiffin.domain.order import Action, OrderStatus
from tiffin.platform import Platform
from tiffin.seed import SIM_TENANT, seed_demo
from tiffin.sim.demo_day import DemoDay
from tiffin.store import tables


def test_a_demo_day_delivers_orders_through_the_real_platform(
    platform: Platform, clock: ManualClock
) -> None:
    reader = seeded(platform)  # the campus whose logins the README hands out
    with platform.uow() as uow:
        seed_demo(uow, slug=SIM_TENANT)
        uow.commit()
    day = DemoDay(platform.uow, platform.catalog, clock, order_every_seconds=15)
    done: Counter[str] = Counter()
    for _ in range(150):  # ten minutes in 4-second steps
        done += day.tick()
        platform.dispatch_once()
        clock.advance(4)
    with platform.uow(read_only=True) as uow:
        on_campus = uow.orders.find(tables.orders.c.tenant_id == reader.tenant_id)
        reader_riders = uow.riders.find(tables.riders.c.tenant_id == reader.tenant_id)
    assert on_campus == [], "the simulated day ordered on the reader's campus"
    assert not any(r.on_shift for r in reader_riders), "it moved the reader's riders"
    assert done["shift started"] == 4
    assert done["placed"] >= 10
    assert done["delivered"] >= 5
    with platform.uow(read_only=True) as uow:
        ids = uow.conn.execute(
            select(tables.orders.c.id).where(tables.orders.c.status == OrderStatus.DELIVERED.value)
        ).scalars()
        delivered = [uow.orders.require(i) for i in ids]
        events = uow.conn.execute(select(tables.outbox.c.topic)).scalars().all()
    assert len(delivered) == done["delivered"]
    for order in delivered:  # every step taken by the party the state machine allows
        actors = {t.action: t.actor.role for t in order.history}
        assert actors[Action.ACCEPT] == "merchant" and actors[Action.MARK_READY] == "merchant"
        assert actors[Action.ASSIGN] == actors[Action.PICK_UP] == actors[Action.DELIVER] == "rider"
    assert events.count("order.deliver") == done["delivered"]


def test_without_the_demo_campus_the_day_does_nothing(platform: Platform) -> None:
    assert DemoDay(platform.uow, platform.catalog, platform.clock).tick() == Counter()


def test_the_day_never_plays_the_readers_campus(platform: Platform) -> None:
    seeded(platform)  # only the reader's campus: the day finds nobody of its own to play
    assert DemoDay(platform.uow, platform.catalog, platform.clock).tick() == Counter()

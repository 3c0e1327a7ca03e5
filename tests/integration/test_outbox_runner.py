"""The outbox runner consumes in order, records its offset, and resumes after a restart."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select, text

from tests.integration.helpers import place_demo_order, seeded
from tiffin.care.inbox import TEMPLATES
from tiffin.clock import ManualClock
from tiffin.domain.events import DomainEvent, OrderCancelled, OrderPlaced, OrderStatusChanged
from tiffin.domain.order import OrderStatus
from tiffin.platform import Platform
from tiffin.store import outbox, staging, tables
from tiffin.store.outbox import Envelope
from tiffin.store.uow import UnitOfWork
from tiffin.workers import runner as runner_module
from tiffin.workers.runner import OutboxRunner


@dataclass
class Recorder:
    name: str = "test.recorder"
    seen: list[int] = field(default_factory=list)
    fail_on: int | None = None
    wants: tuple[type[DomainEvent], ...] = (OrderPlaced,)
    batch: int | None = None

    def handle_batch(self, uow: UnitOfWork, envelopes: Sequence[Envelope]) -> None:
        for envelope in envelopes:
            assert isinstance(envelope.event, self.wants)  # typed, and only what it asked for
            if envelope.id == self.fail_on:
                raise RuntimeError("worker killed mid-batch")
            self.seen.append(envelope.id)


def test_runner_resumes_where_it_stopped_and_never_skips(platform: Platform) -> None:
    ids = seeded(platform)
    for _ in range(3):
        place_demo_order(platform, ids)
    first = Recorder()
    assert OutboxRunner(platform.db, platform.clock, [first]).run_until_idle() > 0
    assert len(first.seen) == 3
    for _ in range(2):
        place_demo_order(platform, ids)
    # A new process (new runner, new consumer object) picks up only what is new.
    second = Recorder()
    OutboxRunner(platform.db, platform.clock, [second]).run_until_idle()
    assert len(second.seen) == 2 and min(second.seen) > max(first.seen)


@dataclass
class Narrow(Recorder):
    """Wants only cancellations, and at most two per transaction."""

    name: str = "test.narrow"
    batch: int | None = 2
    wants: tuple[type[DomainEvent], ...] = (OrderCancelled,)


def test_a_consumer_batch_caps_what_it_handles_not_what_it_passes_over(
    platform: Platform,
) -> None:
    ids = seeded(platform)
    for _ in range(5):
        place_demo_order(platform, ids)
    unwanted = Narrow()
    runner = OutboxRunner(platform.db, platform.clock, [unwanted])
    assert runner.run_once() == 5  # five unrelated events, one transaction
    assert runner.run_once() == 0 and unwanted.seen == []
    with platform.uow() as uow:
        outbox.append(
            uow.conn,
            [_cancelled(platform, n) for n in range(3)],
        )
        uow.commit()
    assert runner.run_once() == 2 and len(unwanted.seen) == 2
    assert runner.run_once() == 1 and len(unwanted.seen) == 3
    assert runner.lag() == {"test.narrow": 0}


def _cancelled(platform: Platform, n: int) -> OrderCancelled:
    return OrderCancelled(
        aggregate_id=f"ord_{n}",
        tenant_id="t",
        at=platform.clock.now(),
        from_status=OrderStatus.PLACED,
        to_status=OrderStatus.CANCELLED,
    )


def test_a_failed_batch_is_replayed_whole_after_restart(platform: Platform) -> None:
    ids = seeded(platform)
    order_ids = [place_demo_order(platform, ids) for _ in range(3)]
    with platform.uow() as uow:
        placed = [
            r.id
            for r in uow.conn.execute(
                select(tables.outbox.c.id).where(tables.outbox.c.topic == "order.placed")
            )
        ]
    crashing = Recorder(fail_on=placed[1])
    runner = OutboxRunner(platform.db, platform.clock, [crashing])
    with contextlib.suppress(RuntimeError):
        runner.run_once()
    restarted = Recorder()
    OutboxRunner(platform.db, platform.clock, [restarted]).run_until_idle()
    assert restarted.seen == placed and len(order_ids) == 3


@dataclass
class Writer(Recorder):
    """Writes a row per event (an outbox event of its own), so its batch commits or not."""

    name: str = "test.writer"
    platform: Platform | None = None

    def handle_batch(self, uow: UnitOfWork, envelopes: Sequence[Envelope]) -> None:
        super().handle_batch(uow, envelopes)
        assert self.platform is not None
        outbox.append(uow.conn, [_cancelled(self.platform, n) for n in range(len(envelopes))])


def test_one_consumer_failing_undoes_only_its_own_batch(platform: Platform) -> None:
    """On SQLite a round's consumers share one transaction, each in a savepoint; on PostgreSQL
    each has its own. Either way a failing consumer neither loses another's work nor moves."""
    ids = seeded(platform)
    for _ in range(2):
        place_demo_order(platform, ids)
    writer, crashing = Writer(platform=platform), Recorder(name="test.crashing")
    with platform.uow() as uow:
        first = uow.conn.execute(select(tables.outbox.c.id).order_by(tables.outbox.c.id)).first()
    assert first is not None
    crashing.fail_on = first.id
    runner = OutboxRunner(platform.db, platform.clock, [crashing, writer])
    deadline = time.monotonic() + 10  # PostgreSQL: until the events pass the snapshot horizon
    while not writer.seen and time.monotonic() < deadline:
        runner.run_once()
    assert runner.failures >= 1
    assert len(writer.seen) == 2  # handled, and its two rows written, despite the other
    with platform.uow(read_only=True) as uow:
        topics = [r.topic for r in uow.conn.execute(select(tables.outbox.c.topic))]
        offsets = dict(
            uow.conn.execute(
                select(tables.consumer_offsets.c.consumer, tables.consumer_offsets.c.last_id)
            ).all()
        )
    assert topics.count("order.cancel") == 2
    assert offsets["test.crashing"] == 0 and offsets["test.writer"] > 0
    crashing.fail_on = None
    assert OutboxRunner(platform.db, platform.clock, [crashing]).run_until_idle() > 0
    assert crashing.seen[0] == first.id  # the failed batch comes round again


def test_inbox_messages_are_written_once_even_when_events_replay(platform: Platform) -> None:
    ids = seeded(platform)
    place_demo_order(platform, ids)
    runner = platform.outbox_runner()
    runner.run_until_idle()
    with platform.db.engine.begin() as conn:  # forget the offset, as if the commit was lost
        conn.execute(tables.consumer_offsets.update().values(last_id=0))
    runner.run_until_idle()
    with platform.uow() as uow:
        messages = uow.conn.execute(select(tables.inbox_messages)).all()
    assert len(messages) == 1
    assert isinstance(platform.clock, ManualClock)


@dataclass
class Batcher(Recorder):
    """Records each batch it is handed."""

    name: str = "test.batcher"
    batches: list[list[int]] = field(default_factory=list)
    batch: int | None = 2

    def handle_batch(self, uow: UnitOfWork, envelopes: Sequence[Envelope]) -> None:
        self.batches.append([e.id for e in envelopes])


def test_a_batch_consumer_gets_the_wanted_events_in_order_and_capped(platform: Platform) -> None:
    ids = seeded(platform)
    for _ in range(3):
        place_demo_order(platform, ids)
    batcher = Batcher()
    runner = OutboxRunner(platform.db, platform.clock, [batcher])
    runner.run_until_idle()
    with platform.uow(read_only=True) as uow:
        placed = list(
            uow.conn.scalars(
                select(tables.outbox.c.id)
                .where(tables.outbox.c.topic == "order.placed")
                .order_by(tables.outbox.c.id)
            )
        )
    assert batcher.batches == [placed[:2], placed[2:]]


def test_one_inbox_batch_tells_each_customer_about_their_own_order(platform: Platform) -> None:
    ids = seeded(platform)
    placed = [place_demo_order(platform, ids) for _ in range(4)]
    assert platform.outbox_runner().run_until_idle() > 0
    m = tables.inbox_messages.c
    with platform.uow(read_only=True) as uow:
        rows = uow.conn.execute(select(m.order_id, m.customer_id, m.title)).all()
    assert sorted(r.order_id for r in rows) == sorted(placed)
    assert {r.customer_id for r in rows} == {ids.customer.subject_id}
    assert {r.title for r in rows} == {TEMPLATES["zh-CN"][OrderPlaced][0]}  # the demo student's


def test_the_runner_says_when_it_stopped_at_a_batch_limit(platform: Platform) -> None:
    """Behind: go round again at once. Caught up: wait for the next poll, rather than spend a
    transaction on every handful of events that arrive meanwhile."""
    ids = seeded(platform)
    for _ in range(5):
        place_demo_order(platform, ids)
    runner = OutboxRunner(platform.db, platform.clock, [Recorder()], batch=3)
    assert runner.run_once() == 3 and runner.behind
    assert runner.run_once() == 2 and not runner.behind
    capped = OutboxRunner(platform.db, platform.clock, [Batcher(name="test.capped")], batch=10)
    assert capped.run_once() == 2 and capped.behind  # its own cap of two, three more waiting


def test_an_event_committed_late_is_not_overtaken(platform: Platform) -> None:
    """PostgreSQL hands out ids before commit: a slow transaction with a lower id must still be
    delivered, after the faster one that committed first."""
    if not platform.db.is_postgres:
        pytest.skip("SQLite serialises writers: ids are already in commit order")
    ids = seeded(platform)
    recorder = Recorder()
    runner = OutboxRunner(platform.db, platform.clock, [recorder])
    runner.run_until_idle()
    recorder.seen.clear()
    slow = platform.uow().__enter__()
    try:
        slow_order = place_demo_order(platform, ids, uow=slow, commit=False)
        outbox.append(slow.conn, slow.orders.flush())  # gets the lower id, does not commit
        fast_order = place_demo_order(platform, ids)  # commits while `slow` is open
        runner.run_until_idle(settle_seconds=0)
        assert recorder.seen == []  # held back: an older transaction is still running
        slow.conn.commit()
    finally:
        slow.__exit__(None, None, None)
    runner.run_until_idle()
    with platform.uow(read_only=True) as uow:
        by_order = {
            r.aggregate_id: r.id
            for r in uow.conn.execute(
                select(tables.outbox.c.aggregate_id, tables.outbox.c.id).where(
                    tables.outbox.c.topic == "order.placed"
                )
            )
        }
    assert sorted(recorder.seen) == sorted([by_order[slow_order], by_order[fast_order]])
    assert recorder.seen[0] == by_order[slow_order]


def test_draining_waits_for_a_transaction_that_holds_the_horizon_back(platform: Platform) -> None:
    """Any open transaction on the server (here one that writes nothing) keeps later commits
    unreadable for a while; a drain must wait for them, not call the outbox empty."""
    if not platform.db.is_postgres:
        pytest.skip("SQLite has no snapshot horizon: a committed event is readable at once")
    ids = seeded(platform)
    recorder = Recorder()
    runner = OutboxRunner(platform.db, platform.clock, [recorder])
    runner.run_until_idle()
    recorder.seen.clear()
    blocker = platform.db.engine.connect()
    blocker.execute(text("SELECT pg_current_xact_id()"))  # takes a transaction id, holds it
    place_demo_order(platform, ids)

    def finish() -> None:
        time.sleep(0.3)
        blocker.rollback()
        blocker.close()

    closer = threading.Thread(target=finish)
    closer.start()
    try:
        assert runner.run_until_idle() == 1
    finally:
        closer.join()
    assert len(recorder.seen) == 1


@dataclass
class EveryStep(Recorder):
    """Wants every step of an order by naming their base class."""

    name: str = "test.every_step"
    wants: tuple[type[DomainEvent], ...] = (OrderStatusChanged,)
    kinds: list[type[DomainEvent]] = field(default_factory=list)

    def handle_batch(self, uow: UnitOfWork, envelopes: Sequence[Envelope]) -> None:
        self.kinds += [type(e.event) for e in envelopes]


def test_a_consumer_gets_typed_events_and_passes_over_unknown_topics(platform: Platform) -> None:
    ids = seeded(platform)
    place_demo_order(platform, ids)
    with platform.uow() as uow:
        outbox.append(uow.conn, [_cancelled(platform, 1)])
        # A topic no class is registered for (a newer writer's, say): no consumer can want it.
        postgres = platform.db.is_postgres
        (row,) = outbox.rows([_cancelled(platform, 2)], postgres=postgres)
        computed = {tables.outbox: outbox.COMPUTED_POSTGRES} if postgres else None
        row = row | {"topic": "order.teleported", "payload": {}}
        staging.write(uow.conn, [(tables.outbox, [row])], computed=computed)
        uow.commit()
    every = EveryStep()
    runner = OutboxRunner(platform.db, platform.clock, [every])
    assert runner.run_until_idle() > 0
    assert every.kinds[-2:] == [OrderPlaced, OrderCancelled]
    assert runner.lag() == {"test.every_step": 0}


def test_a_round_claims_only_the_consumers_that_are_behind(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not platform.db.is_sqlite:
        pytest.skip("SQLite's runner shares one transaction per round among the consumers")
    ids = seeded(platform)
    place_demo_order(platform, ids)
    old = Recorder(name="test.old")
    OutboxRunner(platform.db, platform.clock, [old]).run_until_idle()
    new = Recorder(name="test.new")  # registered now: behind by every event so far
    claimed: list[str] = []
    real_claim = runner_module._claim

    def spy(conn: Any, name: str) -> Any:
        claimed.append(name)
        return real_claim(conn, name)

    monkeypatch.setattr(runner_module, "_claim", spy)
    runner = OutboxRunner(platform.db, platform.clock, [old, new])
    assert runner.run_once() > 0
    assert claimed == ["test.new"] and len(new.seen) == 1 and len(old.seen) == 1
    assert runner.run_once() == 0 and claimed == ["test.new"]  # all caught up: no claims

"""The outbox runner: feeds each consumer the events after its recorded offset.

A consumer's handling of a batch and the advance of its offset commit in one transaction, so a
crash replays at most the uncommitted batch, and handlers that write to the database are
exactly-once with respect to it. On PostgreSQL the offset row is claimed with
``FOR UPDATE SKIP LOCKED``: several processes may run the same consumers without doubling work.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from tiffin.clock import Clock
from tiffin.domain.events import EVENT_TYPES, DomainEvent
from tiffin.store import outbox, tables
from tiffin.store.db import READ_ONLY, Database
from tiffin.store.outbox import Envelope, OutboxEvent, Position
from tiffin.store.uow import UnitOfWork

log = logging.getLogger(__name__)


class Consumer(Protocol):
    """A named reader of the outbox.

    ``wants`` names the event classes it handles (a base class stands for all of its
    subclasses, ``OrderStatusChanged`` for every step of an order); the runner passes over the
    rest, and over topics no class is registered for (no consumer can want those). ``batch``
    caps the events it handles per transaction (``None``: the runner's): small batches commit,
    and so release their side effects, sooner. ``handle_batch`` gets the wanted events, typed
    and in order, inside the transaction that also advances the consumer's offset.
    """

    @property
    def name(self) -> str: ...

    @property
    def wants(self) -> tuple[type[DomainEvent], ...]: ...

    @property
    def batch(self) -> int | None: ...

    def handle_batch(self, uow: UnitOfWork, envelopes: Sequence[Envelope]) -> None: ...


class OutboxRunner:
    def __init__(
        self, db: Database, clock: Clock, consumers: Sequence[Consumer], *, batch: int = 200
    ) -> None:
        self.db = db
        self.clock = clock
        self.consumers = list(consumers)
        self._topics = {c.name: wanted_topics(c) for c in self.consumers}
        self.batch = batch
        self.failures = 0
        self.behind = False  # the last round stopped at a batch limit: more is waiting
        self._ensure_offsets()

    def run_once(self) -> int:
        """Process one batch per consumer; return how many events were handled in all.

        On SQLite every consumer's batch goes in one transaction, each in a savepoint of its
        own (one consumer's failure undoes only its batch), and a round with nothing new
        takes no write transaction at all. SQLite has one writer at a time: a transaction
        (write lock, fsync) per consumer per round, five consumers polling while orders
        stream in, held the write lock longer than the order placements did (measured under
        ``bench/api_orders.py``: 378 transactions and 2.9 s of the lock in 10 s, against
        3.2 s for 976 orders). PostgreSQL keeps a transaction per consumer, so processes
        share the consumers through ``SKIP LOCKED``.
        """
        self.behind = False
        # One read of the outbox per offset and round, shared by the consumers at that offset
        # (most of them, most of the time): events below the horizon never change.
        reads: dict[Position, list[OutboxEvent]] = {}
        if not self.db.is_sqlite:
            return sum(
                self._guarded(consumer, lambda c: self._drain(c, reads))
                for consumer in self.consumers
            )
        behind = self._behind()
        if not behind:
            return 0

        def in_savepoint(consumer: Consumer) -> int:
            with uow.savepoint():
                return self._advance(uow, consumer, reads)

        with UnitOfWork(self.db, self.clock) as uow:
            handled = sum(self._guarded(consumer, in_savepoint) for consumer in behind)
            uow.commit()
        return handled

    def _guarded(self, consumer: Consumer, drain: Callable[[Consumer], int]) -> int:
        """``drain(consumer)``; a failure is logged and counted, and the other consumers go on
        (the failed batch comes round again next time)."""
        try:
            return drain(consumer)
        except Exception:  # noqa: BLE001 - one consumer's bad batch spares the others
            self.failures += 1
            log.exception("outbox batch of %s failed; will retry", consumer.name)
            return 0

    def run_until_idle(self, max_rounds: int = 1000, settle_seconds: float = 5.0) -> int:
        """Handle events until every consumer has caught up; return how many were handled.

        On PostgreSQL an event is read only once every older transaction has finished (the
        snapshot horizon), and any open transaction on the server holds that back, even one in
        another database. So a round that finds nothing while events are still pending waits
        for the horizon (up to ``settle_seconds``) instead of calling the outbox drained.
        """
        total = 0
        settle_by: float | None = None
        for _ in range(max_rounds):
            done = self.run_once()
            total += done
            if done:
                settle_by = None
                continue
            if not any(self.lag().values()):
                break
            now = time.monotonic()
            settle_by = settle_by if settle_by is not None else now + settle_seconds
            if now >= settle_by:
                log.warning("outbox not drained after %.1f s: %s", settle_seconds, self.lag())
                break
            time.sleep(0.02)
        return total

    def run_forever(self, stop: threading.Event, poll_seconds: float) -> None:
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # noqa: BLE001 - a worker must outlive one bad batch
                self.failures += 1
                log.exception("outbox batch failed (%d failures so far); will retry", self.failures)
                busy = 0
            # Caught up: wait for the next poll even if this round found a few new events.
            # Going round again at once would spend a transaction (and, on SQLite, the write
            # lock and an fsync) on every handful of events while orders stream in; measured
            # at a fifth of order-placement throughput. Behind: go on at once.
            if not (busy and self.behind):
                stop.wait(poll_seconds)

    def lag(self) -> dict[str, int]:
        """Events each consumer has still to handle."""
        with self.db.engine.connect() as conn:
            conn.info[READ_ONLY] = True  # never BEGIN IMMEDIATE: a writer may be waiting on us
            rows = conn.execute(select(tables.consumer_offsets)).mappings().all()
            return {
                r["consumer"]: outbox.pending_count(conn, Position(r["last_txid"], r["last_id"]))
                for r in rows
                if r["consumer"] in {c.name for c in self.consumers}
            }

    def _behind(self) -> list[Consumer]:
        """The consumers that have not seen the newest event (SQLite: ids only grow), read
        without the write lock. Only they get a savepoint and a claim this round: while
        orders stream in, one consumer with a small batch keeps the runner going round at
        once, and the caught-up others' savepoints and claims were most of each round (py-spy
        under ``bench/api_orders.py``: savepoints, claims and commits 60 % of the runner)."""
        o, c = tables.outbox.c, tables.consumer_offsets.c
        names = [consumer.name for consumer in self.consumers]
        with self.db.engine.connect() as conn:
            conn.info[READ_ONLY] = True
            newest = conn.execute(select(func.max(o.id))).scalar()
            if newest is None:
                return []
            rows = conn.execute(select(c.consumer, c.last_id).where(c.consumer.in_(names)))
            seen = {r.consumer: int(r.last_id) for r in rows}
        return [x for x in self.consumers if seen.get(x.name, -1) < int(newest)]

    def _drain(self, consumer: Consumer, reads: dict[Position, list[OutboxEvent]]) -> int:
        with UnitOfWork(self.db, self.clock) as uow:
            handled = self._advance(uow, consumer, reads)
            if handled:
                uow.commit()
            return handled

    def _advance(
        self, uow: UnitOfWork, consumer: Consumer, reads: dict[Position, list[OutboxEvent]]
    ) -> int:
        """Hand ``consumer`` its next batch and move its offset past it, in ``uow``'s
        transaction (not committed here). ``reads`` shares one read of the outbox among
        consumers at the same offset."""
        offset = _claim(uow.conn, consumer.name)
        if offset is None:
            return 0  # another process holds this consumer right now
        events = reads.get(offset)
        if events is None:
            events = reads[offset] = outbox.read_after(uow.conn, offset, self.batch)
        self.behind = self.behind or len(events) == self.batch
        # A consumer's own batch caps the events it *handles* per transaction; events it
        # does not want are passed over in the same transaction, so a narrow consumer in a
        # busy outbox does not spend a commit on every few unrelated events.
        limit = consumer.batch or self.batch
        topics = self._topics[consumer.name]
        passed: list[OutboxEvent] = []
        wanted: list[Envelope] = []
        for event in events:
            if event.topic in topics:
                if len(wanted) == limit:
                    self.behind = True
                    break
                wanted.append(event.decoded())
            passed.append(event)
        if not passed:
            return 0
        if wanted:
            consumer.handle_batch(uow, wanted)
        uow.conn.execute(
            update(tables.consumer_offsets)
            .where(tables.consumer_offsets.c.consumer == consumer.name)
            .values(
                last_id=passed[-1].position.id,
                last_txid=passed[-1].position.txid,
                processed=tables.consumer_offsets.c.processed + len(passed),
                updated_at=self.clock.now(),
            )
        )
        return len(passed)

    def _ensure_offsets(self) -> None:
        for consumer in self.consumers:
            try:
                with self.db.engine.begin() as conn:
                    exists = conn.execute(
                        select(tables.consumer_offsets.c.consumer).where(
                            tables.consumer_offsets.c.consumer == consumer.name
                        )
                    ).first()
                    if not exists:
                        conn.execute(
                            insert(tables.consumer_offsets).values(
                                consumer=consumer.name,
                                last_id=0,
                                last_txid=0,
                                processed=0,
                                updated_at=self.clock.now(),
                            )
                        )
            except IntegrityError:
                pass  # another process registered it first: that is the outcome we wanted


def _claim(conn: Connection, name: str) -> Position | None:
    c = tables.consumer_offsets.c
    query = select(c.last_txid, c.last_id).where(c.consumer == name)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = conn.execute(query).first()
    return None if row is None else Position(int(row.last_txid), int(row.last_id))


def wanted_topics(consumer: Consumer) -> frozenset[str]:
    """The topics whose events ``consumer`` wants: those of its classes and their subclasses."""
    return frozenset(t for t, cls in EVENT_TYPES.items() if issubclass(cls, consumer.wants))

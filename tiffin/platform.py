"""The running platform: database, clock, settings and workers, built once and passed down."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from tiffin.accounts.service import TokenCache
from tiffin.care.inbox import InboxConsumer
from tiffin.clock import Clock, SystemClock
from tiffin.settings import Settings
from tiffin.store.db import Database
from tiffin.store.uow import UnitOfWork
from tiffin.workers.runner import Consumer, OutboxRunner


def default_consumers() -> list[Consumer]:
    return [InboxConsumer()]


@dataclass
class Platform:
    settings: Settings
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    runner: OutboxRunner | None = None
    tokens: TokenCache = field(default_factory=TokenCache)

    @classmethod
    def build(cls, settings: Settings, clock: Clock | None = None) -> Platform:
        return cls(
            settings=settings, db=Database(settings.database_url), clock=clock or SystemClock()
        )

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        """A unit of work; ``read_only=True`` for queries (never blocks on writers)."""
        return UnitOfWork(self.db, self.clock, read_only=read_only)

    def outbox_runner(self) -> OutboxRunner:
        if self.runner is None:
            self.runner = OutboxRunner(self.db, self.clock, default_consumers())
        return self.runner

    def start_workers(self) -> None:
        runner = self.outbox_runner()
        thread = threading.Thread(
            target=runner.run_forever,
            args=(self._stop, self.settings.worker_poll_seconds),
            name="tiffin-outbox",
            daemon=True,
        )
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self.db.dispose()

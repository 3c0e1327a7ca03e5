"""The running platform: database, clock, settings and workers, built once and passed down."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from tiffin.accounts.service import TokenCache
from tiffin.care.inbox import InboxConsumer
from tiffin.clock import Clock, SystemClock
from tiffin.dispatch.live import run_cycle
from tiffin.dispatch.model import DispatchParams
from tiffin.settings import Settings
from tiffin.store.db import Database
from tiffin.store.uow import UnitOfWork
from tiffin.workers.runner import Consumer, OutboxRunner

log = logging.getLogger(__name__)


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
    dispatch_params: DispatchParams = field(default_factory=DispatchParams)
    dispatch_failures: int = 0

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
        dispatcher = threading.Thread(
            target=self._dispatch_forever, name="tiffin-dispatch", daemon=True
        )
        dispatcher.start()
        self._threads.append(dispatcher)

    def dispatch_once(self) -> int:
        """One live dispatch cycle over every tenant (the worker thread calls this)."""
        with self.uow() as uow:
            made = run_cycle(uow, self.dispatch_params)
            uow.commit()
        return made

    def _dispatch_forever(self) -> None:
        while not self._stop.is_set():
            try:
                self.dispatch_once()
            except Exception:  # noqa: BLE001 - the dispatcher must outlive one bad cycle
                self.dispatch_failures += 1
                log.exception("dispatch cycle failed (%d so far)", self.dispatch_failures)
            self._stop.wait(self.settings.dispatch_seconds)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self.db.dispose()

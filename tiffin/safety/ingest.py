"""Group commit for rider telemetry: concurrent posts share one transaction.

2,000 riders posting every 5 s is 400 small writes a second. Written one transaction each, every
post pays for a worker thread, a unit of work, a read of its rider and a commit; on SQLite they
also queue for the one writer. Here one thread writes: it takes every post waiting, stores them
in one transaction (``telemetry.ingest_posts``: one read of the riders, one multi-row insert),
commits, and only then answers each request. So nothing is acknowledged before it is durable,
a lone post is written at once (no timer), and under load each commit carries more posts, which
is what lets ingestion keep up (docs/safety.md, ``bench/telemetry.py``).

A post that is refused alone (not a rider, a sample from the future) gets its own error and the
others are stored. If the group's transaction fails, each of its posts is retried in its own
transaction, so one bad post never fails the riders it happened to share a commit with.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

from tiffin.safety.alerts import Alert
from tiffin.safety.telemetry import Post, ingest_posts
from tiffin.store.uow import UnitOfWorkFactory

MAX_GROUP = 256  # posts in one transaction: a bound on the transaction, not a wait

_Waiting = tuple[Post, "Future[list[Alert]]", float]


class TelemetryWriter:
    """One writer thread, started on the first post; ``close`` drains what was accepted."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        on_wait: Callable[[float], None] | None = None,
        max_group: int = MAX_GROUP,
    ) -> None:
        self._uow = uow
        self._on_wait = on_wait  # how long the oldest post of a group queued (admission control)
        self._max_group = max_group
        self._queue: queue.SimpleQueue[_Waiting | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.groups = 0  # transactions written (tests and the docs' figures read these)
        self.posts = 0

    def submit(self, post: Post) -> Future[list[Alert]]:
        """Queue a post; the future holds its new alerts once committed, or its error."""
        future: Future[list[Alert]] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the telemetry writer is closed")
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="telemetry-writer", daemon=True
                )
                self._thread.start()
            self._queue.put((post, future, time.perf_counter()))
        return future

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued, then stop the thread."""
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            stop = False
            while len(group) < self._max_group:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                group.append(more)
            if self._on_wait is not None:
                self._on_wait(time.perf_counter() - group[0][2])
            self._write(group)
            if stop:
                return

    def _write(self, group: list[_Waiting]) -> None:
        try:
            outcomes = self._commit([post for post, _, _ in group])
        except Exception as failed:  # noqa: BLE001 - handed to the requests that were waiting
            if len(group) > 1:
                for one in group:
                    self._write([one])
                return
            group[0][1].set_exception(failed)
            return
        self.groups += 1
        self.posts += len(group)
        for (_, future, _), outcome in zip(group, outcomes, strict=True):
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    def _commit(self, posts: list[Post]) -> list[list[Alert] | Exception]:
        with self._uow() as uow:
            outcomes = ingest_posts(uow, posts)
            uow.commit()
        return list(outcomes)

"""Sliding-window counters for the hot checkpoints (order placement, coupon redemption), where
a database aggregate per request would cost throughput.

Times are the injected clock's, so the simulator's virtual day counts right. The in-process
store is the embedded default (one process: exact; several: each counts what it saw); Redis
(``TIFFIN_RISK_COUNTERS_URL=redis://...``) shares the counts between processes. A count may
include an event whose transaction later rolled back: risk reads it as a slightly high count.
"""

from __future__ import annotations

import bisect
import os
import threading
from datetime import datetime
from typing import Any, Protocol

HORIZON_SECONDS = 30 * 86_400
MAX_EVENTS_PER_KEY = 10_000


class WindowCounters(Protocol):
    def hit(self, key: str, at: datetime) -> None: ...

    def count(self, key: str, since: datetime, now: datetime) -> int: ...


class MemoryCounters:
    """Per key, the sorted timestamps of the last 30 days (at most 10,000), under one lock;
    a count is two binary searches, whatever the window holds."""

    def __init__(self) -> None:
        self._events: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, at: datetime) -> None:
        ts = at.timestamp()
        with self._lock:
            events = self._events.setdefault(key, [])
            if not events or events[-1] <= ts:
                events.append(ts)
            else:
                bisect.insort(events, ts)
            stale = bisect.bisect_left(events, ts - HORIZON_SECONDS)
            stale = max(stale, len(events) - MAX_EVENTS_PER_KEY)
            if stale > 0:
                del events[:stale]

    def count(self, key: str, since: datetime, now: datetime) -> int:
        with self._lock:
            events = self._events.get(key)
            if not events:
                return 0
            low = bisect.bisect_left(events, since.timestamp())
            return bisect.bisect_right(events, now.timestamp()) - low


class RedisCounters:
    """The same windows as Redis sorted sets (score = the clock's timestamp), expiring after
    30 days of silence."""

    def __init__(self, url: str, *, prefix: str = "tiffin:risk:") -> None:
        import redis  # optional: only when the setting names a Redis

        self._redis: Any = redis.Redis.from_url(url)
        self._prefix = prefix
        self._seq = 0
        self._lock = threading.Lock()

    def hit(self, key: str, at: datetime) -> None:
        ts = at.timestamp()
        with self._lock:
            self._seq += 1
            member = f"{ts}:{os.getpid()}:{threading.get_ident()}:{self._seq}"
        name = self._prefix + key
        pipe = self._redis.pipeline()
        pipe.zadd(name, {member: ts})
        pipe.zremrangebyscore(name, "-inf", ts - HORIZON_SECONDS)
        pipe.expire(name, HORIZON_SECONDS)
        pipe.execute()

    def count(self, key: str, since: datetime, now: datetime) -> int:
        return int(self._redis.zcount(self._prefix + key, since.timestamp(), now.timestamp()))


def counters_from(url: str | None) -> WindowCounters:
    """The configured store: Redis when a URL is given, else in-process."""
    return RedisCounters(url) if url else MemoryCounters()

"""Rate limits on the doors an attacker leans on: login, sign-up and order placement.

Counted by the ``limits`` library over a sliding window (two counters per key: this window's
and the last one's, weighted by how much of it still overlaps), in process by default or in
Redis when ``rate_limit_storage_url`` is set (then several processes share the counters). A
refusal is ``TooManyRequests``: 429 with ``Retry-After`` saying when the window lets the caller
in again.

Not a moving window: that keeps a timestamp per request and key, so a limit of N costs memory
and time in N. With the load benchmarks' lifted limits (100,000 a minute) the order limits
alone were 8 % of an order placement's CPU; a sliding window counter costs the same at any limit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

import anyio.to_thread
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from tiffin.errors import TooManyRequests


class MemoryCounters(MemoryStorage):
    """``limits``' in-process storage with its expiry sweep run from a hit, at most once a
    second, instead of on a thread.

    ``MemoryStorage`` sweeps expired counters on a 10 ms ``threading.Timer`` that each counter
    update starts again once the last one has run: under steady traffic that is a new thread
    for nearly every hit (py-spy on order placement: thread starts and sweeps were about 4 % of
    the server's CPU). Counters already expire when read (``MemoryStorage.get``); the sweep
    only frees memory, and once a second is plenty for that."""

    SWEEP_SECONDS = 1.0

    def __init__(self) -> None:
        super().__init__()
        self._next_sweep = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the base class's hook
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_SECONDS
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


class RateLimits:
    """Named limits (``{"login": "10/minute"}``), each counted per key (an IP, an account)."""

    def __init__(
        self, rules: Mapping[str, str], storage_url: str | None = None, *, prefix: str = "tiffin"
    ) -> None:
        self.shared = storage_url is not None
        storage = storage_from_string(storage_url, key_prefix=prefix) if storage_url else None
        if storage is not None and not isinstance(storage, Storage):
            raise ValueError(f"{storage_url!r} is an async storage; give a synchronous one")
        self.storage: Storage = storage or MemoryCounters()
        self._limiter = SlidingWindowCounterRateLimiter(self.storage)
        self._rules: dict[str, RateLimitItem] = {name: parse(text) for name, text in rules.items()}

    def hit(self, rule: str, *keys: str) -> None:
        """Count one request against ``rule`` for each key; refuse if any key is over."""
        item = self._rules[rule]
        for key in keys:
            if not self._limiter.hit(item, rule, key):
                reset = self._limiter.get_window_stats(item, rule, key).reset_time
                raise TooManyRequests(
                    f"too many {rule} requests; try again in a moment",
                    retry_after=math.ceil(reset - time.time()),
                )

    async def ahit(self, rule: str, *keys: str) -> None:
        """``hit`` from async code: a shared store is a network call, so not on the loop."""
        if self.shared:
            await anyio.to_thread.run_sync(lambda: self.hit(rule, *keys))
        else:
            self.hit(rule, *keys)

    def reset(self) -> None:
        self.storage.reset()

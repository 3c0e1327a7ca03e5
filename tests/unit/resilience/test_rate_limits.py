"""The in-process rate-limit counters: the sliding window still refuses past the limit, and
counting starts no threads (limits' own memory storage starts a timer thread per quiet spell)."""

from __future__ import annotations

import threading
import time

import pytest

from tiffin.errors import TooManyRequests
from tiffin.resilience.ratelimit import MemoryCounters, RateLimits


def test_the_limit_refuses_the_hit_past_it_with_a_retry_after() -> None:
    limits = RateLimits({"orders": "3/minute"})
    for _ in range(3):
        limits.hit("orders", "account-1")
    with pytest.raises(TooManyRequests) as refused:
        limits.hit("orders", "account-1")
    assert 0 < refused.value.retry_after <= 60
    limits.hit("orders", "account-2")  # another key counts on its own


def test_counting_starts_no_thread() -> None:
    limits = RateLimits({"orders": "100000/minute"})
    assert isinstance(limits.storage, MemoryCounters)
    time.sleep(0.05)  # the base class's constructor starts one 10 ms timer: let it end
    before = threading.active_count()
    for n in range(200):
        limits.hit("orders", f"account-{n % 7}")
        if n % 50 == 0:
            time.sleep(0.02)  # longer than the base storage's 10 ms timer
    assert threading.active_count() == before


def test_expired_counters_are_swept(monkeypatch: pytest.MonkeyPatch) -> None:
    storage = MemoryCounters()
    storage.incr("gone", expiry=0.01)
    time.sleep(0.02)
    monkeypatch.setattr(MemoryCounters, "SWEEP_SECONDS", 0.0)
    storage.incr("kept", expiry=60)  # a hit runs the sweep
    assert "gone" not in storage.storage and storage.storage["kept"] == 1

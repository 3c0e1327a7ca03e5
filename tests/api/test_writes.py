"""Writing requests queue for a few worker threads instead of each holding one."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import cast

from tiffin.api.writes import writing
from tiffin.platform import Platform
from tiffin.resilience.admission import Admission, AdmissionLimits


def _busiest(slots: int, requests: int) -> tuple[int, list[int]]:
    platform = cast(
        Platform,
        SimpleNamespace(
            write_executor=ThreadPoolExecutor(slots),
            admission=Admission(AdmissionLimits(), time.monotonic),
        ),
    )
    lock = threading.Lock()
    running, peak = [0], [0]

    def work(n: int) -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.01)
        with lock:
            running[0] -= 1
        return n

    async def main() -> list[int]:
        return list(await asyncio.gather(*(writing(platform, work, n) for n in range(requests))))

    answers = asyncio.run(main())
    return peak[0], answers


def test_no_more_writes_run_at_once_than_the_platform_has_slots() -> None:
    peak, answers = _busiest(slots=1, requests=8)
    assert peak == 1 and answers == list(range(8))
    peak, _ = _busiest(slots=3, requests=12)
    assert 1 < peak <= 3


def test_sqlite_has_one_write_slot_postgres_several(platform: Platform) -> None:
    expected = 1 if platform.db.is_sqlite else platform.settings.postgres_write_slots
    assert platform.write_slots == expected


def test_a_free_write_thread_takes_the_next_write_without_waiting_for_the_event_loop() -> None:
    """The hand-over between two writes must not need the event loop: while it is busy (here
    blocked outright) queued writes still run, one after another, on the write thread."""
    platform = cast(
        Platform,
        SimpleNamespace(
            write_executor=ThreadPoolExecutor(1),
            admission=Admission(AdmissionLimits(), time.monotonic),
        ),
    )
    finished: list[float] = []

    def work(n: int) -> int:
        time.sleep(0.01)
        finished.append(time.monotonic())
        return n

    async def main() -> tuple[list[int], float]:
        writes = [asyncio.ensure_future(writing(platform, work, n)) for n in range(3)]
        await asyncio.sleep(0)  # each write is queued on the thread
        time.sleep(0.5)  # the loop is busy: nothing of it runs for half a second
        unblocked = time.monotonic()
        return list(await asyncio.gather(*writes)), unblocked

    answers, unblocked = asyncio.run(main())
    assert answers == [0, 1, 2]
    assert len(finished) == 3 and max(finished) < unblocked

"""Writing requests queue for a few worker threads instead of each holding one."""

from __future__ import annotations

import asyncio
import threading
import time
from types import SimpleNamespace
from typing import cast
from weakref import WeakKeyDictionary

from tiffin.api.writes import writing
from tiffin.platform import Platform
from tiffin.resilience.admission import Admission, AdmissionLimits


def _busiest(slots: int, requests: int) -> tuple[int, list[int]]:
    platform = cast(
        Platform,
        SimpleNamespace(
            write_slots=slots,
            write_limiters=WeakKeyDictionary(),
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

"""Writing requests run on worker threads a few at a time, queued as coroutines before that.

A sync endpoint gets a thread from Starlette's shared pool (40 of them) at once. For writes that
only moves the queue: SQLite admits one writer at a time, so eight placements in flight are one
working and seven OS threads parked on the write lock, and every hand-over between them costs
GIL and futex traffic (measured in-process: 1,166 µs of CPU per order against 877 µs for the
same orders one at a time). Queued for a few write threads instead, a waiting request is a
coroutine awaiting a future, which costs the event loop nothing, and reads keep the shared pool
to themselves.

The slots are the platform's own threads (``Platform.write_executor``), fed from a queue:
a thread that finishes one write takes the next at once. A ``CapacityLimiter`` in front of
Starlette's pool did the same queueing, but each hand-over went through the event loop (the
finished write woke the loop, the loop released the slot, the next request's task took it and
only then sent its work to a thread), and while the loop was busy parsing or answering other
requests SQLite's only writer sat idle: measured under ``bench/api_orders.py``, alternating
both servers in the same minutes, 311-392 orders/s with the limiter against 411-506 with the
platform's own thread (docs/benchmarks.md).

Used by the order endpoints (placement and every step of an order's life), the hot writes. Not
for work that spends long outside its transaction, such as hashing a password at sign-up or
login: it would hold SQLite's only slot while every placement waited.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from tiffin.platform import Platform

P = ParamSpec("P")
T = TypeVar("T")


async def writing(platform: Platform, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``work(*args, **kwargs)`` on one of the platform's write threads once it is free.
    The wait for it feeds admission control (``tiffin.api.admission``)."""
    queued = time.perf_counter()

    def timed() -> T:
        platform.admission.observe_wait(time.perf_counter() - queued)
        return work(*args, **kwargs)

    return await asyncio.wrap_future(platform.write_executor.submit(timed))

"""Writing requests run on worker threads a few at a time, queued as coroutines before that.

A sync endpoint gets a thread from Starlette's shared pool (40 of them) at once. For writes that
only moves the queue: SQLite admits one writer at a time, so eight placements in flight are one
working and seven OS threads parked on the write lock, and every hand-over between them costs
GIL and futex traffic (measured: a quarter more CPU per order than the same orders one at a
time). Waiting on a ``CapacityLimiter`` instead costs the event loop nothing, and reads keep the
shared pool to themselves.

Used by the order endpoints (placement and every step of an order's life), the hot writes. Not
for work that spends long outside its transaction, such as hashing a password at sign-up or
login: it would hold SQLite's only slot while every placement waited.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter

from tiffin.platform import Platform

P = ParamSpec("P")
T = TypeVar("T")

_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


async def writing(platform: Platform, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``work(*args, **kwargs)`` on a worker thread once one of the platform's write slots
    is free."""
    return await anyio.to_thread.run_sync(
        functools.partial(work, *args, **kwargs), limiter=_limiter(platform.write_slots)
    )


def _limiter(slots: int) -> CapacityLimiter:
    # A limiter belongs to the event loop it was made in (tests run several loops in turn).
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = CapacityLimiter(slots)
    return limiter

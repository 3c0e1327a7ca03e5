"""Route timing for one rider and one bundle (pure, exact integer minutes).

A rider reaching the merchant at ``a`` spends the pickup service there and leaves at
``max(a + pickup_service, latest ready time)``; each drop-off completes ``dropoff_service``
minutes after arriving at the door. This is the MDRP model, whose physical lower bound
``max(ready - placed, pickup_service) + ride + dropoff_service`` it reproduces for a rider
already waiting at the merchant.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import permutations

from tiffin.optimiser.model import (
    Courier,
    DispatchParams,
    Job,
    Route,
    ride_minutes,
    travel_minutes,
)


def route_for(courier: Courier, jobs: Sequence[Job], now: int, p: DispatchParams) -> Route:
    """Timing of ``jobs`` (one merchant, dropped in the given order) for ``courier``."""
    start = max(now, courier.free_at)
    merchant = jobs[0].pickup
    arrive = start + ride_minutes(courier.position, merchant, p)
    ready = max(job.ready_at for job in jobs)
    pickup = max(arrive + p.pickup_service, ready)
    drops = []
    at, here = pickup, merchant
    for job in jobs:
        at += ride_minutes(here, job.dropoff, p) + p.dropoff_service
        drops.append(at)
        here = job.dropoff
    return Route(start, arrive, pickup, tuple(drops))


def best_sequence(jobs: Sequence[Job], p: DispatchParams) -> tuple[Job, ...]:
    """The drop order with the least total click-to-door (bundles are small: try them all)."""
    if len(jobs) == 1:
        return (jobs[0],)
    probe = Courier("probe", jobs[0].pickup, 0, 0)
    return min(
        permutations(jobs),
        key=lambda seq: sum(route_for(probe, seq, 0, p).dropoff_at),
    )


def lower_bound_minutes(job: Job, p: DispatchParams) -> int:
    """Click-to-door if a rider were waiting at the merchant when the order was placed."""
    ride = travel_minutes(job.pickup, job.dropoff, p.metres_per_minute)
    return max(job.ready_at - job.placed_at, p.pickup_service) + ride + p.dropoff_service

"""Workload caps per tenant: riders are people, not capacity.

``capacity`` turns a rider's recent history into how many more orders they may take right now;
the solver never gives a bundle larger than that, so no cap is ever exceeded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class WorkloadCaps:
    max_orders_per_hour: int = 6
    max_continuous_minutes: int = 4 * 60
    max_carried: int = 3

    def __post_init__(self) -> None:
        if min(self.max_orders_per_hour, self.max_continuous_minutes, self.max_carried) < 1:
            raise ValueError("workload caps must be positive")


def capacity(
    caps: WorkloadCaps, *, now: int, shift_started_at: int, pickups_at: Sequence[int], carrying: int
) -> int:
    """Orders the rider may still take now (0 = none), given when they picked up before."""
    if now - shift_started_at >= caps.max_continuous_minutes:
        return 0
    last_hour = sum(1 for t in pickups_at if now - 60 < t <= now)
    return max(0, min(caps.max_orders_per_hour - last_hour, caps.max_carried - carrying))

"""Plain data the dispatcher decides over.

Positions are planar metres (the MDRP instances' own; the live platform projects lat/lon to a
local plane) and times are integer minutes of the injected clock, so route times are exact and
repeatable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tiffin.optimiser.detours import Obstacles
    from tiffin.optimiser.zones import ClosedZone


REDISPATCH_PRIORITY = 30.0  # cost-minutes of head start for an order that lost its rider


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float


def travel_minutes(a: Point, b: Point, metres_per_minute: float) -> int:
    """Whole minutes to ride from ``a`` to ``b`` (rounded up, as the MDRP rules do)."""
    return math.ceil(math.hypot(a.x - b.x, a.y - b.y) / metres_per_minute)


def ride_minutes(a: Point, b: Point, p: DispatchParams) -> int:
    """Whole minutes to ride from ``a`` to ``b``, around closed zones when ``p`` has any."""
    if p.obstacles:
        return math.ceil(p.obstacles.distance(a, b) / p.metres_per_minute)
    return travel_minutes(a, b, p.metres_per_minute)


@dataclass(frozen=True, slots=True)
class Job:
    """An order waiting for a rider: where to fetch it, where to bring it, and when."""

    id: str
    merchant_id: str
    pickup: Point
    dropoff: Point
    placed_at: int
    ready_at: int
    priority: float = 0.0  # raised on re-dispatch, so a returned order is served first
    # Minutes the order's promise was lengthened for a storm over it: it counts as late only
    # past ``target_minutes`` + this. The bonus for food left waiting is unchanged (food cools
    # as fast in the rain, and that bonus is what keeps an old order from waiting for ever).
    storm_minutes: int = 0


@dataclass(frozen=True, slots=True)
class Courier:
    """A rider as the dispatcher sees them: where and when they will next be free."""

    id: str
    position: Point
    free_at: int
    off_at: int
    excluded_jobs: frozenset[str] = frozenset()  # orders this rider refused: never re-offered
    capacity: int = 99  # orders the rider may still take now (workload caps, see caps.py)


@dataclass(frozen=True)
class DispatchParams:
    """Tunable knobs; validated here so a bad configuration fails at load, not mid-lunch."""

    metres_per_minute: float = 320.0
    pickup_service: int = 4
    dropoff_service: int = 4
    target_minutes: int = 40
    max_bundle: int = 2
    bundle_extra_minutes: int = 15  # most a bundle may delay any order when riders are scarce
    free_bundle_minutes: int = 2  # ... and when riders are plentiful
    commit_minutes: int = 2  # commit an assignment only if the rider must set off this soon
    lookahead_minutes: int = 15  # consider riders who become free within this
    late_weight: float = 3.0  # cost per minute beyond the target
    empty_weight: float = 0.2  # cost per minute riding with nothing to carry (空跑)
    wait_weight: float = 0.3  # cost per minute a rider stands at the merchant
    overdue_weight: float = 8.0  # bonus per minute food has waited: old orders are not starved
    obstacles: Obstacles | None = field(default=None, compare=False)  # closed zones (detours.py)

    def __post_init__(self) -> None:
        if self.metres_per_minute <= 0:
            raise ValueError("metres_per_minute must be positive")
        if self.max_bundle < 1:
            raise ValueError("max_bundle must be at least 1")
        for name in ("pickup_service", "dropoff_service", "commit_minutes", "lookahead_minutes"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} cannot be negative")


@dataclass(frozen=True)
class Snapshot:
    """What the dispatcher knows at ``now``: open jobs (placed, not yet assigned), riders, and
    high-risk zones closed to riders (``tiffin.optimiser.zones.ClosedZone``)."""

    now: int
    jobs: tuple[Job, ...]
    couriers: tuple[Courier, ...]
    closed_zones: tuple[ClosedZone, ...] = ()


@dataclass(frozen=True)
class Route:
    """When a rider starting at ``start`` from ``origin`` would do each step of a bundle."""

    depart_at: int
    arrive_merchant_at: int
    pickup_at: int  # leaves the merchant with the food
    dropoff_at: tuple[int, ...]  # service complete at each door, in sequence


@dataclass(frozen=True)
class Assignment:
    """A committed decision: this rider fetches these jobs and drops them off in this order."""

    courier_id: str
    job_ids: tuple[str, ...]
    route: Route
    cost: float
    alternatives: tuple[tuple[str, float], ...] = field(default=())  # (rider, cost) it beat

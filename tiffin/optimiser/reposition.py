"""Repositioning: send idle riders toward where orders are about to appear.

For each site the expected orders over the horizon are compared with the riders already there
or heading there; every whole order of shortfall is a slot, and idle riders are matched to
slots with the least riding in total (a min-cost assignment, so two riders never race for one
slot while another goes uncovered). A slot is only worth a ride of ``max_ride_minutes``; riders
already near a busy site stay.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from tiffin.optimiser.model import Courier, Point, travel_minutes

UNREACHABLE = 1e6


@dataclass(frozen=True)
class RepositionParams:
    horizon_minutes: int = 20
    max_ride_minutes: int = 15
    min_shortfall: float = 0.5  # expected orders not covered before a rider is moved
    near_minutes: int = 3  # a rider this close to a site counts as covering it


@dataclass(frozen=True)
class Move:
    courier_id: str
    site: str
    to: Point
    ride_minutes: int


def plan_moves(
    idle: Sequence[Courier],
    demand: Mapping[str, float],
    sites: Mapping[str, Point],
    covering: Mapping[str, int],
    speed: float,
    p: RepositionParams,
) -> list[Move]:
    """Moves for idle riders; ``covering`` counts riders already at or bound for each site."""
    slots = [
        site
        for site, expected in demand.items()
        for _ in range(_slots(expected - covering.get(site, 0), p.min_shortfall))
    ]
    movable = [c for c in idle if not _near_useful_site(c, demand, sites, speed, p)]
    if not slots or not movable:
        return []
    ride = np.array(
        [[travel_minutes(c.position, sites[s], speed) for s in slots] for c in movable],
        dtype=float,
    )
    too_far = ride > p.max_ride_minutes
    rows, cols = linear_sum_assignment(np.where(too_far, UNREACHABLE, ride))
    return [
        Move(movable[r].id, slots[k], sites[slots[k]], int(ride[r, k]))
        for r, k in zip(rows, cols, strict=True)
        if not too_far[r, k]
    ]


def _slots(shortfall: float, min_shortfall: float) -> int:
    """Whole riders a shortfall calls for: one from ``min_shortfall``, one more per order."""
    if math.isnan(shortfall) or shortfall < min_shortfall:
        return 0
    return int(shortfall - min_shortfall) + 1


def _near_useful_site(
    courier: Courier,
    demand: Mapping[str, float],
    sites: Mapping[str, Point],
    speed: float,
    p: RepositionParams,
) -> bool:
    return any(
        travel_minutes(courier.position, sites[s], speed) <= p.near_minutes
        for s, expected in demand.items()
        if expected >= p.min_shortfall and not math.isnan(expected)
    )

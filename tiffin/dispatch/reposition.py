"""Repositioning: send idle riders toward where orders are about to appear.

For each site the expected orders over the horizon are compared with the riders already there
or heading there; an idle rider is sent to the site with the largest shortfall that they can
reach quickly, and only if the shortfall is worth the ride. Riders already at a busy site stay.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tiffin.dispatch.model import Courier, Point, travel_minutes


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
    cover = dict(covering)
    moves = []
    for courier in sorted(idle, key=lambda c: c.id):
        if _near_useful_site(courier, demand, sites, speed, p):
            continue
        best: tuple[float, str, int] | None = None
        for site, expected in demand.items():
            shortfall = expected - cover.get(site, 0)
            if shortfall < p.min_shortfall:
                continue
            ride = travel_minutes(courier.position, sites[site], speed)
            if ride > p.max_ride_minutes:
                continue
            score = shortfall / (1 + ride)
            if best is None or score > best[0]:
                best = (score, site, ride)
        if best is not None:
            _, site, ride = best
            cover[site] = cover.get(site, 0) + 1
            moves.append(Move(courier.id, site, sites[site], ride))
    return moves


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

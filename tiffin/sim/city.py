"""A synthetic city day: tens of thousands of orders and thousands of riders, for the city path.

Restaurants cluster around district centres on a 20 x 20 km plane; orders follow a lunch and a
dinner peak from 10:00 to 22:00 and go to doors within a few kilometres; riders work 4 to 8 hour
shifts staggered over the peaks. Deterministic for a seed. Simulated with the real sparse
dispatcher (``tiffin.optimiser.sparse`` or the zoned ``tiffin.optimiser.city``).
"""

from __future__ import annotations

import math

import numpy as np

from tiffin.optimiser.model import DispatchParams, Job, Point
from tiffin.sim.mdrp import MdrpCourier, MdrpInstance, PayRule

SIDE_M = 20_000.0
OPEN, CLOSE = 600, 1320  # 10:00 to 22:00
LUNCH, DINNER = 720, 1110


def demand_rate(minute: int) -> float:
    """Relative orders per minute: a base plus lunch and dinner peaks."""
    return (
        0.3
        + math.exp(-(((minute - LUNCH) / 45) ** 2))
        + 1.2 * math.exp(-(((minute - DINNER) / 55) ** 2))
    )


def city_day(
    orders: int = 100_000, riders: int | None = None, seed: int = 7, restaurants: int = 4_000
) -> MdrpInstance:
    """A day of ``orders`` orders; riders default to one per 11 orders (a busy city day)."""
    rng = np.random.default_rng(seed)
    n_riders = riders if riders is not None else max(1, orders // 11)
    centres = rng.uniform(2_000, SIDE_M - 2_000, size=(24, 2))
    home = centres[rng.integers(len(centres), size=restaurants)]
    shops = np.clip(home + rng.normal(0, 1_200, size=(restaurants, 2)), 0, SIDE_M)
    minutes = np.arange(OPEN, CLOSE)
    weights = np.array([demand_rate(int(m)) for m in minutes])
    placed = np.sort(rng.choice(minutes, size=orders, p=weights / weights.sum()))
    which = rng.integers(restaurants, size=orders)
    angle = rng.uniform(0, 2 * math.pi, size=orders)
    reach = rng.gamma(2.0, 900.0, size=orders)
    doors = np.clip(
        shops[which] + np.stack([np.cos(angle), np.sin(angle)], axis=1) * reach[:, None], 0, SIDE_M
    )
    prep = rng.integers(5, 20, size=orders)
    jobs = tuple(
        Job(
            f"o{i}",
            f"r{which[i]}",
            Point(float(shops[which[i], 0]), float(shops[which[i], 1])),
            Point(float(doors[i, 0]), float(doors[i, 1])),
            int(placed[i]),
            int(placed[i] + prep[i]),
        )
        for i in range(orders)
    )
    shift_weights = np.array([demand_rate(int(m)) for m in range(OPEN - 30, CLOSE - 240)])
    starts = rng.choice(
        np.arange(OPEN - 30, CLOSE - 240), size=n_riders, p=shift_weights / shift_weights.sum()
    )
    lengths = rng.integers(240, 481, size=n_riders)
    posts = shops[rng.integers(restaurants, size=n_riders)]
    couriers = tuple(
        MdrpCourier(
            f"c{i}",
            Point(float(posts[i, 0]), float(posts[i, 1])),
            int(starts[i]),
            int(min(CLOSE + 60, starts[i] + lengths[i])),
        )
        for i in range(n_riders)
    )
    names = {f"r{i}": Point(float(shops[i, 0]), float(shops[i, 1])) for i in range(restaurants)}
    return MdrpInstance(
        f"city-{orders}", jobs, couriers, names, DispatchParams(), PayRule(2.0, 10.0), 90
    )

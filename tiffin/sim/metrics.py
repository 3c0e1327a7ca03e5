"""The figures a day of dispatch is judged by (the MDRP paper's, plus fairness and speed)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from tiffin.optimiser.routes import lower_bound_minutes
from tiffin.sim.simulator import SimResult


@dataclass(frozen=True)
class DayFigures:
    orders: int
    delivered: int
    undelivered: int
    undelivered_pct: float
    click_to_door_mean: float
    click_to_door_p90: float
    click_to_door_overage: float
    ready_to_pickup_mean: float
    ready_to_pickup_p90: float
    rider_utilisation: float
    orders_per_rider_hour: float
    cost_per_order: float
    orders_per_bundle: float
    fairness_gini: float
    lower_bound_mean: float
    decision_ms_mean: float
    decision_ms_max: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def gini(values: list[float]) -> float:
    """0 = everyone equal, 1 = one person has everything."""
    if not values or sum(values) == 0:
        return 0.0
    xs = np.sort(np.asarray(values, dtype=float))
    n = len(xs)
    return float((2 * np.arange(1, n + 1) - n - 1) @ xs / (n * xs.sum()))


def figures(result: SimResult) -> DayFigures:
    inst = result.instance
    p = inst.params
    done = list(result.deliveries.values())
    c2d = np.array([d.dropoff_at - d.job.placed_at for d in done], dtype=float)
    r2p = np.array([d.pickup_at - d.job.ready_at for d in done], dtype=float)
    shift_hours = {c.id: max(0, c.off_at - c.on_at) / 60 for c in inst.couriers}
    carried = {c.id: 0 for c in inst.couriers}
    for d in done:
        carried[d.courier_id] += 1
    pay = sum(
        max(inst.pay.per_order * carried[c], inst.pay.per_hour * h) for c, h in shift_hours.items()
    )
    total_hours = sum(shift_hours.values())
    per_hour = [carried[c] / h for c, h in shift_hours.items() if h > 0]
    bounds = [lower_bound_minutes(j, p) for j in inst.jobs]
    ms = [s * 1000 for s in result.decision_seconds] or [0.0]

    def mean(a: np.ndarray) -> float:
        return float(a.mean()) if a.size else math.nan

    def p90(a: np.ndarray) -> float:
        return float(np.percentile(a, 90)) if a.size else math.nan

    return DayFigures(
        orders=len(inst.jobs),
        delivered=len(done),
        undelivered=len(inst.jobs) - len(done),
        undelivered_pct=100 * (len(inst.jobs) - len(done)) / max(1, len(inst.jobs)),
        click_to_door_mean=mean(c2d),
        click_to_door_p90=p90(c2d),
        click_to_door_overage=mean(np.maximum(0.0, c2d - p.target_minutes)),
        ready_to_pickup_mean=mean(r2p),
        ready_to_pickup_p90=p90(r2p),
        rider_utilisation=sum(result.busy_minutes.values()) / max(1.0, 60 * total_hours),
        orders_per_rider_hour=len(done) / max(1e-9, total_hours),
        cost_per_order=pay / max(1, len(done)),
        orders_per_bundle=len(done) / max(1, len(result.assignments)),
        fairness_gini=gini(per_hour),
        lower_bound_mean=float(np.mean(bounds)) if bounds else math.nan,
        decision_ms_mean=float(np.mean(ms)),
        decision_ms_max=float(np.max(ms)),
    )

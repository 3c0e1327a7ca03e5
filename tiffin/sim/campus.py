"""Campus scenarios: canteens, dorm blocks and teaching buildings over a lunch peak, with crises.

Every scenario is deterministic for a seed: the same seed gives the same day, the same crises
and the same figures. Positions are metres on a 2.4 x 1.8 km campus; times are minutes of the
day (11:00 = 660).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from tiffin.anomalies.playbook import DEFAULT_PLAYBOOK, Playbook
from tiffin.care.policy import DEFAULT_POLICY, CompensationPolicy
from tiffin.optimiser.model import DispatchParams, Job, Point
from tiffin.optimiser.modes import ModeSettings
from tiffin.optimiser.reposition import RepositionParams
from tiffin.optimiser.solve import POLICIES
from tiffin.optimiser.zones import ClosedZone
from tiffin.sim.care import CareSim
from tiffin.sim.crisis import CrisisPlan, Declaration, SlowWindow
from tiffin.sim.mdrp import MdrpCourier, MdrpInstance, PayRule
from tiffin.sim.simulator import simulate

CANTEENS = {
    "north-canteen": Point(600, 1500),
    "lakeside-noodles": Point(1800, 900),
    "south-bakery": Point(500, 300),
    "east-grill": Point(2200, 1500),
}
DORMS = {"dorm-a": Point(2000, 1650), "dorm-b": Point(2250, 300), "dorm-c": Point(200, 900)}
TEACHING = {"building-b": Point(1200, 1100), "library": Point(1100, 500)}
LUNCH_START, LUNCH_END, PEAK = 660, 810, 720
SPEED = 250.0  # metres per minute by e-bike


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    build: Callable[[np.random.Generator, MdrpInstance], tuple[MdrpInstance, CrisisPlan]]


def _day(
    rng: np.random.Generator,
    demand_factor: Callable[[int], float] = lambda t: 1.0,
    riders: int = 12,
) -> MdrpInstance:
    jobs = []
    drop_sites = [*DORMS.values(), *TEACHING.values()]
    n = 0
    for minute in range(LUNCH_START, LUNCH_END):
        rate = 0.4 + 1.6 * math.exp(-(((minute - PEAK) / 25) ** 2))  # orders per minute
        for _ in range(rng.poisson(rate * demand_factor(minute))):
            canteen = list(CANTEENS)[int(rng.integers(len(CANTEENS)))]
            site = drop_sites[int(rng.integers(len(drop_sites)))]
            door = Point(site.x + rng.normal(0, 60), site.y + rng.normal(0, 60))
            n += 1
            jobs.append(
                Job(
                    f"o{n}",
                    canteen,
                    CANTEENS[canteen],
                    door,
                    minute,
                    minute + int(rng.integers(6, 15)),
                )
            )
    couriers = []
    for i in range(riders):
        on = LUNCH_START - 15 if i < riders * 2 // 3 else 690
        start = list(CANTEENS.values())[i % len(CANTEENS)]
        couriers.append(MdrpCourier(f"c{i + 1}", start, on, LUNCH_END + 45))
    params = DispatchParams(
        metres_per_minute=SPEED, pickup_service=2, dropoff_service=1, target_minutes=30
    )
    return MdrpInstance(
        "campus", tuple(jobs), tuple(couriers), dict(CANTEENS), params, PayRule(4.0, 12.0), 60
    )


def _normal(rng: np.random.Generator, day: MdrpInstance) -> tuple[MdrpInstance, CrisisPlan]:
    return day, CrisisPlan()


def _storm(rng: np.random.Generator, day: MdrpInstance) -> tuple[MdrpInstance, CrisisPlan]:
    day = _day(rng, demand_factor=lambda t: 1.4 if 700 <= t < 760 else 1.0)
    riders = [c.id for c in day.couriers]
    dropped = {riders[i]: 725 for i in rng.choice(len(riders), size=2, replace=False)}
    cancels = {j.id: j.placed_at + int(rng.integers(2, 8)) for j in day.jobs if rng.random() < 0.05}
    return day, CrisisPlan(
        cancellations=cancels,
        dropouts=dropped,
        slow=(SlowWindow(700, 760, 0.6),),
        declared=(Declaration("weather warning: storm", 695, 760),),  # issued 5 minutes ahead
    )


def _storm_incident(rng: np.random.Generator, day: MdrpInstance) -> tuple[MdrpInstance, CrisisPlan]:
    day, plan = _storm(rng, day)
    return day, replace(plan, incident=(725, 760))


def _storm_undeclared(
    rng: np.random.Generator, day: MdrpInstance
) -> tuple[MdrpInstance, CrisisPlan]:
    day, plan = _storm(rng, day)
    return day, replace(plan, declared=())  # nobody warned: crisis mode must detect it


def _late_kitchens(rng: np.random.Generator, day: MdrpInstance) -> tuple[MdrpInstance, CrisisPlan]:
    slow = {
        j.id for j in day.jobs if j.merchant_id == "lakeside-noodles" and 705 <= j.placed_at < 750
    }
    late = tuple(replace(j, ready_at=j.ready_at + 15) if j.id in slow else j for j in day.jobs)
    return replace(day, jobs=late), CrisisPlan(kitchen_delays=dict.fromkeys(slow, 15))


def _dropout(rng: np.random.Generator, day: MdrpInstance) -> tuple[MdrpInstance, CrisisPlan]:
    riders = [c.id for c in day.couriers]
    gone = rng.choice(len(riders), size=max(1, len(riders) * 3 // 10), replace=False)
    return day, CrisisPlan(dropouts={riders[i]: 725 for i in gone})


def _cancellations(rng: np.random.Generator, day: MdrpInstance) -> tuple[MdrpInstance, CrisisPlan]:
    cancels = {j.id: j.placed_at + int(rng.integers(1, 7)) for j in day.jobs if rng.random() < 0.12}
    return day, CrisisPlan(cancellations=cancels)


def _zone_closure(rng: np.random.Generator, day: MdrpInstance) -> tuple[MdrpInstance, CrisisPlan]:
    a = DORMS["dorm-a"]
    square = (
        Point(a.x - 250, a.y - 250),
        Point(a.x + 250, a.y - 250),
        Point(a.x + 250, a.y + 250),
        Point(a.x - 250, a.y + 250),
    )
    gate = Point(a.x - 260, a.y - 260)
    return day, CrisisPlan(closed_zones=(ClosedZone("dorm-a", square, gate, 710, 780),))


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("normal-lunch", "an ordinary lunch peak", _normal),
        Scenario(
            "storm-lunch",
            "a storm 11:40-12:40: riders at 60% speed, 40% more orders, two "
            "riders drop out, 5% of customers cancel",
            _storm,
        ),
        Scenario(
            "storm-incident",
            "storm-lunch, and a dispatch incident 12:05-12:40: customers with orders in flight "
            "told once when it opens and once when it resolves",
            _storm_incident,
        ),
        Scenario(
            "storm-undeclared",
            "the storm-lunch storm with no weather warning declared: crisis mode detects the "
            "backlog",
            _storm_undeclared,
        ),
        Scenario(
            "late-kitchens", "Lakeside Noodles runs 15 minutes late 11:45-12:30", _late_kitchens
        ),
        Scenario("rider-dropout", "30% of riders drop out mid-shift at 12:05", _dropout),
        Scenario(
            "cancellations", "12% of customers cancel within minutes of ordering", _cancellations
        ),
        Scenario(
            "zone-closure",
            "Dorm A closed to riders 11:50-13:00; deliveries to its gate",
            _zone_closure,
        ),
        Scenario(
            "epidemic",
            "public-health mode: 15% of riders fail the health check, Dorms A and C close "
            "mid-day (rides routed around them); against the same day without closures",
            _normal,  # played by tiffin.sim.epidemic.run_epidemic (see run_day)
        ),
    )
}


def build(name: str, seed: int) -> tuple[MdrpInstance, CrisisPlan]:
    rng = np.random.default_rng(seed)
    return SCENARIOS[name].build(rng, _day(rng))


def run_day(
    name: str,
    seed: int,
    *,
    policy: CompensationPolicy = DEFAULT_POLICY,
    playbook: Playbook = DEFAULT_PLAYBOOK,
) -> dict[str, Any]:
    """Simulate one scenario with the real dispatcher and the anomaly engine watching; the
    day's dispatch figures and its care figures, JSON-ready."""
    if name == "epidemic":  # its own day: checks, closures and a baseline without them
        from tiffin.sim.epidemic import run_epidemic

        return run_epidemic(seed)
    day, plan = build(name, seed)
    care = CareSim(day.params, crisis=plan, policy=policy, playbook=playbook, seed=seed)
    result = simulate(
        day,
        POLICIES["tiffin"],
        reposition=RepositionParams(),
        crisis=plan,
        observer=care,
        modes=ModeSettings(),
    )
    return report(name, seed, result) | care.report(result)


def report(name: str, seed: int, result: Any) -> dict[str, Any]:
    """The day's figures, JSON-ready (snake_case names)."""
    inst = result.instance
    done = list(result.deliveries.values())
    c2d = np.array([d.dropoff_at - d.job.placed_at for d in done], dtype=float)
    resolved = set(result.deliveries) | set(result.cancelled)
    reasons: dict[str, int] = {}
    for reason in result.cancelled.values():
        reasons[reason] = reasons.get(reason, 0) + 1
    return {
        "scenario": name,
        "seed": seed,
        "orders": len(inst.jobs),
        "delivered": len(done),
        "cancelled": len(result.cancelled),
        "cancelled_by_reason": reasons,
        "stranded_orders": sum(1 for j in inst.jobs if j.id not in resolved),
        "click_to_door_mean": round(float(c2d.mean()), 2) if c2d.size else None,
        "click_to_door_p90": round(float(np.percentile(c2d, 90)), 2) if c2d.size else None,
        "on_time_pct": round(100 * float((c2d <= inst.params.target_minutes).mean()), 1)
        if c2d.size
        else None,
        "redispatched": result.redispatched,
        "riders": len(inst.couriers),
        "riders_dropped": result.dropped_riders,
        "repositioning_moves": result.repositioned,
        "crisis_minutes": result.crisis_minutes,
        "mode_changes": [
            {"at": c.at, "from": c.previous.value, "to": c.mode.value, "reason": c.reason}
            for c in result.mode_changes
        ],
    }

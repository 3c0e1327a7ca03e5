"""The epidemic day (``tiffin simulate campus --scenario epidemic``): public-health mode on, 15 %
of riders fail the morning health check, and two dorm zones close to riders mid-day.

It runs the real code on the simulator's clock: the tenant's rules judge every rider's check-in
(``safety.policy``), the real dispatcher plans every cycle with rides routed around the closed
zones (``optimiser.detours``), and customers inside a zone get the real message
(``care.notify.render_zone_handoff``). The same day without closures is played too, so the
closures' click-to-door cost is measured against it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from shapely.geometry import LineString, Polygon

from tiffin.care.notify import render_zone_handoff
from tiffin.optimiser.detours import Obstacles
from tiffin.optimiser.model import Point
from tiffin.optimiser.reposition import RepositionParams
from tiffin.optimiser.solve import POLICIES
from tiffin.optimiser.zones import ClosedZone, apply_zones
from tiffin.safety.policy import SafetyRules, assess_checkin, shift_refusals
from tiffin.sim.campus import DORMS, _day
from tiffin.sim.crisis import CrisisPlan
from tiffin.sim.mdrp import MdrpCourier
from tiffin.sim.simulator import SimResult, simulate

FAIL_SHARE = 0.15
DAY = datetime(2026, 11, 30, tzinfo=UTC)
RULES = SafetyRules(public_health_mode=True, require_checkin=True)


def _square(centre: Point, half: float) -> tuple[Point, ...]:
    c = centre
    return (
        Point(c.x - half, c.y - half),
        Point(c.x + half, c.y - half),
        Point(c.x + half, c.y + half),
        Point(c.x - half, c.y + half),
    )


def zones() -> tuple[ClosedZone, ...]:
    a, c = DORMS["dorm-a"], DORMS["dorm-c"]
    return (
        ClosedZone("dorm-a", _square(a, 200), Point(a.x - 210, a.y - 210), 720, 800),
        ClosedZone("dorm-c", _square(c, 150), Point(c.x + 160, c.y - 160), 735, 800),
    )


def _at(minute: int) -> datetime:
    return DAY + timedelta(minutes=minute)


def _checked_riders(
    rng: np.random.Generator, couriers: tuple[MdrpCourier, ...]
) -> tuple[list[MdrpCourier], set[str]]:
    """Each rider checks in before the shift; the rules decide who starts."""
    failing = set(rng.choice(len(couriers), size=round(FAIL_SHARE * len(couriers)), replace=False))
    fit: list[MdrpCourier] = []
    refused: set[str] = set()
    for i, c in enumerate(couriers):
        fever = 380 + int(rng.integers(0, 15)) if i in failing else 362 + int(rng.integers(0, 8))
        checkin = assess_checkin(
            RULES, at=_at(c.on_at - 5), temperature_tenths=fever, symptoms=(), test_result=None
        )
        refusals = shift_refusals(
            RULES, _at(c.on_at), last_checkin=checkin, required=[], trainings=[], policies=[]
        )
        if refusals:
            refused.add(c.id)
        else:
            fit.append(c)
    return fit, refused


def _entries(result: SimResult, closed: tuple[ClosedZone, ...]) -> int:
    """Carried legs of the day's assignments that enter a zone closed at the time."""
    entered = 0
    for now, a in result.assignments:
        active = [z for z in closed if z.active(now)]
        if not active:
            continue
        obstacles = Obstacles(tuple(z.polygon for z in active))
        shapes = [Polygon([(p.x, p.y) for p in z.polygon]) for z in active]
        jobs = [result.deliveries[j].job for j in a.job_ids]
        served, _ = apply_zones(jobs, active, now)
        stops = [served[0].pickup, *(j.dropoff for j in served)]
        for here, there in zip(stops, stops[1:], strict=False):
            path = obstacles.path(here, there)
            for p, q in zip(path, path[1:], strict=False):
                seg = LineString([(p.x, p.y), (q.x, q.y)])
                if any(s.intersects(seg) and not s.touches(seg) for s in shapes):
                    entered += 1
    return entered


def run_epidemic(seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    day = _day(rng)
    fit, refused = _checked_riders(rng, day.couriers)
    day = replace(day, couriers=tuple(fit))
    closed = zones()
    plan = CrisisPlan(closed_zones=closed)
    policy = POLICIES["tiffin"]
    with_closures = simulate(day, policy, reposition=RepositionParams(), crisis=plan)
    without = simulate(day, policy, reposition=RepositionParams(), crisis=CrisisPlan())
    affected = [
        (z, j)
        for j in day.jobs
        for z in closed
        if z.contains(j.dropoff)
        and j.placed_at < z.closed_until
        and j.id in with_closures.deliveries
        and with_closures.deliveries[j.id].dropoff_at >= z.closed_from
    ]
    told = 0
    for zone, _job in affected:
        title, body = render_zone_handoff(
            zone=zone.id,
            reason="public-health closure",
            handoff=(zone.handoff.x, zone.handoff.y),
            until=_at(zone.closed_until),
            language="zh-CN",
        )
        told += bool(title and body)

    def c2d(result: SimResult) -> float:
        done = [d.dropoff_at - d.job.placed_at for d in result.deliveries.values()]
        return round(float(np.mean(done)), 2) if done else 0.0

    resolved = set(with_closures.deliveries) | set(with_closures.cancelled)
    return {
        "scenario": "epidemic",
        "seed": seed,
        "orders": len(day.jobs),
        "riders_checked": len(fit) + len(refused),
        "riders_refused_at_check": len(refused),
        "ineligible_shift_starts": sum(1 for c in day.couriers if c.id in refused),
        "closed_zone_entries": _entries(with_closures, closed),
        "stranded_orders": sum(1 for j in day.jobs if j.id not in resolved),
        "zone_customers": len(affected),
        "zone_customers_told_pct": round(100 * told / len(affected), 1) if affected else 100.0,
        "click_to_door_mean": c2d(with_closures),
        "click_to_door_mean_without_closures": c2d(without),
        "closure_cost_minutes_per_order": round(c2d(with_closures) - c2d(without), 2),
    }

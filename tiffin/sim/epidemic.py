"""The epidemic day (``tiffin simulate campus --scenario epidemic``): public-health mode on, 15 %
of riders fail the morning health check, and two dorm zones close to riders mid-day.

It runs the real code on the simulator's clock: the tenant's rules judge every rider's check-in
(``safety.policy``), the real dispatcher plans every cycle with rides routed around the closed
zones (``optimiser.detours``), and customers inside a zone get the real message
(``care.notify.render_zone_handoff``). The same day without closures is played too, so the
closures' click-to-door cost is measured against it. Early warning runs on the closures' day
(``tiffin.sim.early_warning``: the real model every 15 simulated minutes, its recommendations
applied as live ``apply`` does), played with and without its zone pauses and set against the
same day without it. Its history is ``PAST_DAYS`` ordinary days of the same campus (other draws,
every rider fit, no closures), simulated: their orders give the forecast its usual day, and
what their riders carried in each day's busiest hour gives the model its orders per rider-hour.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from shapely.geometry import LineString, Polygon

from tiffin.care.notify import render_zone_handoff
from tiffin.optimiser.detours import Obstacles
from tiffin.optimiser.model import Job, Point
from tiffin.optimiser.reposition import RepositionParams
from tiffin.optimiser.solve import POLICIES
from tiffin.optimiser.zones import ClosedZone, apply_zones
from tiffin.safety.policy import SafetyRules, assess_checkin, shift_refusals
from tiffin.safety.warning.model import Action, carried_per_rider_hour
from tiffin.sim.campus import DORMS, LUNCH_END, LUNCH_START, _day
from tiffin.sim.care import PROMISE_BUFFER
from tiffin.sim.crisis import CrisisPlan
from tiffin.sim.early_warning import (
    HORIZON_MINUTES,
    CheckIn,
    EarlyWarning,
    ServedZone,
    measured_shortfall,
    promised_minute,
)
from tiffin.sim.mdrp import MdrpCourier, MdrpInstance
from tiffin.sim.simulator import SimResult, simulate

FAIL_SHARE = 0.15
PAST_DAYS = 7  # as live signals.HISTORY_DAYS
DAY = datetime(2026, 11, 30, tzinfo=UTC)
RULES = SafetyRules(public_health_mode=True, require_checkin=True)
# The campus tenant's served zones for early warning: its west and east halves (2.4 x 1.8 km).
SERVED = (
    ServedZone(
        "zon-west", "west-campus", (Point(0, 0), Point(1200, 0), Point(1200, 1800), Point(0, 1800))
    ),
    ServedZone(
        "zon-east",
        "east-campus",
        (Point(1200, 0), Point(2400, 0), Point(2400, 1800), Point(1200, 1800)),
    ),
)


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
) -> tuple[list[MdrpCourier], set[str], list[CheckIn]]:
    """Each rider checks in before the shift; the rules decide who starts."""
    failing = set(rng.choice(len(couriers), size=round(FAIL_SHARE * len(couriers)), replace=False))
    fit: list[MdrpCourier] = []
    refused: set[str] = set()
    checkins: list[CheckIn] = []
    for i, c in enumerate(couriers):
        fever = 380 + int(rng.integers(0, 15)) if i in failing else 362 + int(rng.integers(0, 8))
        checkin = assess_checkin(
            RULES, at=_at(c.on_at - 5), temperature_tenths=fever, symptoms=(), test_result=None
        )
        checkins.append(CheckIn(c.on_at - 5, c.id, checkin.passed))
        refusals = shift_refusals(
            RULES, _at(c.on_at), last_checkin=checkin, required=[], trainings=[], policies=[]
        )
        if refusals:
            refused.add(c.id)
        else:
            fit.append(c)
    return fit, refused, checkins


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


def _told(result: SimResult, jobs: tuple[Job, ...], closed: list[ClosedZone]) -> tuple[int, int]:
    """Customers whose door lies in a zone closed before their order was delivered, and how
    many of them got the real zone hand-off message."""
    affected = [
        (z, j)
        for j in jobs
        for z in closed
        if z.contains(j.dropoff)
        and j.placed_at < z.closed_until
        and j.id in result.deliveries
        and result.deliveries[j.id].dropoff_at >= z.closed_from
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
    return len(affected), told


def _c2d(result: SimResult) -> float:
    done = [d.dropoff_at - d.job.placed_at for d in result.deliveries.values()]
    return round(float(np.mean(done)), 2) if done else 0.0


def _stranded(result: SimResult, jobs: tuple[Job, ...]) -> int:
    resolved = set(result.deliveries) | set(result.cancelled) | set(result.refused)
    return sum(1 for j in jobs if j.id not in resolved)


def _late(result: SimResult, jobs: tuple[Job, ...], speed: float, buffer_at: Any) -> int:
    """Delivered after the promise the customer was told when ordering."""
    late = 0
    for j in jobs:
        d = result.deliveries.get(j.id)
        if d is not None and d.dropoff_at > promised_minute(
            j, j.dropoff, speed, buffer_at(j.placed_at)
        ):
            late += 1
    return late


def _rider_minutes(couriers: list[MdrpCourier], start: int, end: int) -> int:
    return sum(max(0, min(c.off_at, end) - max(c.on_at, start)) for c in couriers)


def _outcome(
    result: SimResult, jobs: tuple[Job, ...], speed: float, buffer_at: Any
) -> dict[str, Any]:
    return {
        "delivered": len(result.deliveries),
        "cancelled": len(result.cancelled),
        "refused_at_checkout": len(result.refused),
        "click_to_door_mean": _c2d(result),
        "stranded_orders": _stranded(result, jobs),
        "late_orders": _late(result, jobs, speed, buffer_at),
    }


def _early_warning_figures(
    ew: EarlyWarning,
    with_ew: SimResult,
    without: SimResult,
    no_pause: tuple[EarlyWarning, SimResult],
    day: MdrpInstance,
    fit: list[MdrpCourier],
    closed: tuple[ClosedZone, ...],
) -> dict[str, Any]:
    jobs, speed = day.jobs, day.params.metres_per_minute
    riders = [*fit, *ew.standby]
    raised = [t for t, ws in ew.warnings if any(w.recommendations for w in ws)]
    first = raised[0] if raised else None
    closes = min(z.closed_from for z in closed)
    last_order = max(j.placed_at for j in jobs)
    outlook = []
    for t, ws in ew.warnings:
        if t > last_order:
            break
        window_jobs = sum(1 for j in jobs if t <= j.placed_at < t + HORIZON_MINUTES)
        outlook.append(
            {
                "at": _clock(t),
                "forecast": {
                    "orders_expected": round(sum(w.orders_expected for w in ws), 1),
                    "riders_expected": round(sum(w.riders_expected for w in ws), 2),
                    "shortfall_riders": sum(w.shortfall_riders for w in ws),
                },
                "measured": measured_shortfall(
                    window_jobs,
                    _rider_minutes(riders, t, t + HORIZON_MINUTES),
                    HORIZON_MINUTES,
                    ew.orders_per_rider_hour,
                ),
            }
        )
    hourly = [
        {"hour": _clock(h)}
        | measured_shortfall(
            sum(1 for j in jobs if h <= j.placed_at < h + 60),
            _rider_minutes(riders, h, h + 60),
            60,
            ew.orders_per_rider_hour,
        )
        for h in range(LUNCH_START, last_order + 1, 60)
    ]
    recommended = Counter(a.recommendation.action.value for a in ew.actions)
    applied = [a for a in ew.actions if not a.detail.startswith("not applied")]
    told_of, told = _told(with_ew, jobs, list(closed))
    standby = {c.id for c in ew.standby}
    names = {z.id: z.name for z in ew.zones}
    rider_hours = _rider_minutes(fit, 0, 24 * 60) / 60
    return {
        "cadence_minutes": ew.cadence,
        "horizon_hours": HORIZON_MINUTES / 60,
        "first_warning_at": _clock(first) if first is not None else None,
        "first_warning_minutes_before_closure": closes - first if first is not None else None,
        "outlook": outlook,
        "hourly": hourly,
        # the model's rate: what the riders carried in each past day's busiest hour
        "orders_per_rider_hour_model": round(ew.orders_per_rider_hour, 2),
        # what the riders carried on the same day without early warning, per hour on shift
        "orders_per_rider_hour_measured": round(len(without.deliveries) / rider_hours, 2),
        "actions_recommended": dict(sorted(recommended.items())),
        "actions_applied": [
            {"at": _clock(a.minute), "id": a.recommendation.id, "detail": a.detail} for a in applied
        ],
        "standby_riders_on_shift": len(ew.standby),
        "standby_riders_refused_at_check": ew.standby_refused,
        "standby_deliveries": sum(
            1 for d in with_ew.deliveries.values() if d.courier_id in standby
        ),
        "promise_buffer_minutes_max": max(ew.buffer_at(m) for m in range(24 * 60)),
        "promise_buffer_minutes_final": ew.buffer_at(24 * 60),
        "zone_pauses": [
            {"zone": names[z], "from": _clock(start), "until": _clock(until)}
            for z, start, until in ew.pauses
        ],
        "orders_refused_in_paused_zones": len(with_ew.refused),
        "closed_zone_entries": _entries(with_ew, closed),
        "zone_customers_told_pct": round(100 * told / told_of, 1) if told_of else 100.0,
        "with_early_warning": _outcome(with_ew, jobs, speed, ew.buffer_at),
        "with_early_warning_no_pause": _outcome(no_pause[1], jobs, speed, no_pause[0].buffer_at),
        "without_early_warning": _outcome(without, jobs, speed, lambda _m: PROMISE_BUFFER),
    }


def _busiest_hour(day: MdrpInstance, result: SimResult) -> tuple[int, float]:
    """As live ``signals.carried_rate``: the day's clock hour with the most deliveries, and the
    rider-hours on shift in it."""
    per_hour = Counter(d.dropoff_at // 60 for d in result.deliveries.values())
    hour, n = per_hour.most_common(1)[0] if per_hour else (0, 0)
    return n, _rider_minutes(list(day.couriers), hour * 60, hour * 60 + 60) / 60


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def run_epidemic(seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    day = _day(rng)
    fit, refused, checkins = _checked_riders(rng, day.couriers)
    starts = {c.id: c.start for c in day.couriers}
    day = replace(day, couriers=tuple(fit))
    closed = zones()
    plan = CrisisPlan(closed_zones=closed)
    policy = POLICIES["tiffin"]
    past = [_day(np.random.default_rng((seed, 1000 + d))) for d in range(1, PAST_DAYS + 1)]
    rate = carried_per_rider_hour(
        [_busiest_hour(d, simulate(d, policy, reposition=RepositionParams())) for d in past]
    )
    with_closures = simulate(day, policy, reposition=RepositionParams(), crisis=plan)
    without = simulate(day, policy, reposition=RepositionParams(), crisis=CrisisPlan())

    def warned(skip: frozenset[Action]) -> tuple[EarlyWarning, SimResult]:
        ew = EarlyWarning(
            zones=SERVED,
            jobs=day.jobs,
            rules=RULES,
            day=DAY,
            authority=closed,
            starts=dict(starts),
            checkins=list(checkins),
            rng=np.random.default_rng((seed, 18)),  # standby riders' checks; the day is the same
            shift_end=LUNCH_END + 45,
            base_buffer=PROMISE_BUFFER,
            fail_share=FAIL_SHARE,
            history=tuple(d.jobs for d in past),
            orders_per_rider_hour=rate,
            skip=skip,
        )
        return ew, simulate(day, policy, reposition=RepositionParams(), crisis=plan, controller=ew)

    ew, with_ew = warned(frozenset())
    no_pause = warned(frozenset({Action.PAUSE_ZONE}))
    zone_customers, told = _told(with_closures, day.jobs, list(closed))
    return {
        "scenario": "epidemic",
        "seed": seed,
        "orders": len(day.jobs),
        "riders_checked": len(fit) + len(refused),
        "riders_refused_at_check": len(refused),
        "ineligible_shift_starts": sum(1 for c in day.couriers if c.id in refused),
        "closed_zone_entries": _entries(with_closures, closed),
        "stranded_orders": _stranded(with_closures, day.jobs),
        "zone_customers": zone_customers,
        "zone_customers_told_pct": round(100 * told / zone_customers, 1)
        if zone_customers
        else 100.0,
        "click_to_door_mean": _c2d(with_closures),
        "click_to_door_mean_without_closures": _c2d(without),
        "closure_cost_minutes_per_order": round(_c2d(with_closures) - _c2d(without), 2),
        "early_warning": _early_warning_figures(
            ew, with_ew, with_closures, no_pause, day, fit, closed
        ),
    }

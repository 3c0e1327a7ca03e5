"""A discrete-event simulator on a virtual clock that drives a real dispatch policy.

Orders become visible at their placement minute and no earlier; riders start and end shifts at
their times, ride at the instance's speed and spend its service minutes at each stop. Every
cycle the policy sees exactly what a live dispatcher would, and its decisions are carried out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Protocol

from tiffin.optimiser.forecast import DemandForecast
from tiffin.optimiser.model import (
    REDISPATCH_PRIORITY,
    Assignment,
    Courier,
    DispatchParams,
    Job,
    Point,
    Snapshot,
)
from tiffin.optimiser.modes import (
    Mode,
    ModeChange,
    ModeSettings,
    ModeState,
    SwitchRule,
    backlog,
    step,
)
from tiffin.optimiser.reposition import RepositionParams, plan_moves
from tiffin.optimiser.solve import Policy
from tiffin.optimiser.zones import ClosedZone
from tiffin.sim.crisis import CrisisPlan
from tiffin.sim.mdrp import MdrpCourier, MdrpInstance

NO_RIDER_LEFT = "no rider available before the last shift ended"


@dataclass(frozen=True)
class Move:
    courier_id: str
    depart_at: int
    origin: str  # "0" = the rider's starting point; else a restaurant or an order id
    destination: str


@dataclass(frozen=True)
class Delivery:
    job: Job
    courier_id: str
    assigned_at: int
    pickup_at: int
    dropoff_at: int


@dataclass
class SimResult:
    instance: MdrpInstance
    assignments: list[tuple[int, Assignment]] = field(default_factory=list)
    deliveries: dict[str, Delivery] = field(default_factory=dict)
    moves: list[Move] = field(default_factory=list)
    busy_minutes: dict[str, int] = field(default_factory=dict)
    decision_seconds: list[float] = field(default_factory=list)
    repositioned: int = 0
    cancelled: dict[str, str] = field(default_factory=dict)  # order -> reason
    refused: list[str] = field(default_factory=list)  # orders checkout refused (a controller's)
    redispatched: int = 0
    dropped_riders: int = 0
    mode_changes: list[ModeChange] = field(default_factory=list)
    crisis_minutes: int = 0

    @property
    def undelivered(self) -> list[Job]:
        return [j for j in self.instance.jobs if j.id not in self.deliveries]


@dataclass
class _Rider:
    id: str
    position: Point
    node: str
    free_at: int
    off_at: int
    route: tuple[int, Assignment, Point] | None = None  # (assigned at, what, from where)


def simulate(
    instance: MdrpInstance,
    policy: Policy,
    params: DispatchParams | None = None,
    cycle_minutes: int = 1,
    reposition: RepositionParams | None = None,
    crisis: CrisisPlan | None = None,
    observer: Observer | None = None,
    forecast: Forecast | None = None,
    modes: ModeSettings | None = None,
    switch: SwitchRule | None = None,
    controller: Controller | None = None,
) -> SimResult:
    """Run one day: every ``cycle_minutes`` ask ``policy`` and carry out what it commits;
    with ``reposition``, idle riders are also moved toward demand as ``forecast`` (by default
    tiffin's own, fed only with orders already placed) expects it; with ``crisis``, riders drop
    out, customers cancel, storms slow riders and zones close on schedule; with ``observer``
    (the anomaly engine), every minute is also watched and acted on; with ``modes``, the weights
    follow the situation (normal or crisis, switched by ``switch`` or a declared warning); with
    ``controller`` (early warning), each minute before dispatch riders may be brought on and
    zones closed, as an operator acting on the day would."""
    base = params or instance.params
    p = base
    result = SimResult(instance)
    forecast = forecast if forecast is not None else DemandForecast()
    riders = {c.id: _Rider(c.id, c.start, "0", c.on_at, c.off_at) for c in instance.couriers}
    by_id = {j.id: j for j in instance.jobs}
    upcoming = sorted(instance.jobs, key=lambda j: j.placed_at)
    open_jobs: dict[str, Job] = {}
    last_shift_end = max((c.off_at for c in instance.couriers), default=0)
    now = min((j.placed_at for j in upcoming), default=0)
    nxt = 0
    state = ModeState()
    on_at = {c.id: c.on_at for c in instance.couriers}
    closed = list(crisis.closed_zones) if crisis is not None else []
    while now <= last_shift_end and (nxt < len(upcoming) or open_jobs):
        while nxt < len(upcoming) and upcoming[nxt].placed_at <= now:
            if controller is None or controller.admits(upcoming[nxt], now):
                open_jobs[upcoming[nxt].id] = upcoming[nxt]
            else:
                result.refused.append(upcoming[nxt].id)
            forecast.observe(upcoming[nxt].merchant_id, upcoming[nxt].placed_at)
            nxt += 1
        p = base
        if modes is not None:
            on_shift = sum(1 for r in riders.values() if on_at[r.id] <= now < r.off_at)
            load = backlog(tuple(open_jobs.values()), on_shift, now)
            declared = crisis.declared_at(now) if crisis is not None else ()
            state, change = step(state, now, load, declared, switch)
            if change is not None:
                result.mode_changes.append(change)
            result.crisis_minutes += state.mode is Mode.CRISIS
            p = modes.params(state.mode, base)
        if crisis is not None:
            p = replace(p, metres_per_minute=p.metres_per_minute * crisis.speed_factor(now))
            _apply_crisis(crisis, now, riders, open_jobs, result)
        if controller is not None:
            on_duty = {r.id: r.position for r in riders.values() if on_at[r.id] <= now < r.off_at}
            joining, closing = controller.tick(now, on_duty)
            for c in joining:
                riders[c.id] = _Rider(c.id, c.start, "0", c.on_at, c.off_at)
                on_at[c.id] = c.on_at
                last_shift_end = max(last_shift_end, c.off_at)
            closed.extend(closing)
        if open_jobs:
            snapshot = Snapshot(
                now,
                tuple(open_jobs.values()),
                tuple(
                    Courier(r.id, r.position, r.free_at, r.off_at)
                    for r in riders.values()
                    if r.off_at > now
                ),
                tuple(closed),
            )
            began = time.perf_counter()
            decisions = policy(snapshot, p)
            result.decision_seconds.append(time.perf_counter() - began)
            for decision in decisions:
                _carry_out(decision, now, riders[decision.courier_id], by_id, result)
                for job_id in decision.job_ids:
                    del open_jobs[job_id]
        if reposition is not None:
            _reposition(riders, on_at, forecast, now, p, reposition, result, instance)
        if observer is not None:
            observer.tick(now, by_id, open_jobs, result)
        now += cycle_minutes
    for job_id in open_jobs:  # the platform's call when no rider is left: cancel, and say why
        result.cancelled[job_id] = NO_RIDER_LEFT
    if observer is not None:  # keep watching until the last route has run to its end
        last = max((d.dropoff_at for d in result.deliveries.values()), default=now)
        for minute in range(now, last + 1):
            observer.tick(minute, by_id, {}, result)
    return result


class Forecast(Protocol):
    """Expected orders per site; told of every order the moment it is placed."""

    def observe(self, site: str, placed_at: int) -> None: ...

    def expected(self, site: str, now: int, horizon_minutes: int) -> float: ...

    def sites(self) -> list[str]: ...


class Controller(Protocol):
    """Acts on the day each minute before dispatch, seeing where the riders on duty are: returns
    the riders it brings on (from their ``on_at``) and the zones it closes; and, as checkout
    would, may refuse an order as it is placed (``admits`` false: it never reaches dispatch)."""

    def admits(self, job: Job, now: int) -> bool: ...

    def tick(
        self, now: int, on_duty: dict[str, Point]
    ) -> tuple[list[MdrpCourier], list[ClosedZone]]: ...


class Observer(Protocol):
    """Watches each simulated minute after dispatch; may boost orders in ``open_jobs``."""

    def tick(
        self, now: int, jobs: dict[str, Job], open_jobs: dict[str, Job], result: SimResult
    ) -> None: ...


def _reposition(
    riders: dict[str, _Rider],
    on_at: dict[str, int],
    forecast: Forecast,
    now: int,
    p: DispatchParams,
    rp: RepositionParams,
    result: SimResult,
    instance: MdrpInstance,
) -> None:
    idle = [
        Courier(r.id, r.position, r.free_at, r.off_at)
        for r in riders.values()
        if r.free_at <= now and on_at[r.id] <= now < r.off_at - rp.horizon_minutes
    ]
    if not idle:
        return
    demand = {s: forecast.expected(s, now, rp.horizon_minutes) for s in forecast.sites()}
    demand = {s: d for s, d in demand.items() if d >= rp.min_shortfall}
    covering: dict[str, int] = {}
    for r in riders.values():
        if r.node in demand:
            covering[r.node] = covering.get(r.node, 0) + 1
    for move in plan_moves(idle, demand, instance.restaurants, covering, p.metres_per_minute, rp):
        rider = riders[move.courier_id]
        if rider.node == move.site:
            continue
        result.moves.append(Move(rider.id, now, rider.node, move.site))
        rider.position, rider.node, rider.free_at = move.to, move.site, now + move.ride_minutes
        result.repositioned += 1


def _carry_out(
    a: Assignment, now: int, rider: _Rider, jobs: dict[str, Job], result: SimResult
) -> None:
    if rider.free_at > now:
        raise RuntimeError(f"policy assigned busy rider {rider.id} at {now}")
    bundle = [jobs[j] for j in a.job_ids]
    merchant = bundle[0].merchant_id
    route = a.route
    result.assignments.append((now, a))
    result.moves.append(Move(rider.id, route.depart_at, rider.node, merchant))
    origin, leave = merchant, route.pickup_at
    for job, drop in zip(bundle, route.dropoff_at, strict=True):
        result.moves.append(Move(rider.id, leave, origin, job.id))
        result.deliveries[job.id] = Delivery(job, rider.id, now, route.pickup_at, drop)
        origin, leave = job.id, drop
    result.busy_minutes[rider.id] = (
        result.busy_minutes.get(rider.id, 0) + route.dropoff_at[-1] - route.depart_at
    )
    rider.route = (now, a, rider.position)
    rider.position, rider.node, rider.free_at = (
        bundle[-1].dropoff,
        bundle[-1].id,
        route.dropoff_at[-1],
    )


def _apply_crisis(
    plan: CrisisPlan,
    now: int,
    riders: dict[str, _Rider],
    open_jobs: dict[str, Job],
    result: SimResult,
) -> None:
    for rider_id, at in plan.dropouts.items():
        rider = riders.get(rider_id)
        if at == now and rider is not None and rider.off_at > now:
            _drop_out(rider, now, open_jobs, result)
    for job_id, at in plan.cancellations.items():
        if at == now:
            _cancel(job_id, now, riders, open_jobs, result)


def _drop_out(rider: _Rider, now: int, open_jobs: dict[str, Job], result: SimResult) -> None:
    """The rider vanishes: food not yet fetched goes back to the pool, food in hand is lost."""
    rider.off_at = now
    result.dropped_riders += 1
    if rider.route is None:
        return
    for job_id in rider.route[1].job_ids:
        delivery = result.deliveries.get(job_id)
        if delivery is None or delivery.dropoff_at <= now:
            continue
        del result.deliveries[job_id]
        if delivery.pickup_at <= now:
            result.cancelled[job_id] = "rider dropped out with the food"
        else:
            open_jobs[job_id] = replace(delivery.job, priority=REDISPATCH_PRIORITY)
            result.redispatched += 1


def _cancel(
    job_id: str, now: int, riders: dict[str, _Rider], open_jobs: dict[str, Job], result: SimResult
) -> None:
    """A customer cancels; too late once the food is picked up. A rider heading for it is
    released where they are."""
    if job_id in open_jobs:
        del open_jobs[job_id]
        result.cancelled[job_id] = "cancelled by the customer"
        return
    delivery = result.deliveries.get(job_id)
    if delivery is None or delivery.pickup_at <= now:
        return
    del result.deliveries[job_id]
    result.cancelled[job_id] = "cancelled by the customer"
    rider = riders[delivery.courier_id]
    if rider.route is None:
        return
    assigned_at, assignment, origin = rider.route
    remaining = [j for j in assignment.job_ids if j in result.deliveries]
    if not remaining:  # nothing left to carry: stop where they are
        target = delivery.job.pickup
        arrive = assignment.route.arrive_merchant_at
        share = min(1.0, (now - assigned_at) / max(1, arrive - assigned_at))
        rider.position = Point(
            origin.x + share * (target.x - origin.x), origin.y + share * (target.y - origin.y)
        )
        rider.free_at, rider.node, rider.route = now, "en-route", None

"""One decision cycle: bundle the open orders, score every rider x bundle pair, solve the
min-cost assignment, and commit only what must start now (the rest is reconsidered next cycle,
when more orders and riders are known).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from tiffin.optimiser.bundling import build_bundles
from tiffin.optimiser.detours import around_zones
from tiffin.optimiser.greedy import EarliestArrival, earliest_arrival
from tiffin.optimiser.model import (
    Assignment,
    Courier,
    DispatchParams,
    Job,
    Snapshot,
    ride_minutes,
)
from tiffin.optimiser.routes import route_for
from tiffin.optimiser.zones import apply_zones

Policy = Callable[[Snapshot, DispatchParams], list[Assignment]]
INFEASIBLE = 1e9
ALTERNATIVES = 3


def solve(snapshot: Snapshot, params: DispatchParams) -> list[Assignment]:
    """tiffin's dispatcher: bundling, optimal assignment, commitment.

    Parameters
    ----------
    snapshot
        Open jobs (placed, not assigned) and riders with when/where they are next free.
    params
        Speeds, service minutes, weights and windows.

    Returns
    -------
    list[Assignment]
        Decisions to carry out now; jobs not named stay open for the next cycle.
    """
    now = snapshot.now
    couriers = [
        c
        for c in snapshot.couriers
        if c.free_at <= now + params.lookahead_minutes and c.off_at > now and c.capacity > 0
    ]
    visible = [j for j in snapshot.jobs if j.placed_at <= now]
    jobs, _blocked = apply_zones(visible, snapshot.closed_zones, now)
    params = around_zones(params, snapshot.closed_zones, now)
    if not couriers or not jobs:
        return []
    free_soon = sum(1 for c in couriers if c.free_at <= now + params.commit_minutes)
    due_soon = sum(1 for j in jobs if j.ready_at <= now + params.lookahead_minutes)
    bundles = build_bundles(jobs, scarce=due_soon > free_soon, p=params)
    cost = cost_matrix(bundles, couriers, now, params)
    # Riders who are still busy are columns too: the solver may prefer one who frees up soon
    # over a far idle rider, and such a pairing is simply not committed this cycle.
    rows, cols = linear_sum_assignment(cost)
    decisions = []
    for b, c in zip(rows, cols, strict=True):
        if cost[b, c] >= INFEASIBLE:
            continue
        courier, bundle = couriers[c], bundles[b]
        route = route_for(courier, bundle, now, params)
        if not _must_commit(courier, bundle, route.arrive_merchant_at, now, params):
            continue
        decisions.append(
            Assignment(
                courier.id,
                tuple(j.id for j in bundle),
                route,
                float(cost[b, c]),
                _alternatives(cost[b], couriers, c),
            )
        )
    return decisions


def _must_commit(
    courier: Courier, bundle: Sequence[Job], arrive: int, now: int, p: DispatchParams
) -> bool:
    """Commit when the rider is free and would have to set off within the commitment window
    to be at the merchant when the food is ready; later decisions can only be better."""
    if courier.free_at > now:
        return False
    ready = max(j.ready_at for j in bundle)
    slack = ready - (arrive + p.pickup_service)
    return slack <= p.commit_minutes


def _alternatives(
    row: NDArray[np.float64], couriers: Sequence[Courier], chosen: int
) -> tuple[tuple[str, float], ...]:
    order = np.argsort(row)
    picked = [
        (couriers[i].id, float(row[i]))
        for i in order[: ALTERNATIVES + 1]
        if i != chosen and row[i] < INFEASIBLE
    ]
    return tuple(picked[:ALTERNATIVES])


def cost_matrix(
    bundles: Sequence[Sequence[Job]], couriers: Sequence[Courier], now: int, p: DispatchParams
) -> NDArray[np.float64]:
    """Cost of every bundle x rider pair, vectorised (1,000 x 1,000 in well under a second).

    Cost = total click-to-door of the bundle's orders + ``late_weight`` x minutes past the
    target (and its ``storm_minutes`` beyond) + ``empty_weight`` x minutes riding empty to the
    merchant + ``wait_weight`` x
    minutes standing at the merchant - a bonus per minute an order's food has been waiting
    (``overdue_weight``) - the priority of re-dispatched orders.

    The bonus matters when riders are short: orders left unmatched cost the assignment nothing,
    and an old order is expensive whichever rider takes it, so without it an overloaded cycle
    serves the cheap new orders first and an old one can wait for ever (seen in the storm
    scenario: 147 minutes).
    """
    nb, nc = len(bundles), len(couriers)
    width = max(len(b) for b in bundles)
    cx = np.array([c.position.x for c in couriers])
    cy = np.array([c.position.y for c in couriers])
    start = np.maximum(now, np.array([c.free_at for c in couriers]))
    off = np.array([c.off_at for c in couriers])
    mx = np.array([b[0].pickup.x for b in bundles])
    my = np.array([b[0].pickup.y for b in bundles])
    ready = np.array([max(j.ready_at for j in b) for b in bundles])
    ride = np.ceil(
        np.hypot(mx[:, None] - cx[None, :], my[:, None] - cy[None, :]) / p.metres_per_minute
    )
    if p.obstacles:  # rides go around closed zones (detours.py)
        ride = p.obstacles.ride_minutes(mx[:, None], my[:, None], cx, cy, p.metres_per_minute)
    arrive = start[None, :] + ride
    pickup = np.maximum(arrive + p.pickup_service, ready[:, None])
    offsets = np.zeros((nb, width))
    placed = np.zeros((nb, width))
    storm = np.zeros((nb, width))
    present = np.zeros((nb, width), dtype=bool)
    priority = np.zeros(nb)
    for b, bundle in enumerate(bundles):
        at, here = 0, bundle[0].pickup
        for k, job in enumerate(bundle):
            at += ride_minutes(here, job.dropoff, p) + p.dropoff_service
            offsets[b, k], placed[b, k], present[b, k] = at, job.placed_at, True
            storm[b, k] = job.storm_minutes
            here = job.dropoff
        priority[b] = sum(j.priority + p.overdue_weight * max(0, now - j.ready_at) for j in bundle)
    cost = np.zeros((nb, nc))
    for k in range(width):
        c2d = pickup + (offsets[:, k] - placed[:, k])[:, None]
        late = np.maximum(0.0, c2d - p.target_minutes - storm[:, k][:, None])
        cost += np.where(present[:, k][:, None], c2d + p.late_weight * late, 0.0)
    cost += p.empty_weight * ride
    cost += p.wait_weight * np.maximum(0.0, ready[:, None] - (arrive + p.pickup_service))
    cost -= priority[:, None]
    cost[pickup > off[None, :]] = INFEASIBLE
    sizes = np.array([len(b) for b in bundles])
    capacity = np.array([c.capacity for c in couriers])
    cost[sizes[:, None] > capacity[None, :]] = INFEASIBLE  # workload caps are never exceeded
    for c, courier in enumerate(couriers):
        if courier.excluded_jobs:
            for b, bundle in enumerate(bundles):
                if any(j.id in courier.excluded_jobs for j in bundle):
                    cost[b, c] = INFEASIBLE
    return cost


def solve_without_bundling(snapshot: Snapshot, params: DispatchParams) -> list[Assignment]:
    """tiffin's optimiser with every order travelling alone (a baseline)."""
    return solve(snapshot, replace(params, max_bundle=1))


def nearest_free_rider(snapshot: Snapshot, params: DispatchParams) -> list[Assignment]:
    """What small operators do: first come, first served, to the nearest idle rider, at once."""
    now = snapshot.now
    free = [c for c in snapshot.couriers if c.free_at <= now and c.off_at > now and c.capacity]
    jobs, _blocked = apply_zones(snapshot.jobs, snapshot.closed_zones, now)
    params = around_zones(params, snapshot.closed_zones, now)
    decisions = []
    for job in sorted(jobs, key=lambda j: (j.placed_at, j.id)):
        if job.placed_at > now:
            continue
        options = [
            (route_for(c, (job,), now, params), c) for c in free if job.id not in c.excluded_jobs
        ]
        options = [(r, c) for r, c in options if r.pickup_at <= c.off_at]
        if not options:
            continue
        route, courier = min(options, key=lambda rc: (rc[0].arrive_merchant_at, rc[1].id))
        free.remove(courier)
        decisions.append(Assignment(courier.id, (job.id,), route, float(route.dropoff_at[0])))
    return decisions


POLICIES: dict[str, Policy] = {
    "tiffin": solve,
    "no-bundling": solve_without_bundling,
    "greedy": nearest_free_rider,
    "earliest-arrival": earliest_arrival,
}


def fresh_policy(name: str) -> Policy:
    """The policy to run one whole day with: stateful ones (their promises) start empty."""
    return EarliestArrival() if name == "earliest-arrival" else POLICIES[name]

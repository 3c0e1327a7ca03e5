"""The city-scale decision: candidate riders from a spatial index and a sparse min-cost matching.

The dense path (``solve.cost_matrix`` + ``linear_sum_assignment``) scores every bundle against
every rider: 10,000 x 10,000 is 800 MB of costs and cubic time. Here each bundle is scored only
against the ``k`` riders who can reach its merchant first (a k-d tree per distinct start minute,
so "nearest" means earliest arrival, not shortest distance), and the matching runs on those
edges alone (``scipy.sparse.csgraph.min_weight_full_bipartite_matching``). Every bundle also
gets its own "unassigned" column at a penalty larger than any spread of real costs, so a full
matching always exists and the matcher maximises the number of bundles served before it
minimises their cost, exactly as the dense solver does with its ``INFEASIBLE`` entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching
from scipy.spatial import cKDTree

from tiffin.optimiser.bundling import build_bundles
from tiffin.optimiser.model import Assignment, Courier, DispatchParams, Job, Snapshot
from tiffin.optimiser.routes import route_for
from tiffin.optimiser.solve import ALTERNATIVES, INFEASIBLE, _must_commit
from tiffin.optimiser.zones import apply_zones

DEFAULT_CANDIDATES = 12  # riders scored per bundle


@dataclass(frozen=True)
class Edges:
    """Candidate bundle x rider pairs and their costs (the sparse cost matrix, as triplets)."""

    rows: NDArray[np.int64]
    cols: NDArray[np.int64]
    costs: NDArray[np.float64]


def eligible(snapshot: Snapshot, params: DispatchParams) -> tuple[list[Job], list[Courier]]:
    """The jobs and riders one decision covers (the same filter as the dense ``solve``)."""
    now = snapshot.now
    couriers = [
        c
        for c in snapshot.couriers
        if c.free_at <= now + params.lookahead_minutes and c.off_at > now and c.capacity > 0
    ]
    visible = [j for j in snapshot.jobs if j.placed_at <= now]
    jobs, _blocked = apply_zones(visible, snapshot.closed_zones, now)
    return jobs, couriers


def bundles_for(
    jobs: Sequence[Job], couriers: Sequence[Courier], now: int, params: DispatchParams
) -> list[tuple[Job, ...]]:
    """Bundles as the dense path builds them (generous only when riders are scarce)."""
    free_soon = sum(1 for c in couriers if c.free_at <= now + params.commit_minutes)
    due_soon = sum(1 for j in jobs if j.ready_at <= now + params.lookahead_minutes)
    return build_bundles(jobs, scarce=due_soon > free_soon, p=params)


def candidates(
    bundles: Sequence[Sequence[Job]],
    couriers: Sequence[Courier],
    now: int,
    params: DispatchParams,
    k: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """For each bundle, the ``k`` riders who would reach its merchant first.

    Riders are grouped by the minute they can set off; within a group arrival order is distance
    order, so the k nearest of each group's tree contain the k earliest arrivals overall.
    """
    nb, nc = len(bundles), len(couriers)
    if nb == 0 or nc == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    positions = np.array([(c.position.x, c.position.y) for c in couriers])
    start = np.maximum(now, np.array([c.free_at for c in couriers]))
    merchants = np.array([(b[0].pickup.x, b[0].pickup.y) for b in bundles])
    found_cols = []
    found_arrive = []
    for minute in np.unique(start):
        members = np.flatnonzero(start == minute)
        q = min(k, len(members))
        dist, idx = cKDTree(positions[members]).query(merchants, k=q)
        dist = np.asarray(dist, dtype=float).reshape(nb, q)
        idx = np.asarray(idx, dtype=np.int64).reshape(nb, q)
        found_cols.append(members[idx])
        found_arrive.append(minute + np.ceil(dist / params.metres_per_minute))
    cols = np.concatenate(found_cols, axis=1)
    arrive = np.concatenate(found_arrive, axis=1)
    keep = min(k, cols.shape[1])
    if cols.shape[1] > keep:
        best = np.argpartition(arrive, keep - 1, axis=1)[:, :keep]
        cols = np.take_along_axis(cols, best, axis=1)
    rows = np.repeat(np.arange(nb, dtype=np.int64), cols.shape[1])
    # ... and each rider's k nearest bundles, so a rider no bundle ranks first is still offered
    q = min(k, nb)
    _dist, near = cKDTree(merchants).query(positions, k=q)
    back_rows = np.asarray(near, dtype=np.int64).reshape(-1)
    back_cols = np.repeat(np.arange(nc, dtype=np.int64), q)
    keys = np.unique(
        np.concatenate([rows * nc + cols.reshape(-1), back_rows * nc + back_cols])
    )  # each pair once, in row order
    return keys // nc, keys % nc


def pair_costs(
    bundles: Sequence[Sequence[Job]],
    couriers: Sequence[Courier],
    rows: NDArray[np.int64],
    cols: NDArray[np.int64],
    now: int,
    p: DispatchParams,
) -> NDArray[np.float64]:
    """``solve.cost_matrix`` evaluated only at the pairs (rows[i], cols[i])."""
    nb = len(bundles)
    width = max(len(b) for b in bundles)
    cx = np.array([c.position.x for c in couriers])[cols]
    cy = np.array([c.position.y for c in couriers])[cols]
    start = np.maximum(now, np.array([c.free_at for c in couriers]))[cols]
    off = np.array([c.off_at for c in couriers])[cols]
    capacity = np.array([c.capacity for c in couriers])[cols]
    mx = np.array([b[0].pickup.x for b in bundles])
    my = np.array([b[0].pickup.y for b in bundles])
    ready = np.array([max(j.ready_at for j in b) for b in bundles])
    sizes = np.array([len(b) for b in bundles])
    offsets = np.zeros((nb, width))
    placed = np.zeros((nb, width))
    storm = np.zeros((nb, width))
    present = np.zeros((nb, width), dtype=bool)
    priority = np.zeros(nb)
    for b, bundle in enumerate(bundles):
        at, here = 0.0, bundle[0].pickup
        for k, job in enumerate(bundle):
            at += (
                np.ceil(
                    np.hypot(job.dropoff.x - here.x, job.dropoff.y - here.y) / p.metres_per_minute
                )
                + p.dropoff_service
            )
            offsets[b, k], placed[b, k], present[b, k] = at, job.placed_at, True
            storm[b, k] = job.storm_minutes
            here = job.dropoff
        priority[b] = sum(j.priority + p.overdue_weight * max(0, now - j.ready_at) for j in bundle)
    ride = np.ceil(np.hypot(mx[rows] - cx, my[rows] - cy) / p.metres_per_minute)
    arrive = start + ride
    pickup = np.maximum(arrive + p.pickup_service, ready[rows])
    cost = np.zeros(len(rows))
    for k in range(width):
        c2d = pickup + offsets[rows, k] - placed[rows, k]
        late = np.maximum(0.0, c2d - p.target_minutes - storm[rows, k])
        cost += np.where(present[rows, k], c2d + p.late_weight * late, 0.0)
    cost += p.empty_weight * ride
    cost += p.wait_weight * np.maximum(0.0, ready[rows] - (arrive + p.pickup_service))
    cost -= priority[rows]
    cost[pickup > off] = INFEASIBLE
    cost[sizes[rows] > capacity] = INFEASIBLE
    for i, courier in enumerate(couriers):
        if not courier.excluded_jobs:
            continue
        for e in np.flatnonzero(cols == i):
            if any(j.id in courier.excluded_jobs for j in bundles[int(rows[e])]):
                cost[e] = INFEASIBLE
    return cost


def match(edges: Edges, n_rows: int, n_cols: int) -> dict[int, int]:
    """Min-cost matching of rows to columns over the given edges; rows left unmatched when no
    feasible edge is left for them. Serves as many rows as possible first, then cheapest."""
    feasible = edges.costs < INFEASIBLE
    rows, cols, costs = edges.rows[feasible], edges.cols[feasible], edges.costs[feasible]
    if n_rows == 0 or len(rows) == 0:
        return {}
    low = float(costs.min())
    shifted = costs - low + 1.0  # LAPJVsp wants non-zero weights; the shift is the same per edge
    penalty = (float(shifted.max()) + 1.0) * (n_rows + 1)  # beats any re-arrangement of real costs
    dummy_rows = np.arange(n_rows, dtype=np.int64)
    graph = csr_array(
        (
            np.concatenate([shifted, np.full(n_rows, penalty)]),
            (np.concatenate([rows, dummy_rows]), np.concatenate([cols, n_cols + dummy_rows])),
        ),
        shape=(n_rows, n_cols + n_rows),
    )
    r, c = min_weight_full_bipartite_matching(graph)
    return {int(a): int(b) for a, b in zip(r, c, strict=True) if b < n_cols}


def decide(
    bundles: Sequence[tuple[Job, ...]],
    couriers: Sequence[Courier],
    now: int,
    params: DispatchParams,
    k: int = DEFAULT_CANDIDATES,
    rounds: int = 6,
) -> tuple[dict[int, int], Edges]:
    """The sparse matching of ``bundles`` to ``couriers`` (indices), and the edges it used.

    A bundle whose k candidates were all taken by others gets, next round, the k earliest of the
    riders still unmatched (as the dense solver would reach for a farther rider), until every
    bundle or every rider is matched or ``rounds`` run out.
    """
    rows, cols = candidates(bundles, couriers, now, params, k)
    if len(rows) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return {}, Edges(empty, empty, np.zeros(0))
    edges = Edges(rows, cols, pair_costs(bundles, couriers, rows, cols, now, params))
    matched = match(edges, len(bundles), len(couriers))
    for _ in range(rounds):
        taken = set(matched.values())
        open_rows = [b for b in range(len(bundles)) if b not in matched]
        free_cols = [c for c in range(len(couriers)) if c not in taken]
        if not open_rows or not free_cols:
            break
        sub_b = [bundles[b] for b in open_rows]
        sub_c = [couriers[c] for c in free_cols]
        r, c = candidates(sub_b, sub_c, now, params, k)
        r, c = np.asarray(open_rows, dtype=np.int64)[r], np.asarray(free_cols, dtype=np.int64)[c]
        fresh = Edges(r, c, pair_costs(bundles, couriers, r, c, now, params))
        if not np.any(fresh.costs < INFEASIBLE):
            break
        edges = Edges(
            np.concatenate([edges.rows, fresh.rows]),
            np.concatenate([edges.cols, fresh.cols]),
            np.concatenate([edges.costs, fresh.costs]),
        )
        grown = match(edges, len(bundles), len(couriers))
        if len(grown) <= len(matched):
            matched = grown
            break
        matched = grown
    return matched, edges


def assignments(
    bundles: Sequence[tuple[Job, ...]],
    couriers: Sequence[Courier],
    matched: dict[int, int],
    edges: Edges,
    now: int,
    params: DispatchParams,
) -> list[Assignment]:
    """Turn a matching into the decisions to carry out now (commit only what must start)."""
    order = np.lexsort((edges.costs, edges.rows))
    rows, cols, costs = edges.rows[order], edges.cols[order], edges.costs[order]
    first = np.searchsorted(rows, np.arange(len(bundles) + 1))
    decisions = []
    for b, c in sorted(matched.items()):
        courier, bundle = couriers[c], bundles[b]
        if courier.free_at > now:
            continue  # a rider still busy is matched to hold the bundle, never committed yet
        route = route_for(courier, bundle, now, params)
        if not _must_commit(courier, bundle, route.arrive_merchant_at, now, params):
            continue
        lo, hi = first[b], first[b + 1]
        mine = np.flatnonzero(cols[lo:hi] == c)
        near = slice(lo, min(hi, lo + ALTERNATIVES + 1))  # cheapest first within the row
        others = [
            (couriers[o].id, v)
            for o, v in zip(cols[near].tolist(), costs[near].tolist(), strict=True)
            if o != c and v < INFEASIBLE
        ][:ALTERNATIVES]
        decisions.append(
            Assignment(
                courier.id,
                tuple(j.id for j in bundle),
                route,
                float(costs[lo + mine[0]]),
                tuple(others),
            )
        )
    return decisions


def solve_sparse(
    snapshot: Snapshot, params: DispatchParams, k: int = DEFAULT_CANDIDATES
) -> list[Assignment]:
    """tiffin's dispatcher with candidate riders from a spatial index and a sparse matching."""
    jobs, couriers = eligible(snapshot, params)
    if not couriers or not jobs:
        return []
    bundles = bundles_for(jobs, couriers, snapshot.now, params)
    matched, edges = decide(bundles, couriers, snapshot.now, params, k)
    return assignments(bundles, couriers, matched, edges, snapshot.now, params)

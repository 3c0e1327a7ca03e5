"""The city-scale path: sparse matching equals the dense one, zones keep every dispatch rule."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from tests.unit.dispatch.test_solve import snapshots
from tiffin.optimiser import Courier, DispatchParams, Job, Snapshot
from tiffin.optimiser.city import ZoneGrid, solve_city
from tiffin.optimiser.model import Point
from tiffin.optimiser.solve import INFEASIBLE, cost_matrix
from tiffin.optimiser.sparse import (
    Edges,
    bundles_for,
    candidates,
    decide,
    eligible,
    match,
    pair_costs,
    solve_sparse,
)

P = DispatchParams()


def dense_optimum(cost: np.ndarray) -> tuple[int, float]:
    """What ``linear_sum_assignment`` reaches: (feasible pairs matched, their total cost)."""
    if cost.size == 0:
        return 0, 0.0
    rows, cols = linear_sum_assignment(cost)
    chosen = cost[rows, cols]
    feasible = chosen < INFEASIBLE
    return int(feasible.sum()), float(chosen[feasible].sum())


def sparse_total(matched: dict[int, int], edges: Edges) -> tuple[int, float]:
    costs = {
        (int(r), int(c)): float(v)
        for r, c, v in zip(edges.rows, edges.cols, edges.costs, strict=True)
    }
    return len(matched), sum(costs[(r, c)] for r, c in matched.items())


@st.composite
def cost_matrices(draw: st.DrawFn) -> np.ndarray:
    n_rows, n_cols = draw(st.integers(0, 7)), draw(st.integers(0, 7))
    values = draw(
        st.lists(
            st.one_of(st.integers(-60, 300).map(float), st.just(INFEASIBLE)),
            min_size=n_rows * n_cols,
            max_size=n_rows * n_cols,
        )
    )
    return np.array(values, dtype=float).reshape(n_rows, n_cols)


@settings(max_examples=300, deadline=None)
@given(cost=cost_matrices())
def test_the_sparse_matching_reaches_the_dense_optimum(cost: np.ndarray) -> None:
    n_rows, n_cols = cost.shape
    rows, cols = np.nonzero(np.ones_like(cost, dtype=bool))
    edges = Edges(rows.astype(np.int64), cols.astype(np.int64), cost[rows, cols])
    matched = match(edges, n_rows, n_cols)
    assert len(set(matched.values())) == len(matched), "a column used twice"
    assert all(cost[r, c] < INFEASIBLE for r, c in matched.items()), "an infeasible pair"
    count, total = sparse_total(matched, edges)
    want_count, want_total = dense_optimum(cost)
    assert count == want_count
    assert total == pytest.approx(want_total, abs=1e-6)


@settings(max_examples=150, deadline=None)
@given(snapshot=snapshots())
def test_pair_costs_are_the_dense_matrix_entries(snapshot: Snapshot) -> None:
    jobs, couriers = eligible(snapshot, P)
    if not jobs or not couriers:
        return
    bundles = bundles_for(jobs, couriers, snapshot.now, P)
    dense = cost_matrix(bundles, couriers, snapshot.now, P)
    rows, cols = np.nonzero(np.ones_like(dense, dtype=bool))
    got = pair_costs(
        bundles, couriers, rows.astype(np.int64), cols.astype(np.int64), snapshot.now, P
    )
    assert np.allclose(got, dense[rows, cols])


@settings(max_examples=150, deadline=None)
@given(snapshot=snapshots())
def test_with_every_rider_a_candidate_the_decision_costs_what_the_dense_one_does(
    snapshot: Snapshot,
) -> None:
    jobs, couriers = eligible(snapshot, P)
    if not jobs or not couriers:
        return
    bundles = bundles_for(jobs, couriers, snapshot.now, P)
    matched, edges = decide(bundles, couriers, snapshot.now, P, k=len(couriers))
    count, total = sparse_total(matched, edges)
    want_count, want_total = dense_optimum(cost_matrix(bundles, couriers, snapshot.now, P))
    assert count == want_count
    assert total == pytest.approx(want_total, abs=1e-6)


def test_candidates_are_the_earliest_arrivals_not_the_nearest() -> None:
    here = Job("o1", "m1", Point(0, 0), Point(500, 0), 0, 10)
    far = Job("o2", "m2", Point(-9000, 0), Point(-9500, 0), 0, 10)
    near_but_busy = Courier("busy", Point(10, 0), 30, 500)  # o2: 9.0 km, arrives at minute 59
    far_but_free = Courier("free", Point(3200, 0), 0, 500)  # o2: 12.2 km, arrives at minute 39
    rows, cols = candidates([(here,), (far,)], [near_but_busy, far_but_free], 0, P, k=1)
    # both riders' own nearest bundle is o1, so o2's only edge is its forward candidate
    assert {int(c) for r, c in zip(rows, cols, strict=True) if r == 1} == {1}


def test_a_bundle_whose_candidates_are_taken_reaches_for_a_farther_rider() -> None:
    shop_a, shop_b = Point(0, 0), Point(50, 0)
    jobs = (
        Job("a", "ma", shop_a, Point(0, 900), 0, 0),
        Job("b", "mb", shop_b, Point(0, 900), 0, 0),
    )
    couriers = (Courier("near", Point(10, 0), 0, 500), Courier("far", Point(6000, 0), 0, 500))
    decided = solve_sparse(Snapshot(0, jobs, couriers), P, k=1)
    assert sorted(d.courier_id for d in decided) == ["far", "near"]


def test_a_point_on_a_border_line_belongs_to_one_zone_the_same_way_every_time() -> None:
    grid = ZoneGrid(Point(0, 0), 1000.0, columns=2, rows=2)
    assert grid.zone_of(Point(999.9, 10)) == 0
    assert grid.zone_of(Point(1000.0, 10)) == 1  # on the line: the cell east of it
    assert grid.zone_of(Point(10, 1000.0)) == 2  # ... and north of it
    assert grid.zone_of(Point(-50, 5000)) == 2  # outside: the nearest edge cell
    assert grid.near_border(Point(950, 100), 100) and not grid.near_border(Point(500, 500), 100)
    assert not grid.near_border(Point(10, 10), 100)  # the city's own edge is not a border


def test_a_border_order_takes_the_nearer_rider_across_the_border() -> None:
    grid = ZoneGrid(Point(0, 0), 5000.0, columns=2, rows=1)
    job = Job("o1", "m", Point(4900, 100), Point(4000, 100), 0, 0)
    across = Courier("across", Point(5100, 100), 0, 500)  # zone 1, 200 m away
    home = Courier("home", Point(100, 100), 0, 500)  # zone 0, 4.8 km away
    decided = solve_city(Snapshot(0, (job,), (across, home)), P, grid)
    assert [d.courier_id for d in decided] == ["across"]


def keeps_every_rule(snapshot: Snapshot, decisions: list) -> None:  # type: ignore[type-arg]
    jobs = {j.id: j for j in snapshot.jobs}
    couriers = {c.id: c for c in snapshot.couriers}
    taken = [j for d in decisions for j in d.job_ids]
    assert len(taken) == len(set(taken)), "an order held by two riders"
    assert len({d.courier_id for d in decisions}) == len(decisions), "a rider given two routes"
    for d in decisions:
        courier = couriers[d.courier_id]
        assert courier.free_at <= snapshot.now, "committed a busy rider"
        assert d.route.pickup_at <= courier.off_at, "pickup after the shift ends"
        assert len({jobs[j].merchant_id for j in d.job_ids}) == 1
        for j in d.job_ids:
            assert d.route.pickup_at >= jobs[j].ready_at, "picked up before it was ready"
            assert j not in courier.excluded_jobs, "re-offered to a rider who refused it"


@settings(max_examples=150, deadline=None)
@given(snapshot=snapshots(), k=st.integers(1, 4), columns=st.integers(1, 3))
def test_sparse_and_zoned_decisions_keep_every_rule(
    snapshot: Snapshot, k: int, columns: int
) -> None:
    keeps_every_rule(snapshot, solve_sparse(snapshot, P, k=k))
    grid = ZoneGrid(Point(-4000, -4000), 8000 / columns, columns, 1)
    with ThreadPoolExecutor(2) as pool:
        keeps_every_rule(snapshot, solve_city(snapshot, P, grid, pool, k=k, border_m=300))


def test_one_zone_decides_as_the_sparse_path_does() -> None:
    rng = np.random.default_rng(3)
    jobs = tuple(
        Job(
            f"o{i}",
            f"m{i % 9}",
            Point(*rng.uniform(0, 5000, 2)),
            Point(*rng.uniform(0, 5000, 2)),
            0,
            5,
        )
        for i in range(40)
    )
    couriers = tuple(Courier(f"c{i}", Point(*rng.uniform(0, 5000, 2)), 0, 300) for i in range(30))
    snap = Snapshot(2, jobs, couriers)
    grid = ZoneGrid(Point(0, 0), 5000.0, 1, 1)
    assert solve_city(snap, P, grid) == solve_sparse(snap, P)

"""The dispatcher's lateness under a storm warning: an order whose promise was lengthened for a
storm counts as late only past the target plus its storm minutes, in the dense and sparse paths
alike; the bonus for food left waiting is unchanged."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from tiffin.optimiser import Courier, DispatchParams, Job
from tiffin.optimiser.model import Point
from tiffin.optimiser.solve import cost_matrix
from tiffin.optimiser.sparse import pair_costs

P = DispatchParams(target_minutes=20, late_weight=3.0)


def late_job(storm_minutes: int = 0) -> Job:
    # placed 30 minutes ago, 3 km from its door: far past a 20-minute target
    return Job("o1", "m1", Point(0, 0), Point(3000, 0), -30, -5, 0.0, storm_minutes)


COURIERS = [Courier("r1", Point(100, 0), 0, 600)]


def cost(job: Job) -> float:
    return float(cost_matrix([[job]], COURIERS, 0, P)[0, 0])


def test_storm_minutes_forgive_that_much_lateness_and_no_more() -> None:
    plain, stormy = cost(late_job()), cost(late_job(15))
    assert plain - stormy == pytest.approx(P.late_weight * 15)
    unpunished = cost_matrix([[late_job()]], COURIERS, 0, replace(P, late_weight=0.0))[0, 0]
    assert cost(late_job(10_000)) == pytest.approx(unpunished)  # never below on time


def test_the_sparse_path_prices_storms_as_the_dense_one() -> None:
    jobs = [[late_job(15)], [late_job()]]
    couriers = [Courier("r1", Point(100, 0), 0, 600), Courier("r2", Point(900, 0), 0, 600)]
    dense = cost_matrix(jobs, couriers, 0, P)
    rows, cols = np.nonzero(np.ones_like(dense, dtype=bool))
    sparse = pair_costs(jobs, couriers, rows.astype(np.int64), cols.astype(np.int64), 0, P)
    assert np.allclose(sparse, dense[rows, cols])

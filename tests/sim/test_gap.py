"""The gap to the bound splits exactly into late pickups and detours; hindsight is exact."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sim.helpers import write_instance
from tiffin.optimiser import POLICIES
from tiffin.optimiser.reposition import RepositionParams
from tiffin.optimiser.routes import lower_bound_minutes
from tiffin.sim import solution
from tiffin.sim.gap import HindsightForecast, breakdown, foreseen
from tiffin.sim.mdrp import load
from tiffin.sim.metrics import figures
from tiffin.sim.simulator import simulate


@pytest.mark.parametrize("policy", ["tiffin", "greedy"])
def test_the_gap_is_late_pickup_plus_detour(tmp_path: Path, policy: str) -> None:
    day = load(write_instance(tmp_path / "day", orders=120, couriers=10, seed=5))
    result = simulate(day, POLICIES[policy])
    gap = breakdown(result)
    assert gap.delivered == len(result.deliveries) > 0
    assert gap.click_to_door == pytest.approx(figures(result).click_to_door_mean)
    assert gap.ready_to_pickup == pytest.approx(figures(result).ready_to_pickup_mean)
    assert gap.gap == pytest.approx(gap.late_pickup + gap.detour)
    assert gap.late_pickup > 0 and gap.detour >= 0
    assert sum(b.orders for b in gap.bands) == gap.delivered
    assert sum(b.late_minutes for b in gap.bands) / gap.delivered == pytest.approx(gap.late_pickup)


def test_hindsight_counts_exactly_the_orders_to_come(tmp_path: Path) -> None:
    day = load(write_instance(tmp_path / "day"))
    hindsight = HindsightForecast(day.jobs)
    for site in day.restaurants:
        for now in (590, 650, 700):
            coming = [j for j in day.jobs if now < j.placed_at <= now + 20]
            assert hindsight.expected(site, now, 20) == sum(j.merchant_id == site for j in coming)
    assert set(hindsight.sites()) == {j.merchant_id for j in day.jobs}


def test_a_day_repositioned_on_hindsight_is_still_feasible(tmp_path: Path) -> None:
    day = load(write_instance(tmp_path / "day", seed=2))
    result = simulate(
        day,
        POLICIES["tiffin"],
        reposition=RepositionParams(),
        forecast=HindsightForecast(day.jobs),
    )
    assert result.repositioned > 0
    solution.write(result, tmp_path / "out")
    assert solution.violations(day, tmp_path / "out") == []


def test_a_foreseen_day_is_measured_from_the_true_placement(tmp_path: Path) -> None:
    day = load(write_instance(tmp_path / "day", orders=120, couriers=10, seed=5))
    early = foreseen(day, 5)
    assert [j.placed_at + 5 for j in early.jobs] == [j.placed_at for j in day.jobs]
    assert [j.ready_at for j in early.jobs] == [j.ready_at for j in day.jobs]
    result = simulate(early, POLICIES["tiffin"])
    truth, as_run = breakdown(result, day), breakdown(result)
    assert truth.click_to_door == pytest.approx(as_run.click_to_door - 5)
    real = {j.id: j for j in day.jobs}
    bounds = [lower_bound_minutes(real[job_id], day.params) for job_id in result.deliveries]
    assert truth.bound == pytest.approx(sum(bounds) / len(bounds))
    assert truth.gap == pytest.approx(truth.late_pickup + truth.detour)

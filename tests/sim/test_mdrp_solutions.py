"""Simulated days written in the evaluator's format and checked against every rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.sim.helpers import write_instance
from tiffin.cli import app
from tiffin.errors import Invalid
from tiffin.optimiser import POLICIES
from tiffin.optimiser.reposition import RepositionParams
from tiffin.sim import solution
from tiffin.sim.mdrp import load
from tiffin.sim.metrics import figures
from tiffin.sim.simulator import simulate


@pytest.mark.parametrize("policy", sorted(POLICIES))
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("moves", [None, RepositionParams()], ids=["stay", "reposition"])
def test_every_written_solution_is_feasible(
    tmp_path: Path, policy: str, seed: int, moves: RepositionParams | None
) -> None:
    day = load(write_instance(tmp_path / "day", seed=seed))
    result = simulate(day, POLICIES[policy], reposition=moves)
    solution.write(result, tmp_path / "out")
    assert solution.violations(day, tmp_path / "out") == []
    assert len(result.deliveries) + len(result.undelivered) == len(day.jobs)
    for d in result.deliveries.values():  # no peeking at the future
        assert d.assigned_at >= d.job.placed_at and d.pickup_at >= d.job.ready_at


def test_the_checker_catches_a_broken_solution(tmp_path: Path) -> None:
    day = load(write_instance(tmp_path / "day"))
    solution.write(simulate(day, POLICIES["tiffin"]), tmp_path / "out")
    path = tmp_path / "out" / solution.ASSIGNMENTS
    header, first, *rest = path.read_text().splitlines()
    at, pickup, courier, *orders = first.split()
    path.write_text(
        "\n".join([header, f"{at} {int(pickup) - 30} {courier} {' '.join(orders)}", *rest]) + "\n"
    )
    problems = solution.violations(day, tmp_path / "out")
    assert any("before it was ready" in p for p in problems)


def test_tiffin_beats_the_greedy_baseline_on_a_busy_day(tmp_path: Path) -> None:
    day = load(write_instance(tmp_path / "day", orders=120, couriers=10, seed=5))
    ours = figures(simulate(day, POLICIES["tiffin"]))
    greedy = figures(simulate(day, POLICIES["greedy"]))
    assert ours.click_to_door_mean < greedy.click_to_door_mean
    assert ours.click_to_door_mean >= ours.lower_bound_mean


def test_a_folder_that_is_not_mdrp_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Invalid):
        load(tmp_path)


def test_simulate_command_writes_the_three_files_and_a_summary(tmp_path: Path) -> None:
    folder = write_instance(tmp_path / "day")
    result = CliRunner().invoke(
        app, ["simulate", "mdrp", str(folder), "--out", str(tmp_path / "out"), "--policy", "greedy"]
    )
    assert result.exit_code == 0, result.output
    assert "feasible" in result.output
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert names == {solution.ASSIGNMENTS, solution.ORDERS, solution.COURIERS, "summary.json"}
    bad = CliRunner().invoke(
        app, ["simulate", "mdrp", str(folder), "--out", str(tmp_path), "--policy", "psychic"]
    )
    assert bad.exit_code == 1 and "unknown policy" in bad.output


def test_repositioning_moves_riders_and_stays_feasible(tmp_path: Path) -> None:
    day = load(write_instance(tmp_path / "day", orders=300, couriers=60, restaurants=4, seed=9))
    result = simulate(day, POLICIES["tiffin"], reposition=RepositionParams())
    solution.write(result, tmp_path / "out")
    assert result.repositioned > 0
    assert solution.violations(day, tmp_path / "out") == []

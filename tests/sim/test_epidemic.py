"""The epidemic day: nobody who failed the check rides, no ride enters a closed zone, nothing is
stranded, every customer in a zone is told, and the closures' cost is measured."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tiffin.cli import app
from tiffin.sim.epidemic import run_epidemic


@pytest.mark.parametrize("seed", [1, 7])
def test_the_epidemic_day_keeps_its_promises(seed: int) -> None:
    day = run_epidemic(seed)
    assert day["riders_refused_at_check"] == round(0.15 * day["riders_checked"])
    assert day["ineligible_shift_starts"] == 0
    assert day["closed_zone_entries"] == 0
    assert day["stranded_orders"] == 0
    assert day["zone_customers"] > 0 and day["zone_customers_told_pct"] == 100.0
    assert day["closure_cost_minutes_per_order"] == pytest.approx(
        day["click_to_door_mean"] - day["click_to_door_mean_without_closures"], abs=0.01
    )


def test_the_same_seed_gives_the_same_day_through_the_cli() -> None:
    args = ["simulate", "campus", "--scenario", "epidemic", "--seed", "3", "--json"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.output) == run_epidemic(3)

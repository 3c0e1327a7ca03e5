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


@pytest.mark.parametrize("seed", [1, 7])
def test_early_warning_runs_and_its_recommendations_are_carried_out(seed: int) -> None:
    day = run_epidemic(seed)
    ew = day["early_warning"]
    # the model looked at the day and warned before the zones closed
    assert ew["first_warning_at"] is not None and ew["first_warning_minutes_before_closure"] > 0
    assert len(ew["outlook"]) >= 4 and ew["outlook"][0]["forecast"]["orders_expected"] > 0
    applied = {a["id"].rsplit(":", 1)[1] for a in ew["actions_applied"]}
    assert {"call_standby", "extend_promise"} <= applied
    # each kind changed the simulated day: standby riders rode, promises grew and fell back
    assert ew["standby_riders_on_shift"] > 0 and ew["standby_deliveries"] > 0
    assert 10 < ew["promise_buffer_minutes_max"] <= 10 + 30
    assert ew["promise_buffer_minutes_final"] == 10
    # the tenant's own rate, measured on its past days, not the city's 3
    assert ew["orders_per_rider_hour_model"] > 3.0
    assert ew["with_early_warning"] != ew["without_early_warning"]
    assert ew["without_early_warning"]["click_to_door_mean"] == day["click_to_door_mean"]
    # the day's promises hold with early warning applied too
    assert ew["closed_zone_entries"] == 0
    assert ew["zone_customers_told_pct"] == 100.0
    for run in ("with_early_warning", "with_early_warning_no_pause", "without_early_warning"):
        out = ew[run]
        assert out["stranded_orders"] == 0
        assert out["delivered"] + out["cancelled"] + out["refused_at_checkout"] == day["orders"]


@pytest.mark.parametrize("seed", [1, 3, 7])
def test_early_warning_is_no_worse_than_the_day_without_it(seed: int) -> None:
    ew = run_epidemic(seed)["early_warning"]
    with_it, without = ew["with_early_warning"], ew["without_early_warning"]
    assert with_it["cancelled"] <= without["cancelled"]
    assert with_it["delivered"] >= without["delivered"]
    assert with_it["late_orders"] <= without["late_orders"]
    # the forecast follows the rush: once it is over, nothing more is recommended
    quiet = [o["at"] for o in ew["outlook"] if o["forecast"]["shortfall_riders"] == 0]
    assert quiet and all(a["at"] < quiet[0] for a in ew["actions_applied"])


def test_the_same_seed_gives_the_same_day_through_the_cli() -> None:
    args = ["simulate", "campus", "--scenario", "epidemic", "--seed", "3", "--json"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.output) == run_epidemic(3)

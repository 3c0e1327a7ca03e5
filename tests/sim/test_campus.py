"""Campus crisis scenarios: deterministic, and no order is ever left without an outcome."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tiffin.cli import app
from tiffin.dispatch import POLICIES
from tiffin.dispatch.reposition import RepositionParams
from tiffin.sim import campus
from tiffin.sim.simulator import simulate


def run(name: str, seed: int) -> dict[str, object]:
    day, plan = campus.build(name, seed)
    result = simulate(day, POLICIES["tiffin"], reposition=RepositionParams(), crisis=plan)
    for job in day.jobs:  # every order ends delivered, or cancelled with a reason
        assert job.id in result.deliveries or result.cancelled.get(job.id), job.id
    return campus.report(name, seed, result)


@pytest.mark.parametrize("name", sorted(campus.SCENARIOS))
def test_every_scenario_resolves_every_order(name: str) -> None:
    figures = run(name, seed=3)
    assert figures["stranded"] == 0
    assert figures["delivered"] + figures["cancelled"] == figures["orders"]  # type: ignore[operator]


def test_the_same_seed_gives_the_same_day() -> None:
    assert run("storm-lunch", 7) == run("storm-lunch", 7)
    assert run("storm-lunch", 7) != run("storm-lunch", 8)


def test_riders_dropping_out_mid_shift_get_their_orders_redispatched() -> None:
    figures = run("rider-dropout", seed=2)
    assert figures["riders_dropped"] == 3
    assert figures["redispatched"] > 0 or figures["cancelled"] > 0  # type: ignore[operator]
    reasons = figures["cancelled_by_reason"]
    assert set(reasons) <= {"rider dropped out with the food"}  # type: ignore[arg-type]
    assert figures["delivered"] >= 0.9 * figures["orders"]  # type: ignore[operator]


def test_a_storm_slows_deliveries_down() -> None:
    calm, storm = run("normal-lunch", 4), run("storm-lunch", 4)
    assert storm["click_to_door_mean"] > calm["click_to_door_mean"]  # type: ignore[operator]


def test_campus_command_lists_and_prints_json() -> None:
    listed = CliRunner().invoke(app, ["simulate", "campus", "--list"])
    assert listed.exit_code == 0 and "storm-lunch" in listed.output
    shown = CliRunner().invoke(
        app, ["simulate", "campus", "--scenario", "cancellations", "--seed", "5", "--json"]
    )
    assert shown.exit_code == 0
    assert json.loads(shown.output)["scenario"] == "cancellations"
    bad = CliRunner().invoke(app, ["simulate", "campus", "--scenario", "meteor"])
    assert bad.exit_code == 1

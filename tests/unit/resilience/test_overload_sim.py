"""The overload scenario on a virtual clock: the real admission rule keeps the core's latency
bounded and one tenant's burst off the other's core, where admitting everything does not."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tiffin.cli import app
from tiffin.sim.overload import run


def test_the_rule_keeps_the_core_moving_and_the_burst_to_its_tenant() -> None:
    figures = run(seed=1)
    on, off = figures["with_admission"], figures["without_admission"]
    assert on["core_p99_ms"] < 500 < off["core_p99_ms"]  # the queue grows without bound
    assert on["core_success_pct_campus"] >= 99  # the quiet tenant's core is untouched
    assert on["core_success_pct_city"] < on["core_success_pct_campus"]  # the burst pays
    assert on["deferrable_success_pct"] <= on["important_success_pct"] <= on["core_success_pct"]
    assert run(seed=1) == figures  # deterministic for a seed


def test_the_scenario_is_on_the_simulate_command() -> None:
    result = CliRunner().invoke(app, ["simulate", "campus", "--scenario", "overload"])
    assert result.exit_code == 0
    assert json.loads(result.output)["scenario"] == "overload"
    listed = CliRunner().invoke(app, ["simulate", "campus", "--list"])
    assert "overload" in listed.output

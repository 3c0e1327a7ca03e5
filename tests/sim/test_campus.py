"""Campus crisis scenarios: deterministic, and no order is ever left without an outcome."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tiffin.care.policy import DEFAULT_POLICY
from tiffin.cli import app
from tiffin.optimiser import POLICIES
from tiffin.optimiser.reposition import RepositionParams
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
    assert figures["stranded_orders"] == 0
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


CARE_FIGURES = (
    "anomalies_by_type",
    "detection_delay_s_mean",
    "affected_customers_notified_pct",
    "notification_delay_p50_s",
    "notification_delay_p99_s",
    "redispatch_success_pct",
    "compensation_per_affected_order_cents",
    "stranded_orders",
)


def test_a_storm_day_through_the_anomaly_engine_reaches_everyone_and_strands_nobody() -> None:
    shown = CliRunner().invoke(
        app, ["simulate", "campus", "--scenario", "storm-lunch", "--seed", "2", "--json"]
    )
    figures = json.loads(shown.output)
    assert set(CARE_FIGURES) <= set(figures)
    assert figures["stranded_orders"] == 0
    assert figures["affected_customers_notified_pct"] == 100.0
    kinds = figures["anomalies_by_type"]
    assert kinds["delivered_late"] > 0 and kinds["no_rider"] > 0
    assert figures["liable"]["force_majeure"] > 0  # the storm window is nobody's fault
    assert figures["notification_delay_p50_s"] <= figures["notification_delay_p99_s"]


def test_late_kitchens_are_charged_to_the_merchant() -> None:
    figures = campus.run_day("late-kitchens", 1)
    assert figures["anomalies_by_type"]["food_late"] > 0
    assert figures["liable"]["merchant"] > 0


def test_riders_who_drop_out_are_detected_and_their_orders_rescued() -> None:
    figures = campus.run_day("rider-dropout", 1)
    assert figures["anomalies_by_type"]["rider_lost"] > 0
    assert figures["redispatch_success_pct"] == 100.0


def test_two_compensation_policies_compare_on_the_same_day(tmp_path: Path) -> None:
    thrifty = DEFAULT_POLICY.model_dump(mode="json") | {"version": 2, "daily_budget_cents": 5000}
    path = tmp_path / "thrifty.json"
    path.write_text(json.dumps(thrifty))
    base = campus.run_day("storm-lunch", 3)
    shown = CliRunner().invoke(
        app,
        [
            "simulate",
            "campus",
            "--scenario",
            "storm-lunch",
            "--seed",
            "3",
            "--json",
            "--compensation",
            str(path),
        ],
    )
    cheap = json.loads(shown.output)
    assert cheap["policy_version"] == 2 and cheap["budget_hit"]
    assert cheap["compensation_cents"] <= 5000 < base["compensation_cents"]
    assert cheap["anomalies_by_type"] == base["anomalies_by_type"]  # the same day
    bad = CliRunner().invoke(
        app, ["simulate", "campus", "--scenario", "storm-lunch", "--compensation", "/nope.json"]
    )
    assert bad.exit_code == 1


def test_a_storm_day_sends_at_most_two_messages_per_affected_order() -> None:
    figures = campus.run_day("storm-lunch", 1)
    assert figures["messages_per_affected_order"] <= 2
    assert figures["inbox_messages"] > figures["messages"]  # the inbox keeps the full history


def test_an_incident_day_tells_each_customer_in_flight_once_at_each_end() -> None:
    figures = campus.run_day("storm-incident", 1)
    told = figures["incident_customers_told_at_open"]
    assert told > 0 and figures["incident_customers_told_at_resolution"] == told
    plain = campus.run_day("storm-lunch", 1)
    assert figures["messages"] == plain["messages"] + 2 * told


def test_crisis_mode_is_declared_for_the_storm_and_detected_without_a_warning() -> None:
    declared = campus.run_day("storm-lunch", 1)
    assert declared["mode_changes"][0]["to"] == "crisis"
    assert declared["mode_changes"][0]["reason"].startswith("declared: weather warning")
    assert declared["click_to_door_p90"] <= 82  # no worse than with the one fixed setting
    detected = campus.run_day("storm-undeclared", 1)
    assert detected["mode_changes"][0]["reason"].startswith("backlog")
    assert detected["mode_changes"][0]["at"] > declared["mode_changes"][0]["at"]
    quiet = campus.run_day("normal-lunch", 1)
    assert quiet["mode_changes"] == [] and quiet["crisis_minutes"] == 0

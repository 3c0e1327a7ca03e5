"""The CLI reads as prose: no Python type labels in --help, money and minutes in the tables."""

from __future__ import annotations

import click
import pytest
import typer
from typer.testing import CliRunner

from tiffin.cli import app
from tiffin.sim.figures import rows, yuan


def _commands(group: click.Group, prefix: list[str]) -> list[list[str]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _commands(command, [*prefix, name])
        else:
            found.append([*prefix, name])
    return found


@pytest.mark.parametrize(
    "words", _commands(typer.main.get_command(app), []), ids=lambda w: " ".join(w) or "tiffin"
)
def test_help_shows_no_python_type_labels(words: list[str]) -> None:
    shown = CliRunner().invoke(app, [*words, "--help"], terminal_width=100)
    assert shown.exit_code == 0, shown.output
    for label in ("<bool>", "<str>", "<int>", "<float>"):
        assert label not in shown.output, f"tiffin {' '.join(words)} --help shows {label}"


def test_money_reads_as_yuan() -> None:
    assert [yuan(c) for c in (0, 5, 1250, 498_80, -300)] == [
        "¥0.00",
        "¥0.05",
        "¥12.50",
        "¥498.80",
        "-¥3.00",
    ]


def test_a_campus_day_reads_in_words_and_units() -> None:
    table = dict(
        rows(
            {
                "scenario": "storm-lunch",
                "seed": 1,
                "click_to_door_mean": 52.06,
                "on_time_pct": 23.2,
                "anomalies_by_type": {"no_rider": 106, "delivered_late": 117},
                "compensation_per_affected_order_cents": 419,
                "redispatch_success_pct": None,
                "budget_hit": True,
                "notification_delay_p99_s": 0.93,
            }
        )
    )
    assert table == {
        "click to door, mean": "52.1 minutes",
        "on time (within 30 minutes)": "23.2 %",
        "abnormal orders by type": "delivered late 117, no rider 106",
        "compensation per affected order": "¥4.19",
        "re-dispatch success": "-",
        "daily budget reached": "yes",
        "notification delay, 99th percentile": "0.93 s",
    }


@pytest.mark.parametrize(
    "words", _commands(typer.main.get_command(app), []), ids=lambda w: " ".join(w) or "tiffin"
)
def test_every_option_is_named_in_lower_case(words: list[str]) -> None:
    """An option given only a metavar is named after it by some typer releases (``--PORT``), so
    every option names itself: ``make run PORT=8001`` must reach ``--port``."""
    command = typer.main.get_command(app)
    for word in words:
        command = command.commands[word]  # type: ignore[attr-defined]
    for param in command.params:
        for name in getattr(param, "opts", []):
            assert name == name.lower(), f"tiffin {' '.join(words)}: option {name}"

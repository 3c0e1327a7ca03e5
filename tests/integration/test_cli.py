"""The CLI: migrate and seed a fresh database, refuse bad input with a message and exit 1."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tiffin.cli import app

runner = CliRunner()


def test_migrate_then_seed_then_seed_again_is_harmless(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert runner.invoke(app, ["migrate", "--database-url", url]).exit_code == 0
    first = runner.invoke(app, ["seed", "--demo", "--if-empty", "--database-url", url])
    assert first.exit_code == 0 and "ops@campus.test" in first.output
    again = runner.invoke(app, ["seed", "--demo", "--if-empty", "--database-url", url])
    assert again.exit_code == 0 and "not seeding" in again.output
    assert "ops@campus.test" in again.output
    twice = runner.invoke(app, ["seed", "--demo", "--database-url", url])
    assert twice.exit_code == 1 and "exists already" in twice.output


def test_seed_without_saying_what_fails_clearly(tmp_path: Path) -> None:
    result = runner.invoke(app, ["seed", "--database-url", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 1 and "--demo" in result.output


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "migrate", "seed"):
        assert command in result.output

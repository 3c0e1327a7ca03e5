"""`tiffin drill schedule` and `tiffin drill history`: the live database is refused, a staging
one is scheduled for the tenant, and the history shows schedules and runs."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tiffin.cli import app
from tiffin.platform import Platform
from tiffin.seed import seed_demo


def test_the_cli_schedules_against_staging_only_and_shows_the_history(
    platform: Platform, database_url: str, tmp_path: Path
) -> None:
    with platform.uow() as uow:
        seed_demo(uow)
        uow.commit()
    cli = CliRunner()
    live = ["--database-url", database_url, "--tenant", "campus"]
    refused = cli.invoke(
        app, ["drill", "schedule", "--kind", "crash", "--staging-url", database_url, *live]
    )
    assert refused.exit_code == 1 and "live database" in refused.output
    staging = f"sqlite:///{tmp_path}/staging.db"
    made = cli.invoke(
        app,
        ["drill", "schedule", "--kind", "crash", "--staging-url", staging, "--kills", "1"]
        + ["--every-seconds", "86400", "--json", *live],
    )
    assert made.exit_code == 0, made.output
    drill = json.loads(made.output)
    assert drill["params"] == {"kills": 1} and drill["scheduled_by"].startswith("cli:")
    wrong = cli.invoke(
        app, ["drill", "schedule", "--kind", "flood", "--staging-url", staging, *live]
    )
    assert wrong.exit_code == 1 and "--kind" in wrong.output
    shown = cli.invoke(app, ["drill", "history", "--json", *live])
    assert shown.exit_code == 0, shown.output
    history = json.loads(shown.output)
    assert [s["id"] for s in history["schedules"]] == [drill["id"]] and history["runs"] == []
    table = cli.invoke(app, ["drill", "history", *live], terminal_width=200)
    assert table.exit_code == 0 and "crash" in table.output and "drill runs" in table.output

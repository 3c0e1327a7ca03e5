"""A backup taken while the database is in use restores with every order in it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.api.helpers import place
from tests.conftest import World
from tiffin.cli import app

runner = CliRunner()


def _order_ids(world: World) -> set[str]:
    return {o["id"] for o in world.client.get("/v1/orders", headers=world.auth("ops")).json()}


def test_backup_then_restore_finds_every_order(world: World, tmp_path: Path) -> None:
    if not world.platform.db.is_sqlite:
        pytest.skip("the online backup API is SQLite's; PostgreSQL uses pg_dump/pg_restore")
    url = world.platform.db.url
    for n in range(5):
        place(world, key=f"b{n}")
    before = _order_ids(world)
    saved = runner.invoke(app, ["backup", str(tmp_path / "lunch.db"), "--database-url", url])
    assert saved.exit_code == 0, saved.output
    place(world, key="after-the-backup")
    assert len(_order_ids(world)) == 6
    world.platform.db.dispose()
    back = runner.invoke(app, ["restore", str(tmp_path / "lunch.db"), "--database-url", url])
    assert back.exit_code == 0, back.output
    assert _order_ids(world) == before


def test_backup_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    pg = runner.invoke(
        app,
        [
            "backup",
            str(tmp_path / "x.db"),
            "--database-url",
            "postgresql://postgres@127.0.0.1/test",
        ],
    )
    assert pg.exit_code == 1 and "pg_dump" in pg.output
    missing = runner.invoke(
        app,
        [
            "restore",
            str(tmp_path / "none.db"),
            "--database-url",
            f"sqlite:///{tmp_path / 'live.db'}",
        ],
    )
    assert missing.exit_code == 1 and "does not exist" in " ".join(missing.output.split())

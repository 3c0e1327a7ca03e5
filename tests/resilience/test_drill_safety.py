"""Drills run only on a database they created, or on an empty one named explicitly: a
database holding anyone else's data is refused before anything is written (issues 14, 21)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from tiffin.cli import app
from tiffin.drills import overload
from tiffin.drills.safety import MARK, NotOurs, claim
from tiffin.drills.scenarios import prepare
from tiffin.platform import Platform
from tiffin.seed import seed_demo
from tiffin.settings import Settings
from tiffin.store import tables
from tiffin.store.db import Database


def _seeded_by_someone_else(url: str) -> None:
    platform = Platform.build(Settings(database_url=url, run_workers=False))
    with platform.uow() as uow:
        seed_demo(uow)
        uow.commit()
    platform.db.dispose()


def _count(url: str, table: object) -> int:
    db = Database(url)
    with db.engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(table)).scalar_one()  # type: ignore[arg-type]
    db.dispose()
    return int(n)


def test_an_empty_database_is_claimed_once_and_reused(database_url: str) -> None:
    assert claim(database_url) is True
    prepare(database_url)  # seeds the claimed database
    assert claim(database_url) is False  # an earlier drill's: fine
    prepare(database_url)
    assert _count(database_url, tables.tenants) >= 1
    db = Database(database_url)
    with db.engine.connect() as conn:
        c = tables.consumer_offsets.c
        assert conn.execute(select(c.consumer).where(c.consumer == MARK)).scalar_one() == MARK
    db.dispose()


def test_a_database_with_someone_elses_data_is_refused_untouched(database_url: str) -> None:
    _seeded_by_someone_else(database_url)
    tenants = _count(database_url, tables.tenants)
    with pytest.raises(NotOurs, match="did not create"):
        prepare(database_url)
    assert _count(database_url, tables.tenants) == tenants
    assert _count(database_url, tables.orders) == 0


@pytest.mark.parametrize("drill", [["crash", "--kills", "1"], ["overload", "--seconds", "1"]])
def test_every_drill_command_refuses_it(sqlite_url: str, drill: list[str]) -> None:
    _seeded_by_someone_else(sqlite_url)
    result = CliRunner().invoke(app, ["drill", *drill, "--database-url", sqlite_url])
    assert result.exit_code == 1 and "did not create" in result.output


def test_the_failover_drill_refuses_it_too(postgres_url: str) -> None:
    from tests.conftest import _truncate_postgres

    _truncate_postgres(postgres_url)
    _seeded_by_someone_else(postgres_url)
    result = CliRunner().invoke(app, ["drill", "failover", "--database-url", postgres_url])
    assert result.exit_code == 1 and "did not create" in result.output
    _truncate_postgres(postgres_url)


def test_a_short_overload_drill_keeps_the_core_and_loses_nothing(
    sqlite_url: str, tmp_path: Path
) -> None:
    """A smoke test of the whole drill (the figures in docs come from the full minute)."""
    report = overload.run(sqlite_url, workdir=tmp_path, seconds=3)
    f = report.figures
    assert f["lost"] == 0 and f["duplicated"] == 0, f["problems"]
    assert f["acknowledged"] > 0 and f["requests"]["deferrable"] > 0
    assert f["core_success_pct"] >= 99, f
    assert f["recovery_s"] is not None and f["recovery_s"] <= 30, f

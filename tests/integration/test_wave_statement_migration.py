"""Migration 0016 (statements about anomaly waves) builds what the metadata declares and goes
back down to 0014 and up again, on both databases."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect

from tiffin.platform import Platform
from tiffin.store import tables
from tiffin.store.db import alembic_config


def _statement_diff(platform: Platform) -> list[object]:
    with platform.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), tables.metadata)
    return [d for d in diff if "statement" in repr(d)]


def test_the_migration_matches_the_statements_table_down_and_up_again(platform: Platform) -> None:
    assert _statement_diff(platform) == []
    with platform.uow() as uow:  # a wave's statement, which cannot survive the way down
        uow.conn.execute(
            insert(tables.statements).values(
                id="stm_wave",
                tenant_id=None,
                incident_id=None,
                wave={"type": "no_rider"},
                created_by="ops",
                created_at=uow.clock.now(),
            )
        )
        uow.commit()
    with platform.db.engine.begin() as conn:
        cfg = alembic_config(platform.db.url)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0014")
        assert "wave" not in {c["name"] for c in inspect(conn).get_columns("statements")}
        command.upgrade(cfg, "head")
    assert _statement_diff(platform) == []

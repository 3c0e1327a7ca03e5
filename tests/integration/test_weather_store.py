"""Migration 0020 (weather windows with areas and CAP keys) builds what the metadata declares,
its triggers move the catalog version, and it goes down to 0019 and up again, on both
databases."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from tests.integration.helpers import seeded
from tests.integration.test_checkout_catalog import version
from tiffin.platform import Platform
from tiffin.store import tables
from tiffin.store.db import alembic_config


def _diff(platform: Platform) -> list[object]:
    with platform.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), tables.metadata)
    return [d for d in diff if "force_majeure" in repr(d)]


def test_the_migration_matches_the_metadata_down_and_up_again(platform: Platform) -> None:
    ids = seeded(platform)
    assert _diff(platform) == []
    with platform.db.engine.begin() as conn:
        cfg = alembic_config(platform.db.url)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0019")
        assert "areas" not in {c["name"] for c in inspect(conn).get_columns("force_majeure")}
        command.upgrade(cfg, "head")
    assert _diff(platform) == []
    before = version(platform, ids.tenant_id)
    with platform.db.engine.begin() as conn:  # the triggers are back after the round trip
        conn.execute(text("UPDATE force_majeure SET reason = reason || '!'"))
        conn.execute(
            text(
                "INSERT INTO force_majeure (id, tenant_id, starts_at, ends_at, reason,"
                " created_by, created_at) SELECT 'fmj_x', id, CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP, 'hail', 'ops', CURRENT_TIMESTAMP FROM tenants"
            )
        )
    assert version(platform, ids.tenant_id) > before

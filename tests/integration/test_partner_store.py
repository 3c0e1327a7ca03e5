"""Migration 0019 builds exactly what the metadata declares for partners, their keys, call log
and released exports, and the early-warning applications, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from tiffin.platform import Platform
from tiffin.store import tables

OURS = ("partners", "partner_keys", "partner_calls", "partner_releases", "warning_actions")


def test_migration_matches_the_metadata(platform: Platform) -> None:
    with platform.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), tables.metadata)
    ours = [d for d in diff if any(f"'{name}'" in repr(d) for name in OURS)]
    assert ours == [], ours
    assert set(OURS) <= set(tables.metadata.tables)

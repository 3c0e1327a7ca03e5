"""Migration 0018 builds exactly what the metadata declares for contactless orders, rider aid
and the emergency roster, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from tiffin.platform import Platform
from tiffin.store import tables

OURS = ("insurance_claims", "support_requests", "aid_steps", "emergency_roster")
ORDER_COLUMNS = ("contactless", "dropoff_code", "handover", "handover_photo_ref")


def test_migration_matches_the_metadata(platform: Platform) -> None:
    with platform.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), tables.metadata)
    ours = [d for d in diff if any(name in repr(d) for name in OURS + ORDER_COLUMNS)]
    assert ours == []
    columns = {c.name for c in tables.orders.columns}
    assert set(ORDER_COLUMNS) <= columns

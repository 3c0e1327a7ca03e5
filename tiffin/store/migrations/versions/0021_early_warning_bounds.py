"""early warning's bounded actions: a zone's new orders paused until a time, and the tenant's
promise extension with its own expiry (issue 18)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 10:00:00

Columns on ``tenants`` and ``zones`` rather than a table of their own: checkout already keeps
copies of both rows, and the catalog triggers (migration 0006) already bump the tenant's version
when either changes, so a pause or an extension reaches every checkout with no extra read.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tiffin.store.types

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

WHEN = tiffin.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.add_column("zones", sa.Column("orders_paused_until", WHEN, nullable=True))
    op.add_column(
        "tenants",
        sa.Column("promise_extra_minutes", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("tenants", sa.Column("promise_extra_until", WHEN, nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a batch copy: recreating
    # ``tenants`` would drop a table every other table's foreign keys point at.
    op.drop_column("tenants", "promise_extra_until")
    op.drop_column("tenants", "promise_extra_minutes")
    op.drop_column("zones", "orders_paused_until")

"""a tenant's time zone: the times in customers' messages are read on the tenant's clock

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 12:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing tenants keep reading UTC until an operator says otherwise (no guess is made).
    op.add_column(
        "tenants",
        sa.Column("time_zone", sa.String(length=64), nullable=False, server_default="UTC"),
    )


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), as 0021 does: a batch copy recreates
    # ``tenants``, and with foreign keys on SQLite refuses to drop a table others point at.
    op.drop_column("tenants", "time_zone")

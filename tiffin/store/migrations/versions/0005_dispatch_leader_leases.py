"""dispatch leader leases: one process leads each tenant's dispatch; another takes over when
its lease lapses

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 06:50:14.106925
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tiffin.store.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("holder", sa.String(length=120), nullable=False),
        sa.Column("acquired_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )


def downgrade() -> None:
    op.drop_table("leases")

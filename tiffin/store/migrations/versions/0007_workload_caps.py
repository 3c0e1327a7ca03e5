"""workload caps per tenant: operators set how much a rider may take on

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tiffin.store.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workload_caps",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("max_orders_per_hour", sa.Integer(), nullable=False),
        sa.Column("max_continuous_minutes", sa.Integer(), nullable=False),
        sa.Column("max_carried", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=40), nullable=False),
        sa.Column("updated_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_workload_caps_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_workload_caps")),
    )


def downgrade() -> None:
    op.drop_table("workload_caps")

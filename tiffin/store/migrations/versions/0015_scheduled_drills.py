"""scheduled drills: crash, failover and overload drills on a cadence against a staging
database, and every run with its figures (issue 21)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 15:06:18.134246
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tiffin.store.types

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drill_schedules",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("staging_url", sa.String(length=500), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("every_seconds", sa.Integer(), nullable=False),
        sa.Column("next_run_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("scheduled_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_drill_schedules_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drill_schedules")),
    )
    with op.batch_alter_table("drill_schedules", schema=None) as batch_op:
        batch_op.create_index(
            "ix_drill_schedules_state_next", ["state", "next_run_at"], unique=False
        )
        batch_op.create_index(
            "ix_drill_schedules_tenant_created", ["tenant_id", "created_at"], unique=False
        )

    op.create_table(
        "drill_runs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("schedule_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("trigger", sa.String(length=10), nullable=False),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("requested_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("started_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("runner", sa.String(length=80), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=True),
        sa.Column("detail", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["drill_schedules.id"],
            name=op.f("fk_drill_runs_schedule_id_drill_schedules"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_drill_runs_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drill_runs")),
    )
    with op.batch_alter_table("drill_runs", schema=None) as batch_op:
        batch_op.create_index("ix_drill_runs_schedule", ["schedule_id"], unique=False)
        batch_op.create_index("ix_drill_runs_status", ["status"], unique=False)
        batch_op.create_index(
            "ix_drill_runs_tenant_requested", ["tenant_id", "requested_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("drill_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_drill_runs_tenant_requested")
        batch_op.drop_index("ix_drill_runs_status")
        batch_op.drop_index("ix_drill_runs_schedule")

    op.drop_table("drill_runs")
    with op.batch_alter_table("drill_schedules", schema=None) as batch_op:
        batch_op.drop_index("ix_drill_schedules_tenant_created")
        batch_op.drop_index("ix_drill_schedules_state_next")

    op.drop_table("drill_schedules")

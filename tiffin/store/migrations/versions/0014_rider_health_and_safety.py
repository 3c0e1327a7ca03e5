"""rider health and safety: tenant safety rules, health check-ins, training, insurance,
protective equipment stock and issuance (issue 18)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 11:47:24.441608
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tiffin.store.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("risk_zones", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("level", sa.String(length=10), server_default="high", nullable=False)
        )
    op.create_table(
        "equipment_stock",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("station", sa.String(length=80), nullable=False),
        sa.Column("item", sa.String(length=80), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=40), nullable=False),
        sa.Column("updated_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_equipment_stock_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "station", "item", name=op.f("pk_equipment_stock")),
    )
    op.create_table(
        "safety_rules",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("public_health_mode", sa.Boolean(), nullable=False),
        sa.Column("require_checkin", sa.Boolean(), nullable=False),
        sa.Column("max_temperature_tenths", sa.Integer(), nullable=False),
        sa.Column("require_negative_test", sa.Boolean(), nullable=False),
        sa.Column("checkin_valid_hours", sa.Integer(), nullable=False),
        sa.Column("require_training", sa.Boolean(), nullable=False),
        sa.Column("require_insurance", sa.Boolean(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=40), nullable=False),
        sa.Column("updated_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_safety_rules_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_safety_rules")),
    )
    op.create_table(
        "training_courses",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=False),
        sa.Column("required_in", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_training_courses_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_courses")),
        sa.UniqueConstraint("tenant_id", "name", name="uq_training_courses_tenant_name"),
    )
    op.create_table(
        "equipment_issues",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("rider_id", sa.String(length=40), nullable=False),
        sa.Column("station", sa.String(length=80), nullable=False),
        sa.Column("item", sa.String(length=80), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("issued_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["rider_id"], ["riders.id"], name=op.f("fk_equipment_issues_rider_id_riders")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_equipment_issues_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equipment_issues")),
    )
    with op.batch_alter_table("equipment_issues", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_equipment_issues_rider_id"), ["rider_id"], unique=False
        )

    op.create_table(
        "health_checkins",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("rider_id", sa.String(length=40), nullable=False),
        sa.Column("at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("temperature_tenths", sa.Integer(), nullable=False),
        sa.Column("symptoms", sa.JSON(), nullable=False),
        sa.Column("test_result", sa.String(length=20), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("refusals", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rider_id"], ["riders.id"], name=op.f("fk_health_checkins_rider_id_riders")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_health_checkins_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_checkins")),
    )
    with op.batch_alter_table("health_checkins", schema=None) as batch_op:
        batch_op.create_index("ix_health_checkins_rider_at", ["rider_id", "at"], unique=False)
        batch_op.create_index("ix_health_checkins_tenant_at", ["tenant_id", "at"], unique=False)

    op.create_table(
        "insurance_policies",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("rider_id", sa.String(length=40), nullable=False),
        sa.Column("insurer", sa.String(length=120), nullable=False),
        sa.Column("policy_number", sa.String(length=60), nullable=False),
        sa.Column("valid_from", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["rider_id"], ["riders.id"], name=op.f("fk_insurance_policies_rider_id_riders")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_insurance_policies_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insurance_policies")),
        sa.UniqueConstraint(
            "tenant_id", "policy_number", name="uq_insurance_policies_tenant_number"
        ),
    )
    with op.batch_alter_table("insurance_policies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_insurance_policies_rider_id"), ["rider_id"], unique=False
        )

    op.create_table(
        "training_records",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("rider_id", sa.String(length=40), nullable=False),
        sa.Column("course_id", sa.String(length=40), nullable=False),
        sa.Column("completed_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["training_courses.id"],
            name=op.f("fk_training_records_course_id_training_courses"),
        ),
        sa.ForeignKeyConstraint(
            ["rider_id"], ["riders.id"], name=op.f("fk_training_records_rider_id_riders")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_training_records_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_records")),
    )
    with op.batch_alter_table("training_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_records_rider_id"), ["rider_id"], unique=False
        )

    op.create_table(
        "rider_telemetry",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("rider_id", sa.String(length=40), nullable=False),
        sa.Column("at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("speed_mps", sa.Float(), nullable=False),
        sa.Column("impact", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rider_telemetry")),
    )
    op.create_index("ix_rider_telemetry_rider_at", "rider_telemetry", ["rider_id", "at"])
    op.create_index("ix_rider_telemetry_tenant_at", "rider_telemetry", ["tenant_id", "at"])
    op.create_table(
        "rider_alerts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("rider_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["rider_id"], ["riders.id"], name=op.f("fk_rider_alerts_rider_id_riders")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_rider_alerts_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rider_alerts")),
        sa.UniqueConstraint("dedupe_key", name="uq_rider_alerts_dedupe_key"),
    )
    op.create_index("ix_rider_alerts_tenant_at", "rider_alerts", ["tenant_id", "at"])

    op.create_table(
        "trace_queries",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("asked_by", sa.String(length=40), nullable=False),
        sa.Column("why", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.String(length=40), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("since", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("until", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("radius_m", sa.Float(), nullable=False),
        sa.Column("asked_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_trace_queries_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trace_queries")),
    )
    op.create_index("ix_trace_queries_tenant_asked", "trace_queries", ["tenant_id", "asked_at"])


def downgrade() -> None:
    op.drop_table("trace_queries")
    op.drop_table("rider_alerts")
    op.drop_table("rider_telemetry")
    with op.batch_alter_table("risk_zones", schema=None) as batch_op:
        batch_op.drop_column("level")
    with op.batch_alter_table("training_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_records_rider_id"))

    op.drop_table("training_records")
    with op.batch_alter_table("insurance_policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_insurance_policies_rider_id"))

    op.drop_table("insurance_policies")
    with op.batch_alter_table("health_checkins", schema=None) as batch_op:
        batch_op.drop_index("ix_health_checkins_tenant_at")
        batch_op.drop_index("ix_health_checkins_rider_at")

    op.drop_table("health_checkins")
    with op.batch_alter_table("equipment_issues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_equipment_issues_rider_id"))

    op.drop_table("equipment_issues")
    op.drop_table("training_courses")
    op.drop_table("safety_rules")
    op.drop_table("equipment_stock")

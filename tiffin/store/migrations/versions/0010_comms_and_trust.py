"""comms and trust: statements and their versions, sentiment records and waves, loop closures

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tiffin.store.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ID = sa.String(length=40)


def _when(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, tiffin.store.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "statements",
        sa.Column("id", ID, nullable=False),
        sa.Column("tenant_id", ID, nullable=True),
        sa.Column("incident_id", ID, nullable=False),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        _when("created_at"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_statements_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_statements_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
    )
    op.create_index(op.f("ix_statements_incident_id"), "statements", ["incident_id"], unique=False)
    op.create_table(
        "statement_versions",
        sa.Column("statement_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(length=60), nullable=False),
        _when("created_at"),
        _when("published_at", nullable=True),
        sa.Column("published_by", sa.String(length=60), nullable=True),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f("fk_statement_versions_statement_id_statements"),
        ),
        sa.PrimaryKeyConstraint("statement_id", "version", name=op.f("pk_statement_versions")),
    )
    op.create_table(
        "sentiment_records",
        sa.Column("id", ID, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.String(length=80), nullable=False),
        sa.Column("order_id", ID, nullable=True),
        sa.Column("merchant_id", ID, nullable=True),
        sa.Column("zone", sa.String(length=60), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("label", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        _when("created_at"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_sentiment_records_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sentiment_records")),
        sa.UniqueConstraint("source", "source_id", name="uq_sentiment_records_source"),
    )
    op.create_index(
        "ix_sentiment_records_tenant_created",
        "sentiment_records",
        ["tenant_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "sentiment_waves",
        sa.Column("id", ID, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("dimension", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        _when("window_start"),
        sa.Column("negatives", sa.Integer(), nullable=False),
        sa.Column("incident_id", ID, nullable=True),
        _when("created_at"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_sentiment_waves_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_sentiment_waves_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sentiment_waves")),
        sa.UniqueConstraint(
            "tenant_id", "dimension", "key", "window_start", name="uq_sentiment_waves_window"
        ),
    )
    op.create_table(
        "loop_closures",
        sa.Column("id", ID, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("anomaly_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("change", sa.String(length=20), nullable=False),
        sa.Column("words", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        _when("created_at"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_loop_closures_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["anomaly_id"], ["anomalies.id"], name=op.f("fk_loop_closures_anomaly_id_anomalies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loop_closures")),
        sa.UniqueConstraint("anomaly_id", "change", name="uq_loop_closures_anomaly_change"),
    )


def downgrade() -> None:
    op.drop_table("loop_closures")
    op.drop_table("sentiment_waves")
    op.drop_index("ix_sentiment_records_tenant_created", table_name="sentiment_records")
    op.drop_table("sentiment_records")
    op.drop_table("statement_versions")
    op.drop_index(op.f("ix_statements_incident_id"), table_name="statements")
    op.drop_table("statements")

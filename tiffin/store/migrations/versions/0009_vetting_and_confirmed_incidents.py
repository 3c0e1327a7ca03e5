"""vetting of riders and merchants, operator-confirmed incidents, subscriptions per tenant

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tiffin.store.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_confirmations",
        sa.Column("incident_id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("confirmed_by", sa.String(length=60), nullable=False),
        sa.Column("confirmed_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_confirmations_incident_id_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_incident_confirmations_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("incident_id", "tenant_id", name=op.f("pk_incident_confirmations")),
    )
    op.create_table(
        "account_reviews",
        sa.Column("subject_id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=1000), server_default="", nullable=False),
        sa.Column("reviewed_by", sa.String(length=60), nullable=True),
        sa.Column("reviewed_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_account_reviews_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("subject_id", name=op.f("pk_account_reviews")),
    )
    op.create_index("ix_account_reviews_tenant_status", "account_reviews", ["tenant_id", "status"])
    # A subscription is unique within its tenant, never across tenants.
    with op.batch_alter_table("status_subscribers") as batch:
        batch.drop_constraint("uq_status_subscribers_target", type_="unique")
        batch.create_unique_constraint(
            "uq_status_subscribers_target", ["tenant_id", "component", "channel", "address"]
        )


def downgrade() -> None:
    with op.batch_alter_table("status_subscribers") as batch:
        batch.drop_constraint("uq_status_subscribers_target", type_="unique")
        batch.create_unique_constraint(
            "uq_status_subscribers_target", ["component", "channel", "address"]
        )
    op.drop_index("ix_account_reviews_tenant_status", table_name="account_reviews")
    op.drop_table("account_reviews")
    op.drop_table("incident_confirmations")

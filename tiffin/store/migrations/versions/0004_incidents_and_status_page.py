"""incidents and status page: incidents, their updates, status-page subscribers, and an
address on notifications (a subscriber's email or webhook)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 06:31:04.187443
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tiffin.store.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("started_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("opened_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("opened_by", sa.String(length=60), nullable=False),
        sa.Column("made_good_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("made_good_orders", sa.Integer(), server_default="0", nullable=False),
        sa.Column("made_good_cents", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_incidents_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index("ix_incidents_state", ["state"], unique=False)

    op.create_table(
        "status_subscribers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("component", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_status_subscribers_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_subscribers")),
        sa.UniqueConstraint("component", "channel", "address", name="uq_status_subscribers_target"),
    )
    with op.batch_alter_table("status_subscribers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_status_subscribers_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "incident_updates",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("incident_id", sa.String(length=40), nullable=False),
        sa.Column("at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=60), nullable=False),
        sa.Column("internal", sa.Boolean(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_updates_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_updates")),
    )
    with op.batch_alter_table("incident_updates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_updates_incident_id"), ["incident_id"], unique=False
        )

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("address")

    with op.batch_alter_table("incident_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_updates_incident_id"))

    op.drop_table("incident_updates")
    with op.batch_alter_table("status_subscribers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_subscribers_tenant_id"))

    op.drop_table("status_subscribers")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_state")

    op.drop_table("incidents")

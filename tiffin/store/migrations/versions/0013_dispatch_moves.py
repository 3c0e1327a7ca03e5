"""dispatch modes (normal / crisis, declarations, switch log), move offers, pay, slip payouts

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tiffin.store.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dispatch_modes",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("since", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("above_since", sa.Integer(), nullable=True),
        sa.Column("below_since", sa.Integer(), nullable=True),
        sa.Column("updated_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_dispatch_modes_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_dispatch_modes")),
    )
    op.create_table(
        "dispatch_declarations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("declared_by", sa.String(length=40), nullable=False),
        sa.Column("declared_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lifted_by", sa.String(length=40), nullable=True),
        sa.Column("lifted_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lift_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_dispatch_declarations_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_declarations")),
    )
    op.create_index(
        op.f("ix_dispatch_declarations_tenant_id"),
        "dispatch_declarations",
        ["tenant_id"],
        unique=False,
    )
    op.create_table(
        "dispatch_mode_changes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("previous", sa.String(length=10), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_dispatch_mode_changes_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_mode_changes")),
    )
    op.create_index(
        op.f("ix_dispatch_mode_changes_tenant_id"),
        "dispatch_mode_changes",
        ["tenant_id"],
        unique=False,
    )
    op.create_table(
        "move_offers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("rider_id", sa.String(length=40), nullable=False),
        sa.Column("merchant_id", sa.String(length=40), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("why", sa.String(length=300), nullable=False),
        sa.Column("ride_minutes", sa.Integer(), nullable=False),
        sa.Column("wait_minutes", sa.Integer(), nullable=False),
        sa.Column("pay_cents", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decline_reason", sa.String(length=300), nullable=True),
        sa.Column("created_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_move_offers_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["rider_id"], ["riders.id"], name=op.f("fk_move_offers_rider_id_riders")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_move_offers_merchant_id_merchants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_move_offers")),
    )
    op.create_index(
        "ix_move_offers_tenant_rider", "move_offers", ["tenant_id", "rider_id"], unique=False
    )
    op.create_table(
        "move_pay",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("pay_cents", sa.Integer(), nullable=False),
        sa.Column("wait_minutes", sa.Integer(), nullable=False),
        sa.Column("slip_pay_cents", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=40), nullable=False),
        sa.Column("updated_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_move_pay_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_move_pay")),
    )
    op.create_table(
        "slip_payouts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("rider_id", sa.String(length=40), nullable=False),
        sa.Column("pay_cents", sa.Integer(), nullable=False),
        sa.Column("at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_slip_payouts_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_slip_payouts_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["rider_id"], ["riders.id"], name=op.f("fk_slip_payouts_rider_id_riders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slip_payouts")),
        sa.UniqueConstraint("order_id", "rider_id", name="uq_slip_payouts_order_rider"),
    )
    op.create_index(op.f("ix_slip_payouts_tenant_id"), "slip_payouts", ["tenant_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_slip_payouts_tenant_id"), table_name="slip_payouts")
    op.drop_table("slip_payouts")
    op.drop_table("move_pay")
    op.drop_index("ix_move_offers_tenant_rider", table_name="move_offers")
    op.drop_table("move_offers")
    op.drop_index(op.f("ix_dispatch_mode_changes_tenant_id"), table_name="dispatch_mode_changes")
    op.drop_table("dispatch_mode_changes")
    op.drop_index(op.f("ix_dispatch_declarations_tenant_id"), table_name="dispatch_declarations")
    op.drop_table("dispatch_declarations")
    op.drop_table("dispatch_modes")

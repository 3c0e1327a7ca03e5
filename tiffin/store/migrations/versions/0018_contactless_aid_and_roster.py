"""contactless delivery on orders (choice, drop-off code, how it changed hands); insurance
claims, support requests and their steps; the emergency roster (issue 18)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tiffin.store.types

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

WHEN = tiffin.store.types.UTCDateTime(timezone=True)
ID = sa.String(length=40)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("contactless", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("dropoff_code", sa.String(length=12), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("handover", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("handover_photo_ref", sa.String(length=200), nullable=True))
    op.create_table(
        "insurance_claims",
        sa.Column("id", ID, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("rider_id", ID, nullable=False),
        sa.Column("policy_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("incident_at", WHEN, nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("claimed_cents", sa.Integer(), nullable=False),
        sa.Column("paid_cents", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("filed_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        _fk("insurance_claims", "tenant_id", "tenants"),
        _fk("insurance_claims", "rider_id", "riders"),
        _fk("insurance_claims", "policy_id", "insurance_policies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insurance_claims")),
    )
    op.create_index(
        "ix_insurance_claims_tenant_filed", "insurance_claims", ["tenant_id", "filed_at"]
    )
    op.create_index("ix_insurance_claims_rider_filed", "insurance_claims", ["rider_id", "filed_at"])
    op.create_table(
        "support_requests",
        sa.Column("id", ID, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("rider_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assigned_to", ID, nullable=True),
        sa.Column("filed_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        _fk("support_requests", "tenant_id", "tenants"),
        _fk("support_requests", "rider_id", "riders"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_requests")),
    )
    op.create_index(
        "ix_support_requests_tenant_filed", "support_requests", ["tenant_id", "filed_at"]
    )
    op.create_index("ix_support_requests_rider_filed", "support_requests", ["rider_id", "filed_at"])
    op.create_table(
        "aid_steps",
        sa.Column("case_id", ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("actor_id", ID, nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "seq", name=op.f("pk_aid_steps")),
    )
    op.create_table(
        "emergency_roster",
        sa.Column("id", ID, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("merchant_id", ID, nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=80), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("on_call_from", WHEN, nullable=False),
        sa.Column("on_call_until", WHEN, nullable=False),
        sa.Column("created_by", ID, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        _fk("emergency_roster", "tenant_id", "tenants"),
        _fk("emergency_roster", "merchant_id", "merchants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_roster")),
    )
    op.create_index(
        "ix_emergency_roster_tenant_until", "emergency_roster", ["tenant_id", "on_call_until"]
    )


def downgrade() -> None:
    op.drop_index("ix_emergency_roster_tenant_until", table_name="emergency_roster")
    op.drop_table("emergency_roster")
    op.drop_table("aid_steps")
    op.drop_index("ix_support_requests_rider_filed", table_name="support_requests")
    op.drop_index("ix_support_requests_tenant_filed", table_name="support_requests")
    op.drop_table("support_requests")
    op.drop_index("ix_insurance_claims_rider_filed", table_name="insurance_claims")
    op.drop_index("ix_insurance_claims_tenant_filed", table_name="insurance_claims")
    op.drop_table("insurance_claims")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("handover_photo_ref")
        batch_op.drop_column("handover")
        batch_op.drop_column("dropoff_code")
        batch_op.drop_column("contactless")

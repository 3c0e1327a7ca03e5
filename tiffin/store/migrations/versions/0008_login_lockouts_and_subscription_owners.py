"""login lockouts and status subscription owners (issue 20: brute force, webhook caps)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tiffin.store.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("account_key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", tiffin.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_key", name=op.f("pk_login_failures")),
    )
    op.create_table(
        "status_subscription_owners",
        sa.Column("subscription_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["status_subscribers.id"],
            name=op.f("fk_status_subscription_owners_subscription_id_status_subscribers"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_status_subscription_owners_user_id_users")
        ),
        sa.PrimaryKeyConstraint(
            "subscription_id", "user_id", name=op.f("pk_status_subscription_owners")
        ),
    )
    op.create_index(
        op.f("ix_status_subscription_owners_user_id"),
        "status_subscription_owners",
        ["user_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_status_subscription_owners_user_id"), table_name="status_subscription_owners"
    )
    op.drop_table("status_subscription_owners")
    op.drop_table("login_failures")

"""partners of a tenant with hashed, scoped keys, their call log and the tracing exports released
to them; early-warning recommendations applied (issue 18)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tiffin.store.types

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

WHEN = tiffin.store.types.UTCDateTime(timezone=True)
ID = sa.String(length=40)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("id", ID, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_by", ID, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        _fk("partners", "tenant_id", "tenants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
    )
    op.create_index(op.f("ix_partners_tenant_id"), "partners", ["tenant_id"])
    op.create_table(
        "partner_keys",
        sa.Column("id", ID, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("partner_id", ID, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_by", ID, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=True),
        sa.Column("revoked_at", WHEN, nullable=True),
        sa.Column("replaced_by", ID, nullable=True),
        _fk("partner_keys", "tenant_id", "tenants"),
        _fk("partner_keys", "partner_id", "partners"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_keys")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_partner_keys_token_hash")),
    )
    op.create_index(op.f("ix_partner_keys_partner_id"), "partner_keys", ["partner_id"])
    op.create_table(
        "partner_calls",
        sa.Column("id", ID, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("partner_id", ID, nullable=False),
        sa.Column("key_id", ID, nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("route", sa.String(length=200), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        _fk("partner_calls", "tenant_id", "tenants"),
        _fk("partner_calls", "partner_id", "partners"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_calls")),
    )
    op.create_index("ix_partner_calls_tenant_at", "partner_calls", ["tenant_id", "at"])
    op.create_table(
        "partner_releases",
        sa.Column("id", ID, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("partner_id", ID, nullable=False),
        sa.Column("trace_id", ID, nullable=False),
        sa.Column("export", sa.JSON(), nullable=False),
        sa.Column("released_by", ID, nullable=False),
        sa.Column("released_at", WHEN, nullable=False),
        _fk("partner_releases", "tenant_id", "tenants"),
        _fk("partner_releases", "partner_id", "partners"),
        _fk("partner_releases", "trace_id", "trace_queries"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_releases")),
    )
    op.create_index(
        "ix_partner_releases_partner_at", "partner_releases", ["partner_id", "released_at"]
    )
    op.create_table(
        "warning_actions",
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("recommendation_id", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("applied_by", ID, nullable=False),
        sa.Column("applied_at", WHEN, nullable=False),
        _fk("warning_actions", "tenant_id", "tenants"),
        sa.PrimaryKeyConstraint("tenant_id", "recommendation_id", name=op.f("pk_warning_actions")),
    )


def downgrade() -> None:
    op.drop_table("warning_actions")
    op.drop_index("ix_partner_releases_partner_at", table_name="partner_releases")
    op.drop_table("partner_releases")
    op.drop_index("ix_partner_calls_tenant_at", table_name="partner_calls")
    op.drop_table("partner_calls")
    op.drop_index(op.f("ix_partner_keys_partner_id"), table_name="partner_keys")
    op.drop_table("partner_keys")
    op.drop_index(op.f("ix_partners_tenant_id"), table_name="partners")
    op.drop_table("partners")

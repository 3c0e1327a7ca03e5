"""early warning's bounded actions: a zone's new orders paused until a time, and the tenant's
promise extension with its own expiry (issue 18)

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-02 10:00:00

Columns on ``tenants`` and ``zones`` rather than a table of their own: checkout already keeps
copies of both rows, and the catalog triggers (migration 0006) already bump the tenant's version
when either changes, so a pause or an extension reaches every checkout with no extra read.
(Revises 0019: 0020 is another branch's; whoever merges both chains 0021 after 0020.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tiffin.store.types

revision = "0021"
down_revision = "0019"
branch_labels = None
depends_on = None

WHEN = tiffin.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.add_column("zones", sa.Column("orders_paused_until", WHEN, nullable=True))
    op.add_column(
        "tenants",
        sa.Column("promise_extra_minutes", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("tenants", sa.Column("promise_extra_until", WHEN, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("promise_extra_until")
        batch.drop_column("promise_extra_minutes")
    with op.batch_alter_table("zones") as batch:
        batch.drop_column("orders_paused_until")

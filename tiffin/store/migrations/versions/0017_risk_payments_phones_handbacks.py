"""risk features by payment instrument and phone, and the rider hand-back checkpoint: the
instrument that paid each order, customers' phone keys (backfilled), the rider on a decision and
a case, and indexes on riders' assignment and hand-back steps and on orders' doors (issue 16)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tiffin.store.types

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

ID = sa.String(length=40)
RIDER_STEPS = sa.text("action IN ('assign', 'unassign')")


def _phone_key(phone: str) -> str | None:
    """As ``tiffin.domain.people.phone_key`` on the day this migration was written (a
    migration must not change with the code)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[-10:] if len(digits) >= 5 else None


def upgrade() -> None:
    op.create_table(
        "order_payments",
        sa.Column("order_id", ID, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("instrument", sa.String(length=128), nullable=False),
        sa.Column("placed_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_order_payments_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_order_payments")),
    )
    op.create_index(
        "ix_order_payments_instrument",
        "order_payments",
        ["tenant_id", "instrument", "placed_at"],
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_key", sa.String(length=20), nullable=True))
        batch_op.create_index("ix_customers_phone_key", ["tenant_id", "phone_key"])
    customers = sa.table(
        "customers", sa.column("id", ID), sa.column("phone"), sa.column("phone_key")
    )
    conn = op.get_bind()
    for row in conn.execute(sa.select(customers.c.id, customers.c.phone)).all():
        key = _phone_key(row.phone or "")
        if key is not None:
            conn.execute(sa.update(customers).where(customers.c.id == row.id).values(phone_key=key))
    for table in ("risk_decisions", "risk_cases"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("rider_id", ID, nullable=True))
    op.create_index("ix_orders_tenant_dropoff", "orders", ["tenant_id", "dropoff_lat"])
    op.create_index(
        "ix_order_transitions_rider_steps",
        "order_transitions",
        ["actor_id", "action", "at"],
        sqlite_where=RIDER_STEPS,
        postgresql_where=RIDER_STEPS,
    )


def downgrade() -> None:
    op.drop_index("ix_order_transitions_rider_steps", table_name="order_transitions")
    op.drop_index("ix_orders_tenant_dropoff", table_name="orders")
    for table in ("risk_cases", "risk_decisions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("rider_id")
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of ``customers`` would drop the catalog
    # triggers 0006 put on it (and 0006's own downgrade would then find none).
    op.drop_index("ix_customers_phone_key", table_name="customers")
    op.drop_column("customers", "phone_key")
    op.drop_index("ix_order_payments_instrument", table_name="order_payments")
    op.drop_table("order_payments")

"""anomalies and care: anomaly records and actions, notifications and their attempts, the
operator call list, grants with their ledger postings and coupons, feedback, operator notices,
per-tenant playbooks and policies, force-majeure windows; order discounts, customers' contact
channel, riders' last movement, and inbox messages keyed by anomaly as well as by event

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 06:28:00.100644
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tiffin.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "force_majeure",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("starts_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_force_majeure_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_force_majeure")),
    )
    with op.batch_alter_table("force_majeure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_force_majeure_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.String(length=60), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=True),
        sa.Column("order_id", sa.String(length=40), nullable=True),
        sa.Column("anomaly_id", sa.String(length=40), nullable=True),
        sa.Column("incident_id", sa.String(length=40), nullable=True),
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("channel_index", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_via", sa.String(length=10), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_notifications_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("recipient", "dedupe_key", name="uq_notifications_recipient_dedupe"),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_anomaly_id"), ["anomaly_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notifications_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index("ix_notifications_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_order_id"), ["order_id"], unique=False)

    op.create_table(
        "operator_notices",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.Column("created_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_operator_notices_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_notices")),
        sa.UniqueConstraint("tenant_id", "dedupe_key", name="uq_operator_notices_tenant_dedupe"),
    )
    op.create_table(
        "tenant_policies",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_tenant_policies_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "kind", "version", name=op.f("pk_tenant_policies")),
    )
    op.create_table(
        "call_list",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("notification_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("created_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=40), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_call_list_notification_id_notifications"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_call_list_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_list")),
        sa.UniqueConstraint("notification_id", name=op.f("uq_call_list_notification_id")),
    )
    with op.batch_alter_table("call_list", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_list_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "notification_attempts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("notification_id", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("elapsed_ms", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_notification_attempts_notification_id_notifications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_attempts")),
    )
    with op.batch_alter_table("notification_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_attempts_notification_id"),
            ["notification_id"],
            unique=False,
        )

    op.create_table(
        "anomalies",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("liable", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("since_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("detected_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sla_due_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("playbook_version", sa.Integer(), nullable=False),
        sa.Column("taken_by", sa.String(length=40), nullable=True),
        sa.Column("closed_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_anomalies_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_anomalies_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anomalies")),
        sa.UniqueConstraint("order_id", "type", name="uq_anomalies_order_type"),
    )
    with op.batch_alter_table("anomalies", schema=None) as batch_op:
        batch_op.create_index("ix_anomalies_tenant_status", ["tenant_id", "status"], unique=False)

    op.create_table(
        "grants",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("cause", sa.String(length=60), nullable=False),
        sa.Column("anomaly_id", sa.String(length=40), nullable=True),
        sa.Column("instrument", sa.String(length=10), nullable=True),
        sa.Column("tier", sa.String(length=60), nullable=True),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("refund_cents", sa.Integer(), nullable=False),
        sa.Column("points_multiplier", sa.Integer(), nullable=False),
        sa.Column("liable", sa.String(length=20), nullable=False),
        sa.Column("payer", sa.String(length=60), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reversed_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reversed_by", sa.String(length=40), nullable=True),
        sa.Column("reversal_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_grants_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_grants_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_grants_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grants")),
        sa.UniqueConstraint("order_id", "cause", name="uq_grants_order_cause"),
    )
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grants_anomaly_id"), ["anomaly_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grants_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index("ix_grants_tenant_created", ["tenant_id", "created_at"], unique=False)

    op.create_table(
        "anomaly_actions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("anomaly_id", sa.String(length=40), nullable=False),
        sa.Column("at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=60), nullable=False),
        sa.Column("step", sa.String(length=30), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["anomaly_id"], ["anomalies.id"], name=op.f("fk_anomaly_actions_anomaly_id_anomalies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anomaly_actions")),
    )
    with op.batch_alter_table("anomaly_actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_anomaly_actions_anomaly_id"), ["anomaly_id"], unique=False
        )

    op.create_table(
        "coupons",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("grant_id", sa.String(length=40), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("percent_off", sa.Integer(), server_default="0", nullable=False),
        sa.Column("min_spend_cents", sa.Integer(), nullable=False),
        sa.Column("expires_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("order_id", sa.String(length=40), nullable=True),
        sa.Column("void", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_coupons_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["grants.id"], name=op.f("fk_coupons_grant_id_grants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupons")),
        sa.UniqueConstraint("grant_id", name=op.f("uq_coupons_grant_id")),
    )
    with op.batch_alter_table("coupons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coupons_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "feedback",
        sa.Column("anomaly_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["anomaly_id"], ["anomalies.id"], name=op.f("fk_feedback_anomaly_id_anomalies")
        ),
        sa.PrimaryKeyConstraint("anomaly_id", name=op.f("pk_feedback")),
    )
    op.create_table(
        "ledger_postings",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("grant_id", sa.String(length=40), nullable=False),
        sa.Column("entry", sa.String(length=10), nullable=False),
        sa.Column("account", sa.String(length=80), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("at", tiffin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["grants.id"], name=op.f("fk_ledger_postings_grant_id_grants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_postings")),
    )
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_postings_account"), ["account"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_postings_grant_id"), ["grant_id"], unique=False)

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "contact_channel", sa.String(length=10), server_default="push", nullable=False
            )
        )

    with op.batch_alter_table("inbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dedupe_key", sa.String(length=120), nullable=True))
        batch_op.alter_column("event_id", existing_type=sa.BIGINT(), nullable=True)
        batch_op.create_unique_constraint(
            "uq_inbox_messages_customer_dedupe", ["customer_id", "dedupe_key"]
        )

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("discount_cents", sa.Integer(), server_default="0", nullable=False)
        )

    with op.batch_alter_table("riders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("moved_at", tiffin.store.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("riders", schema=None) as batch_op:
        batch_op.drop_column("moved_at")

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("discount_cents")

    with op.batch_alter_table("inbox_messages", schema=None) as batch_op:
        batch_op.drop_constraint("uq_inbox_messages_customer_dedupe", type_="unique")
        batch_op.alter_column("event_id", existing_type=sa.BIGINT(), nullable=False)
        batch_op.drop_column("dedupe_key")

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("contact_channel")

    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_postings_grant_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_postings_account"))

    op.drop_table("ledger_postings")
    op.drop_table("feedback")
    with op.batch_alter_table("coupons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coupons_customer_id"))

    op.drop_table("coupons")
    with op.batch_alter_table("anomaly_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_anomaly_actions_anomaly_id"))

    op.drop_table("anomaly_actions")
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.drop_index("ix_grants_tenant_created")
        batch_op.drop_index(batch_op.f("ix_grants_customer_id"))
        batch_op.drop_index(batch_op.f("ix_grants_anomaly_id"))

    op.drop_table("grants")
    with op.batch_alter_table("anomalies", schema=None) as batch_op:
        batch_op.drop_index("ix_anomalies_tenant_status")

    op.drop_table("anomalies")
    with op.batch_alter_table("notification_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_attempts_notification_id"))

    op.drop_table("notification_attempts")
    with op.batch_alter_table("call_list", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_list_tenant_id"))

    op.drop_table("call_list")
    op.drop_table("tenant_policies")
    op.drop_table("operator_notices")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_order_id"))
        batch_op.drop_index("ix_notifications_due")
        batch_op.drop_index(batch_op.f("ix_notifications_customer_id"))
        batch_op.drop_index(batch_op.f("ix_notifications_anomaly_id"))

    op.drop_table("notifications")
    with op.batch_alter_table("force_majeure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_force_majeure_tenant_id"))

    op.drop_table("force_majeure")

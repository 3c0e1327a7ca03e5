"""Anomalies and care: actions, notifications, the call list, grants, the ledger, coupons,
feedback, operator notices, tenant policies and force-majeure windows."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tiffin.store.tables.base import ID, metadata
from tiffin.store.types import UTCDateTime

anomalies = Table(
    "anomalies",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False),
    Column("type", String(30), nullable=False),
    Column("severity", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("liable", String(20), nullable=False),
    Column("reason", String(30), nullable=False),
    Column("facts", JSON, nullable=False),
    Column("since_at", UTCDateTime, nullable=False),
    Column("detected_at", UTCDateTime, nullable=False),
    Column("sla_due_at", UTCDateTime, nullable=False),
    Column("occurrences", Integer, nullable=False),
    Column("playbook_version", Integer, nullable=False),
    Column("taken_by", ID, nullable=True),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("resolution", Text, nullable=True),
    # Duplicates for the same order and type merge into one record.
    UniqueConstraint("order_id", "type", name="uq_anomalies_order_type"),
    Index("ix_anomalies_tenant_status", "tenant_id", "status"),
)

anomaly_actions = Table(
    "anomaly_actions",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("anomaly_id", ID, ForeignKey("anomalies.id"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(60), nullable=False),
    Column("step", String(30), nullable=False),
    Column("outcome", Text, nullable=False),
    Column("data", JSON, nullable=False),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column(
        "recipient", String(60), nullable=False
    ),  # customer:<id>, merchant:<id>, subscriber:<id>
    Column("address", String(500), nullable=True),  # a subscriber's email address or webhook URL
    Column("customer_id", ID, nullable=True, index=True),
    Column("order_id", ID, nullable=True, index=True),
    Column("anomaly_id", ID, nullable=True, index=True),
    Column("incident_id", ID, nullable=True),
    Column("dedupe_key", String(120), nullable=False),
    Column("language", String(10), nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("channels", JSON, nullable=False),  # the plan: first choice, then fallbacks
    Column("channel_index", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime, nullable=True),
    Column("delivered_via", String(10), nullable=True),
    Column("last_error", Text, nullable=True),
    # Nobody hears about the same event twice.
    UniqueConstraint("recipient", "dedupe_key", name="uq_notifications_recipient_dedupe"),
    Index("ix_notifications_due", "status", "next_attempt_at"),
)

notification_attempts = Table(
    "notification_attempts",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("notification_id", ID, ForeignKey("notifications.id"), nullable=False, index=True),
    Column("channel", String(10), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("elapsed_ms", Float, nullable=False),
)

call_list = Table(
    "call_list",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("notification_id", ID, ForeignKey("notifications.id"), nullable=False, unique=True),
    Column("customer_id", ID, nullable=False),
    Column("phone", String(40), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("done_at", UTCDateTime, nullable=True),
    Column("done_by", ID, nullable=True),
    Column("outcome", Text, nullable=True),
)

grants = Table(
    "grants",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("customer_id", ID, ForeignKey("customers.id"), nullable=False, index=True),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False),
    Column("cause", String(60), nullable=False),  # anomaly:<id> or incident:<id>
    Column("anomaly_id", ID, nullable=True, index=True),
    Column("instrument", String(10), nullable=True),
    Column("tier", String(60), nullable=True),
    Column("amount_cents", Integer, nullable=False),  # goodwill: budgeted and capped
    Column("refund_cents", Integer, nullable=False),  # the customer's own money back
    Column("points_multiplier", Integer, nullable=False),
    Column("liable", String(20), nullable=False),
    Column("payer", String(60), nullable=False),  # the ledger account charged
    Column("policy_version", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("reversed_at", UTCDateTime, nullable=True),
    Column("reversed_by", ID, nullable=True),
    Column("reversal_reason", Text, nullable=True),
    # One grant per order per cause, however often the cause is handled.
    UniqueConstraint("order_id", "cause", name="uq_grants_order_cause"),
    Index("ix_grants_tenant_created", "tenant_id", "created_at"),
)

ledger_postings = Table(
    "ledger_postings",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("tenant_id", ID, nullable=False),
    Column("grant_id", ID, ForeignKey("grants.id"), nullable=False, index=True),
    Column("entry", String(10), nullable=False),  # grant or reversal
    Column("account", String(80), nullable=False, index=True),
    Column("amount_cents", BigInteger, nullable=False),
    Column("at", UTCDateTime, nullable=False),
)

coupons = Table(
    "coupons",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, nullable=False),
    Column("customer_id", ID, ForeignKey("customers.id"), nullable=False, index=True),
    Column("grant_id", ID, ForeignKey("grants.id"), nullable=False, unique=True),
    Column("amount_cents", Integer, nullable=False),  # off, or the most off for a percent
    Column("percent_off", Integer, nullable=False, server_default="0"),
    Column("min_spend_cents", Integer, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Column("order_id", ID, nullable=True),  # where it was spent
    Column("void", Boolean, nullable=False),
)

feedback = Table(
    "feedback",
    metadata,
    Column("anomaly_id", ID, ForeignKey("anomalies.id"), primary_key=True),
    Column("customer_id", ID, nullable=False),
    Column("rating", Integer, nullable=False),
    Column("comment", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

operator_notices = Table(
    "operator_notices",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("text", Text, nullable=False),
    Column("dedupe_key", String(120), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("tenant_id", "dedupe_key", name="uq_operator_notices_tenant_dedupe"),
)

tenant_policies = Table(
    "tenant_policies",
    metadata,
    Column("tenant_id", ID, ForeignKey("tenants.id"), primary_key=True),
    Column("kind", String(20), primary_key=True),  # playbook or compensation
    Column("version", Integer, primary_key=True),
    Column("document", JSON, nullable=False),
    Column("created_by", ID, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

force_majeure = Table(
    "force_majeure",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_by", ID, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # issue 16, zoned windows and the weather feed (migration 0020): the areas covered (JSON
    # polygons and circles, see tiffin.domain.weather; null: the whole tenant), the zones an
    # operator named, and for a feed's warning its source, CAP identifier, event and severity
    Column("areas", JSON, nullable=True),
    Column("zone_ids", JSON, nullable=True),
    Column("source", String(20), nullable=False, server_default="operator"),
    Column("external_id", String(200), nullable=True),
    Column("external_refs", JSON, nullable=True),  # every CAP message applied to the window
    Column("event", String(200), nullable=True),
    Column("severity", String(20), nullable=True),
    Column("updated_at", UTCDateTime, nullable=True),
    Index("ix_force_majeure_tenant_external", "tenant_id", "external_id", unique=True),
)

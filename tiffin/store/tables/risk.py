"""Risk control and compliance: rules, decisions, cases, device features, liability disputes,
and the audit chain."""

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
from tiffin.store.tables.tenancy import users
from tiffin.store.types import UTCDateTime

# One row per version of a tenant's rule; the newest live version of a rule id is in force, the
# newest shadow version (if newer than the live one) runs beside it and is only recorded.
risk_rules = Table(
    "risk_rules",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("rule_id", String(60), nullable=False),
    Column("version", Integer, nullable=False),
    Column("checkpoint", String(20), nullable=False),
    Column("mode", String(10), nullable=False),  # live or shadow
    Column("description", String(500), nullable=False),
    Column("expression", Text, nullable=False),
    Column("score", Integer, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("snoozed_until", UTCDateTime, nullable=True),
    Column("created_by", String(60), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("tenant_id", "rule_id", "version", name="uq_risk_rules_version"),
)

risk_settings = Table(
    "risk_settings",
    metadata,
    Column("tenant_id", ID, ForeignKey("tenants.id"), primary_key=True),
    Column("review_score", Integer, nullable=False),
    Column("block_score", Integer, nullable=False),
    Column("grant_threshold_cents", Integer, nullable=False),
    Column("hold_hours", Integer, nullable=False),
    Column("updated_by", String(60), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

risk_decisions = Table(
    "risk_decisions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("checkpoint", String(20), nullable=False),
    Column("customer_id", ID, nullable=False, index=True),
    Column("order_id", ID, nullable=True),
    Column("rider_id", ID, nullable=True),  # the rider handing an order back
    Column("verdict", String(10), nullable=False),
    Column("score", Integer, nullable=False),
    Column("hits", JSON, nullable=False),  # ["rule@version", ...]
    Column("reason_code", String(80), nullable=False),
    Column("shadow_verdict", String(10), nullable=True),
    Column("shadow_score", Integer, nullable=True),
    Column("shadow_hits", JSON, nullable=True),
    Column("features", JSON, nullable=False),
    Column("elapsed_ms", Float, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_risk_decisions_tenant_at", "tenant_id", "at"),
)

risk_cases = Table(
    "risk_cases",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("decision_id", ID, ForeignKey("risk_decisions.id"), nullable=False, unique=True),
    Column("customer_id", ID, nullable=False),
    Column("order_id", ID, nullable=True),
    Column("rider_id", ID, nullable=True),  # a hand-back case is about the rider
    Column("grant_id", ID, nullable=True),
    Column("reason_code", String(80), nullable=False),
    Column("status", String(10), nullable=False),  # open, resolved
    Column("assignee", ID, nullable=True),
    Column("outcome", String(20), nullable=True),  # confirmed_abuse, false_positive
    Column("due_at", UTCDateTime, nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("resolved_by", ID, nullable=True),
    Index("ix_risk_cases_tenant_status", "tenant_id", "status", "opened_at"),
)

risk_case_notes = Table(
    "risk_case_notes",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("case_id", ID, ForeignKey("risk_cases.id"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("author", String(60), nullable=False),
    Column("text", Text, nullable=False),
)

# Which accounts were seen on which device (the optional X-Device-Id request header).
risk_devices = Table(
    "risk_devices",
    metadata,
    Column("tenant_id", ID, ForeignKey("tenants.id"), primary_key=True),
    Column("device_id", String(128), primary_key=True),
    Column("customer_id", ID, primary_key=True),
    Column("first_seen_at", UTCDateTime, nullable=False),
)

# Which payment instrument paid for an order: the payment provider's fingerprint of the card or
# wallet (never its number), given at checkout. Orders, claims and refunds per instrument, and
# the accounts behind one, are read through it.
order_payments = Table(
    "order_payments",
    metadata,
    Column("order_id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("customer_id", ID, nullable=False),
    Column("instrument", String(128), nullable=False),
    Column("placed_at", UTCDateTime, nullable=False),
    Index("ix_order_payments_instrument", "tenant_id", "instrument", "placed_at"),
)

# Risk reads an account's age by the customer it belongs to.
Index("ix_users_subject_id", users.c.subject_id)


# A merchant's or rider's dispute of who an anomaly was charged to; one per anomaly.
liability_disputes = Table(
    "liability_disputes",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("anomaly_id", ID, ForeignKey("anomalies.id"), nullable=False, unique=True),
    Column("raised_by", String(60), nullable=False),  # merchant:<id> or rider:<id>
    Column("was_liable", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(10), nullable=False),  # open, upheld, rejected
    Column("now_liable", String(20), nullable=True),
    Column("recharged_cents", Integer, nullable=False, server_default="0"),
    Column("decided_by", String(60), nullable=True),
    Column("decision_note", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime, nullable=True),
    Index("ix_liability_disputes_tenant_status", "tenant_id", "status"),
)

# The audit chain: one row per recorded event, each carrying the previous row's hash; appended
# only by the audit consumer (``tiffin.compliance.audit``), never in the writer's transaction.
audit_log = Table(
    "audit_log",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    ),
    Column("event_id", BigInteger, nullable=False, unique=True),  # the outbox row recorded
    Column("at", String(40), nullable=False),  # ISO time of the fact (hashed as text)
    Column("tenant_id", ID, nullable=True),
    Column("kind", String(60), nullable=False),
    Column("actor", String(80), nullable=False),
    Column("subject", String(80), nullable=False),
    Column("data", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    ),
    Column("hash", String(64), nullable=False),
    Column("signature", String(128), nullable=False),
    Column("public_key", String(64), nullable=False),
    Column("signed_at", UTCDateTime, nullable=False),
)

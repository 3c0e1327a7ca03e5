"""Comms and trust: public statements and their versions, the sentiment watch, closing the loop."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
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

# A public statement about an incident or an anomaly wave, drafted from its facts; every version
# is kept, published or not (tiffin.comms.statements). Exactly one of incident_id and wave is set.
statements = Table(
    "statements",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=True),  # NULL: platform-wide
    Column("incident_id", ID, ForeignKey("incidents.id"), nullable=True, index=True),
    # the wave it is about: {"type", "dimension", "key", "since", "until"} (tiffin.comms.waves)
    Column("wave", JSON, nullable=True),
    Column("created_by", String(60), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

statement_versions = Table(
    "statement_versions",
    metadata,
    Column("statement_id", ID, ForeignKey("statements.id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("facts", JSON, nullable=False),  # what the draft was made from
    Column("texts", JSON, nullable=False),  # {"zh-CN": {"title", "body"}, "en": {...}}
    Column("author", String(60), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime, nullable=True),
    Column("published_by", String(60), nullable=True),
)

# Every comment, rating text and problem report, labelled once (tiffin.comms.watch).
sentiment_records = Table(
    "sentiment_records",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("source", String(20), nullable=False),  # feedback or problem
    Column("source_id", String(80), nullable=False),  # the anomaly the text is about
    Column("order_id", ID, nullable=True),
    Column("merchant_id", ID, nullable=True),
    Column("zone", String(60), nullable=True),
    Column("language", String(10), nullable=False),
    Column("label", String(10), nullable=False),
    Column("score", Float, nullable=False),
    Column("topics", JSON, nullable=False),  # late, cold, missing, rude, compensation
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("source", "source_id", name="uq_sentiment_records_source"),
    Index("ix_sentiment_records_tenant_created", "tenant_id", "created_at"),
)

# A spike of negative texts on one zone, merchant or topic in one window: one operator notice,
# attached to the incident open at the time, if any.
sentiment_waves = Table(
    "sentiment_waves",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("dimension", String(10), nullable=False),  # zone, merchant or topic
    Column("key", String(80), nullable=False),
    Column("window_start", UTCDateTime, nullable=False),
    Column("negatives", Integer, nullable=False),
    Column("incident_id", ID, ForeignKey("incidents.id"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint(
        "tenant_id", "dimension", "key", "window_start", name="uq_sentiment_waves_window"
    ),
)

# A change a complaint led to, and the complainant told of it (tiffin.comms.loop).
loop_closures = Table(
    "loop_closures",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("anomaly_id", ID, ForeignKey("anomalies.id"), nullable=False),
    Column("customer_id", ID, nullable=False),
    Column("change", String(20), nullable=False),  # merchant_charged, rider_retrained, policy
    Column("words", Text, nullable=False),
    Column("created_by", String(60), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("anomaly_id", "change", name="uq_loop_closures_anomaly_change"),
)

"""The event outbox and its consumers' offsets, idempotency keys, customers' inbox messages."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
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

outbox = Table(
    "outbox",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("tenant_id", ID, nullable=False),
    Column("topic", String(60), nullable=False),
    Column("aggregate_id", ID, nullable=False, index=True),
    Column("payload", JSON, nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    # PostgreSQL only: the writing transaction's id, so consumers read in a safe order.
    Column("txid", BigInteger, nullable=True),
    Index("ix_outbox_txid_id", "txid", "id"),
)

consumer_offsets = Table(
    "consumer_offsets",
    metadata,
    Column("consumer", String(60), primary_key=True),
    Column("last_id", BigInteger, nullable=False),
    Column("last_txid", BigInteger, nullable=False),
    Column("processed", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("user_id", ID, primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

inbox_messages = Table(
    "inbox_messages",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, nullable=False),
    Column("customer_id", ID, ForeignKey("customers.id"), nullable=False, index=True),
    Column("order_id", ID, nullable=True),
    Column("event_id", BigInteger, nullable=True),  # messages written for an order event
    Column("dedupe_key", String(120), nullable=True),  # ... or for an anomaly or incident
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("event_id", "customer_id", name="uq_inbox_messages_event_customer"),
    UniqueConstraint("customer_id", "dedupe_key", name="uq_inbox_messages_customer_dedupe"),
)

"""The schema, as SQLAlchemy Core tables. Alembic migrations are written against this metadata."""

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
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tiffin.store.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(40)

tenants = Table(
    "tenants",
    metadata,
    Column("id", ID, primary_key=True),
    Column("slug", String(60), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("delivery_fee_cents", Integer, nullable=False),
    Column("rider_speed_m_per_min", Float, nullable=False),
    Column("promise_buffer_minutes", Integer, nullable=False),
)

zones = Table(
    "zones",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("polygon", JSON, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("role", String(20), nullable=False),
    Column("email", String(254), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("subject_id", ID, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("tenant_id", "email", name="uq_users_tenant_email"),
)

tokens = Table(
    "tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", ID, ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

merchants = Table(
    "merchants",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("prep_minutes", Integer, nullable=False),
    Column("is_open", Boolean, nullable=False),
)

menu_items = Table(
    "menu_items",
    metadata,
    Column("id", ID, primary_key=True),
    Column("merchant_id", ID, ForeignKey("merchants.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("price_cents", Integer, nullable=False),
    Column("available", Boolean, nullable=False),
)

customers = Table(
    "customers",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("address_note", String(500), nullable=False),
    Column("language", String(10), nullable=False),
    Column("phone", String(40), nullable=False),
)

riders = Table(
    "riders",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("vehicle", String(20), nullable=False),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("location_at", UTCDateTime, nullable=True),
    Column("shift_started_at", UTCDateTime, nullable=True),
)

rider_shifts = Table(
    "rider_shifts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("rider_id", ID, ForeignKey("riders.id"), nullable=False, index=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
)

orders = Table(
    "orders",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("customer_id", ID, ForeignKey("customers.id"), nullable=False, index=True),
    Column("merchant_id", ID, ForeignKey("merchants.id"), nullable=False, index=True),
    Column("rider_id", ID, ForeignKey("riders.id"), nullable=True, index=True),
    Column("status", String(20), nullable=False),
    Column("dropoff_lat", Float, nullable=False),
    Column("dropoff_lon", Float, nullable=False),
    Column("dropoff_note", String(500), nullable=False),
    Column("delivery_fee_cents", Integer, nullable=False),
    Column("items_cents", Integer, nullable=False),
    Column("placed_at", UTCDateTime, nullable=False),
    Column("promised_at", UTCDateTime, nullable=False),
    Column("ready_at", UTCDateTime, nullable=True),
    Column("picked_up_at", UTCDateTime, nullable=True),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("version", Integer, nullable=False),
    Index("ix_orders_tenant_status", "tenant_id", "status"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", ID, ForeignKey("orders.id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("item_id", ID, nullable=False),
    Column("name", String(200), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price_cents", Integer, nullable=False),
)

order_transitions = Table(
    "order_transitions",
    metadata,
    Column("order_id", ID, ForeignKey("orders.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("action", String(20), nullable=False),
    Column("from_status", String(20), nullable=False),
    Column("to_status", String(20), nullable=False),
    Column("actor_role", String(20), nullable=False),
    Column("actor_id", ID, nullable=True),
    Column("reason", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
)

offers = Table(
    "offers",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False, index=True),
    Column("rider_id", ID, ForeignKey("riders.id"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("status", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("answered_at", UTCDateTime, nullable=True),
    Column("score", Float, nullable=True),
    Column("explanation", JSON, nullable=False),
)

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
    Column("event_id", BigInteger, nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("event_id", "customer_id", name="uq_inbox_messages_event_customer"),
)

risk_zones = Table(
    "risk_zones",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("polygon", JSON, nullable=False),
    Column("handoff_lat", Float, nullable=False),
    Column("handoff_lon", Float, nullable=False),
    Column("closed_from", UTCDateTime, nullable=False),
    Column("closed_until", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_by", ID, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

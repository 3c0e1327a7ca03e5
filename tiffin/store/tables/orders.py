"""Orders with their lines and transition history, and the offers made to riders."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    false,
    text,
)

from tiffin.store.tables.base import ID, metadata
from tiffin.store.types import UTCDateTime

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
    Column("discount_cents", Integer, nullable=False, server_default="0"),
    # contactless delivery (issue 18): the customer's choice, the drop-off code shown only to
    # them, and how the order changed hands (code, photo, in person, by the platform)
    Column("contactless", Boolean, nullable=False, server_default=false()),
    Column("dropoff_code", String(12), nullable=False, server_default=""),
    Column("handover", String(12), nullable=True),
    Column("handover_photo_ref", String(200), nullable=True),
    Column("placed_at", UTCDateTime, nullable=False),
    Column("promised_at", UTCDateTime, nullable=False),
    Column("ready_at", UTCDateTime, nullable=True),
    Column("picked_up_at", UTCDateTime, nullable=True),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("version", Integer, nullable=False),
    Index("ix_orders_tenant_status", "tenant_id", "status"),
    # Risk counts the accounts ordering to one door: a band of latitude, not the whole tenant.
    Index("ix_orders_tenant_dropoff", "tenant_id", "dropoff_lat"),
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
    # Risk counts a rider's assignments and hand-backs; only those rows are indexed.
    Index(
        "ix_order_transitions_rider_steps",
        "actor_id",
        "action",
        "at",
        sqlite_where=text("action IN ('assign', 'unassign')"),
        postgresql_where=text("action IN ('assign', 'unassign')"),
    ),
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

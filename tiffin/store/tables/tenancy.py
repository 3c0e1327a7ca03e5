"""Tenants, their zones and catalog versions, users and their tokens."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from tiffin.store.tables.base import ID, metadata
from tiffin.store.types import UTCDateTime

tenants = Table(
    "tenants",
    metadata,
    Column("id", ID, primary_key=True),
    Column("slug", String(60), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("delivery_fee_cents", Integer, nullable=False),
    Column("rider_speed_m_per_min", Float, nullable=False),
    Column("promise_buffer_minutes", Integer, nullable=False),
    Column("time_zone", String(64), nullable=False, server_default="UTC"),
    # early warning's bounded, expiring promise extension (migration 0021)
    Column("promise_extra_minutes", Integer, nullable=False, server_default="0"),
    Column("promise_extra_until", UTCDateTime, nullable=True),
)

zones = Table(
    "zones",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("polygon", JSON, nullable=False),
    # early warning's pause of new orders to the zone, until then (migration 0021)
    Column("orders_paused_until", UTCDateTime, nullable=True),
)

# One counter per tenant, bumped by database triggers (migration 0006) on every change to what
# checkout reads: the tenant, its zones, merchants, menu items and customers. Placement may price
# an order from a cached copy of those rows and commits only if the counter still has the value
# the copy was read at (``tiffin.ordering.checkout_cache``).
catalog_versions = Table(
    "catalog_versions",
    metadata,
    Column("tenant_id", ID, primary_key=True),
    Column("version", BigInteger, nullable=False),
)

# A tenant's workload caps for its riders (tiffin.dispatch.caps); no row: the defaults.
workload_caps = Table(
    "workload_caps",
    metadata,
    Column("tenant_id", ID, ForeignKey("tenants.id"), primary_key=True),
    Column("max_orders_per_hour", Integer, nullable=False),
    Column("max_continuous_minutes", Integer, nullable=False),
    Column("max_carried", Integer, nullable=False),
    Column("updated_by", ID, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
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

"""Merchants and their menus, customers, riders and their shifts."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from tiffin.store.tables.base import ID, metadata
from tiffin.store.types import UTCDateTime

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
    # How the customer wants to hear about trouble: push, sms, phone (an operator calls) or inbox.
    Column("contact_channel", String(10), nullable=False, server_default="push"),
    # The phone's last ten digits (``people.phone_key``): risk counts the accounts behind one.
    Column("phone_key", String(20), nullable=True),
    Index("ix_customers_phone_key", "tenant_id", "phone_key"),
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
    Column("moved_at", UTCDateTime, nullable=True),  # last report that moved them noticeably
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

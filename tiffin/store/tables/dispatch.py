"""Dispatch's live state: crisis-mode settings, declarations and switches, move offers and
their pay, and payouts to riders an ETA slip took an order from."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from tiffin.store.tables.base import ID, metadata
from tiffin.store.types import UTCDateTime

dispatch_modes = Table(
    "dispatch_modes",
    metadata,
    Column("tenant_id", ID, ForeignKey("tenants.id"), primary_key=True),
    Column("mode", String(10), nullable=False),  # normal or crisis
    Column("since", UTCDateTime, nullable=False),
    Column("reason", String(300), nullable=False),
    Column("above_since", Integer, nullable=True),  # dispatcher minute the backlog went high
    Column("below_since", Integer, nullable=True),  # ... and low
    Column("updated_at", UTCDateTime, nullable=False),
)

dispatch_declarations = Table(
    "dispatch_declarations",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),  # weather_warning or incident
    Column("note", String(500), nullable=False),
    Column("declared_by", ID, nullable=False),
    Column("declared_at", UTCDateTime, nullable=False),
    Column("lifted_by", ID, nullable=True),
    Column("lifted_at", UTCDateTime, nullable=True),
    Column("lift_reason", String(500), nullable=True),
)

dispatch_mode_changes = Table(
    "dispatch_mode_changes",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("previous", String(10), nullable=False),
    Column("mode", String(10), nullable=False),
    Column("reason", String(300), nullable=False),
)

move_offers = Table(  # repositioning sent to idle riders as offers they accept or decline
    "move_offers",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("rider_id", ID, ForeignKey("riders.id"), nullable=False),
    Column("merchant_id", ID, ForeignKey("merchants.id"), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("why", String(300), nullable=False),
    Column("ride_minutes", Integer, nullable=False),
    Column("wait_minutes", Integer, nullable=False),
    Column("pay_cents", Integer, nullable=False),
    Column("status", String(10), nullable=False),  # pending, accepted, declined, expired
    Column("decline_reason", String(300), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("answered_at", UTCDateTime, nullable=True),
    Index("ix_move_offers_tenant_rider", "tenant_id", "rider_id"),
)

move_pay = Table(  # what a tenant pays riders for a move, and for an order taken on a slip
    "move_pay",
    metadata,
    Column("tenant_id", ID, ForeignKey("tenants.id"), primary_key=True),
    Column("pay_cents", Integer, nullable=False),
    Column("wait_minutes", Integer, nullable=False),
    Column("slip_pay_cents", Integer, nullable=False),  # to a rider an order was taken from
    Column("updated_by", ID, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

slip_payouts = Table(  # paid once to the rider an order was taken from for a slipping ETA
    "slip_payouts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False),
    Column("rider_id", ID, ForeignKey("riders.id"), nullable=False),
    Column("pay_cents", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    UniqueConstraint("order_id", "rider_id", name="uq_slip_payouts_order_rider"),
)

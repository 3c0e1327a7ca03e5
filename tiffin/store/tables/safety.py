"""Risk zones: areas closed to riders for a time, with a handoff point."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Float,
    ForeignKey,
    String,
    Table,
    Text,
)

from tiffin.store.tables.base import ID, metadata
from tiffin.store.types import UTCDateTime

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
    Column("level", String(10), nullable=False, server_default="high"),  # issue 18
)

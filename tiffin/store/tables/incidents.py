"""Incidents, their updates and the status page's subscribers."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
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

incidents = Table(
    "incidents",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=True),  # NULL: platform-wide
    Column("title", String(200), nullable=False),
    Column("state", String(20), nullable=False),
    Column("components", JSON, nullable=False),  # {"dispatch": "major", ...}
    Column("source", String(60), nullable=False),  # operator, or signal:<name>
    Column("started_at", UTCDateTime, nullable=False),  # the first signal of trouble
    Column("opened_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("opened_by", String(60), nullable=False),
    Column("made_good_at", UTCDateTime, nullable=True),
    Column("made_good_orders", Integer, nullable=False, server_default="0"),
    Column("made_good_cents", Integer, nullable=False, server_default="0"),
    Index("ix_incidents_state", "state"),
)

incident_updates = Table(
    "incident_updates",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("incident_id", ID, ForeignKey("incidents.id"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("state", String(20), nullable=False),
    Column("components", JSON, nullable=False),
    Column("message", Text, nullable=False),
    Column("author", String(60), nullable=False),
    Column("internal", Boolean, nullable=False, server_default="0"),  # operator notes
)

status_subscribers = Table(
    "status_subscribers",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("component", String(20), nullable=False),
    Column("channel", String(10), nullable=False),  # inbox, email or webhook
    Column("address", String(500), nullable=False),  # customer id, email address, or URL
    Column("customer_id", ID, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint(
        "tenant_id", "component", "channel", "address", name="uq_status_subscribers_target"
    ),
)


# A tenant's operator confirmed an incident is real: only then does resolving it make good for
# that tenant's customers (a health signal alone never grants money).
incident_confirmations = Table(
    "incident_confirmations",
    metadata,
    Column("incident_id", ID, ForeignKey("incidents.id"), primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), primary_key=True),
    Column("confirmed_by", String(60), nullable=False),
    Column("confirmed_at", UTCDateTime, nullable=False),
)

"""Partners of a tenant (issue 18): a health authority or campus office with its own keys
(stored as sha256 of the token, never the token), every call it makes, the tracing exports an
operator released to it; and the early-warning recommendations operators applied."""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table, Text

from tiffin.store.tables.base import ID, metadata
from tiffin.store.types import UTCDateTime

partners = Table(
    "partners",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("name", String(120), nullable=False),
    Column("created_by", ID, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

partner_keys = Table(
    "partner_keys",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("partner_id", ID, ForeignKey("partners.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("scopes", JSON, nullable=False),
    Column("created_by", ID, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),  # set when rotated out with a grace period
    Column("revoked_at", UTCDateTime),
    Column("replaced_by", ID),
)

partner_calls = Table(
    "partner_calls",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("partner_id", ID, ForeignKey("partners.id"), nullable=False),
    Column("key_id", ID, nullable=False),
    Column("method", String(10), nullable=False),
    Column("route", String(200), nullable=False),
    Column("status", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_partner_calls_tenant_at", "tenant_id", "at"),
)

partner_releases = Table(
    "partner_releases",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("partner_id", ID, ForeignKey("partners.id"), nullable=False),
    Column("trace_id", ID, ForeignKey("trace_queries.id"), nullable=False),
    Column("export", JSON, nullable=False),
    Column("released_by", ID, nullable=False),
    Column("released_at", UTCDateTime, nullable=False),
    Index("ix_partner_releases_partner_at", "partner_id", "released_at"),
)

warning_actions = Table(
    "warning_actions",
    metadata,
    Column("tenant_id", ID, ForeignKey("tenants.id"), primary_key=True),
    Column("recommendation_id", String(120), primary_key=True),
    Column("action", String(30), nullable=False),
    Column("detail", Text, nullable=False),
    Column("applied_by", ID, nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
)

"""Rider aid (issue 18): insurance claims against a rider's policy, counselling and support
requests, every step of either with who and when, and the emergency roster (who is on call at
the platform, each merchant and the campus office, told when public-health mode changes)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from tiffin.store.tables.base import ID, metadata
from tiffin.store.types import UTCDateTime

insurance_claims = Table(
    "insurance_claims",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("rider_id", ID, ForeignKey("riders.id"), nullable=False),
    Column("policy_id", ID, ForeignKey("insurance_policies.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("incident_at", UTCDateTime, nullable=False),
    Column("description", Text, nullable=False),
    Column("claimed_cents", Integer, nullable=False),
    Column("paid_cents", Integer, nullable=True),
    Column("status", String(20), nullable=False),
    Column("filed_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_insurance_claims_tenant_filed", "tenant_id", "filed_at"),
    Index("ix_insurance_claims_rider_filed", "rider_id", "filed_at"),
)

support_requests = Table(
    "support_requests",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("rider_id", ID, ForeignKey("riders.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("urgent", Boolean, nullable=False),
    Column("description", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("assigned_to", ID, nullable=True),  # an operator's user id
    Column("filed_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_support_requests_tenant_filed", "tenant_id", "filed_at"),
    Index("ix_support_requests_rider_filed", "rider_id", "filed_at"),
)

aid_steps = Table(
    "aid_steps",
    metadata,
    Column("case_id", ID, primary_key=True),  # a claim's or a support request's id
    Column("seq", Integer, primary_key=True),
    Column("status", String(20), nullable=False),
    Column("actor_role", String(20), nullable=False),
    Column("actor_id", ID, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("note", Text, nullable=False),
)

emergency_roster = Table(
    "emergency_roster",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("scope", String(20), nullable=False),  # platform, merchant, campus_office
    Column("merchant_id", ID, ForeignKey("merchants.id"), nullable=True),
    Column("name", String(120), nullable=False),
    Column("role", String(80), nullable=False),
    Column("channel", String(10), nullable=False),  # sms, email, webhook
    Column("address", String(500), nullable=False),
    Column("language", String(10), nullable=False),
    Column("on_call_from", UTCDateTime, nullable=False),
    Column("on_call_until", UTCDateTime, nullable=False),
    Column("created_by", ID, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_emergency_roster_tenant_until", "tenant_id", "on_call_until"),
)

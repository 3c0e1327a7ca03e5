"""Abuse controls: login lockouts, who owns a status-page subscription, and the vetting of
riders and merchants who signed themselves up."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

from tiffin.store.tables.base import ID, metadata
from tiffin.store.types import UTCDateTime

login_failures = Table(
    "login_failures",
    metadata,
    Column("account_key", String(64), primary_key=True),  # sha256 of tenant slug and e-mail
    Column("failures", Integer, nullable=False),  # in a row, since the last good login
    Column("locked_until", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

status_subscription_owners = Table(
    "status_subscription_owners",
    metadata,
    Column("subscription_id", ID, ForeignKey("status_subscribers.id"), primary_key=True),
    Column("user_id", ID, ForeignKey("users.id"), primary_key=True, index=True),
    Column("created_at", UTCDateTime, nullable=False),
)

# Riders and merchants who signed up wait here for an operator: ``pending`` until approved or
# refused. An account with no row predates vetting and counts as approved.
account_reviews = Table(
    "account_reviews",
    metadata,
    Column("subject_id", ID, primary_key=True),  # rider or merchant id
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("kind", String(10), nullable=False),  # rider or merchant
    Column("status", String(10), nullable=False),  # pending, approved or refused
    Column("note", String(1000), nullable=False, server_default=""),
    Column("reviewed_by", String(60), nullable=True),
    Column("reviewed_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_account_reviews_tenant_status", "tenant_id", "status"),
)

"""Login lockouts and who owns a status-page subscription (abuse controls, issue 20)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table

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

"""Leader leases: which process leads a piece of work (dispatch for a tenant) until when."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    String,
    Table,
)

from tiffin.store.tables.base import metadata
from tiffin.store.types import UTCDateTime

leases = Table(
    "leases",
    metadata,
    Column("name", String(120), primary_key=True),  # dispatch:<tenant id>
    Column("holder", String(120), nullable=False),  # host:pid:nonce of the process leading
    Column("acquired_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

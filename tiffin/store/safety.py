"""A tenant's rider safety rules as a plain row (the safety package maps it to its own
``SafetyRules``; the store imports no capability)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from tiffin.store import tables


class SafetyRuleRows:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def of(self, tenant_id: str) -> dict[str, Any] | None:
        """The tenant's rules row, None while its operators never set any."""
        c = tables.safety_rules.c
        found = self.conn.execute(
            select(tables.safety_rules).where(c.tenant_id == tenant_id)
        ).mappings()
        row = found.first()
        return dict(row) if row else None

"""A tenant's rider safety rules as a plain row, and the facts overload protection reads (the
safety package maps them; the store imports no capability)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, or_, select

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

    def continuous_limit(self, tenant_id: str) -> int | None:
        """The tenant's continuous-riding cap in minutes (its workload caps), None if unset."""
        w = tables.workload_caps.c
        found = self.conn.execute(
            select(w.max_continuous_minutes).where(w.tenant_id == tenant_id)
        ).scalar()
        return None if found is None else int(found)

    def bad_weather(self, tenant_id: str, now: datetime) -> bool:
        """Whether a declared force-majeure window (storm, heat) is in force."""
        f = tables.force_majeure.c
        query = select(f.id).where(f.tenant_id == tenant_id, f.starts_at <= now, f.ends_at > now)
        return self.conn.execute(query.limit(1)).first() is not None

    def minutes_today(self, rider_ids: Sequence[str], now: datetime) -> dict[str, int]:
        """Minutes each rider has been on shift since midnight (UTC), the open shift included."""
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        s = tables.rider_shifts.c
        rows = self.conn.execute(
            select(s.rider_id, s.started_at, s.ended_at).where(
                s.rider_id.in_(list(rider_ids)), or_(s.ended_at.is_(None), s.ended_at > midnight)
            )
        )
        total: dict[str, int] = {}
        for r in rows:
            seconds = ((r.ended_at or now) - max(r.started_at, midnight)).total_seconds()
            total[r.rider_id] = total.get(r.rider_id, 0) + max(0, int(seconds // 60))
        return total

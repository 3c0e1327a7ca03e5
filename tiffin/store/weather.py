"""Reading a tenant's weather windows (force-majeure rows) as ``tiffin.domain.weather`` values:
the one mapping the playbook, the dispatcher and checkout share."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select

from tiffin.domain.weather import WeatherArea, WeatherWindow
from tiffin.store import tables
from tiffin.store.staging import catalog_version_of

# Most windows a tenant has open at once that checkout keeps (the newest): a feed pushing
# hundreds of warnings must not make every copy heavy.
MAX_OPEN_WINDOWS = 50


def window_from(row: Any) -> WeatherWindow:
    """A force-majeure row (a mapping) as a window."""
    areas = tuple(WeatherArea.from_json(a) for a in row["areas"] or ())
    return WeatherWindow(row["starts_at"], row["ends_at"], areas)


def in_force(conn: Connection, tenant_id: str, at: datetime) -> list[WeatherWindow]:
    """The tenant's windows in force at ``at``, tenant-wide and zoned."""
    f = tables.force_majeure.c
    query = select(f.starts_at, f.ends_at, f.areas).where(
        f.tenant_id == tenant_id, f.starts_at <= at, f.ends_at > at
    )
    return [window_from(r) for r in conn.execute(query.limit(MAX_OPEN_WINDOWS)).mappings()]


def _open_query() -> Any:
    f, t = tables.force_majeure, tables.tenants
    return (
        select(
            catalog_version_of(t.c.id).label("catalog_version"),
            f.c.starts_at,
            f.c.ends_at,
            f.c.areas,
        )
        .select_from(t)
        .outerjoin(f, and_(f.c.tenant_id == t.c.id, f.c.ends_at > bindparam("at")))
        .where(t.c.id == bindparam("tenant_id"))
        .order_by(f.c.ends_at.desc())
        .limit(MAX_OPEN_WINDOWS)
    )


_OPEN = _open_query()


def not_ended(conn: Connection, tenant_id: str, at: datetime) -> tuple[list[WeatherWindow], int]:
    """The tenant's windows not yet ended at ``at`` (in force, or to come) and the catalog
    version they were read at, in one statement: what checkout keeps a copy of. A kept copy
    stays right as time passes (each window says when it is in force); a window declared,
    amended or ended moves the version (migration 0020)."""
    rows = conn.execute(_OPEN, {"tenant_id": tenant_id, "at": at}).mappings().all()
    if not rows:
        return [], 0
    windows = [window_from(r) for r in rows if r["starts_at"] is not None]
    return windows, int(rows[0]["catalog_version"])

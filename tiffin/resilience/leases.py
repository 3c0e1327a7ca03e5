"""Leader leases: one process dispatches a tenant at a time, and another takes over when it dies.

A lease is a row (name, holder, expiry). The holder renews it every dispatch cycle; anyone may
take it once it has expired. Taking and renewing are one ``INSERT ... ON CONFLICT DO UPDATE
... WHERE`` statement, atomic on both databases, so two processes can never both believe they
hold it at the same instant. The dispatcher also keeps its per-tenant advisory lock on
PostgreSQL: should two leaders ever overlap (a paused process waking after its lease ran out),
they still cannot dispatch the same tenant in the same moment.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, select
from sqlalchemy.dialects import postgresql, sqlite

from tiffin.store import tables
from tiffin.store.uow import UnitOfWork


def process_identity() -> str:
    """Who this process is, in a form an operator can find: host, pid and a nonce."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def hold(uow: UnitOfWork, name: str, holder: str, ttl: timedelta) -> bool:
    """Take or renew the lease ``name`` for ``holder``; True if ``holder`` has it now."""
    now = uow.clock.now()
    table = tables.leases
    dialect = postgresql if uow.conn.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(table).values(
        name=name, holder=holder, acquired_at=now, expires_at=now + ttl
    )
    mine = table.c.holder == insert.excluded.holder
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.name],
        set_={
            "holder": insert.excluded.holder,
            "expires_at": insert.excluded.expires_at,
            "acquired_at": _keep_if(mine, table.c.acquired_at, insert.excluded.acquired_at),
        },
        where=mine | (table.c.expires_at < now),
    )
    uow.conn.execute(statement)
    current = uow.conn.execute(select(table.c.holder).where(table.c.name == name)).scalar()
    return current == holder


def _keep_if(condition: ColumnElement[bool], kept: Any, otherwise: Any) -> Any:
    return case((condition, kept), else_=otherwise)


def holders(uow: UnitOfWork) -> dict[str, tuple[str, datetime]]:
    """Every lease: name -> (holder, expiry)."""
    rows = uow.conn.execute(select(tables.leases))
    return {r.name: (r.holder, r.expires_at) for r in rows}

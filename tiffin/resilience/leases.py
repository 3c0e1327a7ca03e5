"""Leader leases: one process dispatches a tenant at a time, and another takes over when it dies.

A lease is a row (name, holder, expiry). The holder renews it every dispatch cycle; anyone may
take it once it has expired. Taking and renewing are one ``INSERT ... ON CONFLICT DO UPDATE
... WHERE`` statement, atomic on both databases, so two processes can never both believe they
hold it at the same instant. The dispatcher also keeps its per-tenant advisory lock on
PostgreSQL: should two leaders ever overlap (a paused process waking after its lease ran out),
they still cannot dispatch the same tenant in the same moment.
"""

from __future__ import annotations

import math
import os
import socket
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, select, update
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


MEMBER = "member:"


def members(uow: UnitOfWork, holder: str, ttl: timedelta) -> int:
    """Renew this process's membership lease and count the live members (itself included)."""
    hold(uow, f"{MEMBER}{holder}", holder, ttl)
    t = tables.leases.c
    alive = uow.conn.execute(
        select(func.count())
        .select_from(tables.leases)
        .where(t.name.like(f"{MEMBER}%"), t.expires_at >= uow.clock.now())
    ).scalar()
    return max(1, int(alive or 0))


def hold_share(uow: UnitOfWork, names: Sequence[str], holder: str, ttl: timedelta) -> set[str]:
    """Hold this process's fair share of the leases ``names`` (per-zone leaders): at most
    ceil(len(names) / live members). Leases already held are kept first, free or lapsed ones
    are taken up to the share, and any beyond it are let go at once so a newcomer can take
    them; when a member dies its leases lapse and the survivors' shares grow to cover them."""
    share = math.ceil(len(names) / members(uow, holder, ttl))
    now = uow.clock.now()
    current = holders(uow)
    mine = [n for n in names if n in current and current[n][0] == holder and current[n][1] >= now]
    kept, extra = mine[:share], mine[share:]
    if extra:
        t = tables.leases.c
        uow.conn.execute(
            update(tables.leases)
            .where(t.name.in_(extra), t.holder == holder)
            .values(expires_at=now - timedelta(microseconds=1))
        )
    held = {n for n in kept if hold(uow, n, holder, ttl)}
    for name in names:
        if len(held) >= share:
            break
        taken = current.get(name)
        if name not in held and (taken is None or taken[1] < now) and hold(uow, name, holder, ttl):
            held.add(name)
    return held

"""A drill makes a mess: it runs only on a database it created, or on one given explicitly
that is empty or that an earlier drill created. A database holding anyone else's data is
refused before anything is written to it.

The mark is a row in ``consumer_offsets`` named ``drill:owned``: no consumer has that name, so
the outbox runner never reads it, and it needs no table of its own."""

from __future__ import annotations

from sqlalchemy import func, insert, select

from tiffin.clock import SystemClock
from tiffin.store import tables
from tiffin.store.db import Database

MARK = "drill:owned"


class NotOurs(RuntimeError):
    """The database holds data no drill created."""


def claim(database_url: str) -> bool:
    """Migrate; mark an empty database as the drill's. True if it was unmarked and empty, False
    if an earlier drill marked it; ``NotOurs`` otherwise."""
    db = Database(database_url)
    try:
        db.migrate()
        with db.engine.begin() as conn:
            c = tables.consumer_offsets.c
            marked = conn.execute(select(c.consumer).where(c.consumer == MARK)).first()
            if marked is not None:
                return False
            held = sum(
                conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (tables.tenants, tables.users, tables.orders, tables.outbox)
            )
            if held:
                raise NotOurs(
                    "this database holds data a drill did not create; "
                    "drills run only on an empty database or one an earlier drill made"
                )
            conn.execute(
                insert(tables.consumer_offsets).values(
                    consumer=MARK,
                    last_id=0,
                    last_txid=0,
                    processed=0,
                    updated_at=SystemClock().now(),
                )
            )
            return True
    finally:
        db.dispose()

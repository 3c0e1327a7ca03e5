"""Named transaction locks: one process at a time for a piece of work, on either database.

On PostgreSQL these are transaction-scoped advisory locks keyed by a CRC of the name, released
at commit or rollback. SQLite has a single writer already, so a writing unit of work holds the
only lock there is and both calls succeed at once.
"""

from __future__ import annotations

import zlib

from sqlalchemy import text

from tiffin.store.uow import UnitOfWork


def _key(name: str) -> int:
    return zlib.crc32(name.encode())


def try_lock(uow: UnitOfWork, name: str) -> bool:
    """Take the lock named ``name`` for this transaction if nobody holds it; say whether we did."""
    if not uow.db.is_postgres:
        return True
    got = uow.conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _key(name)})
    return bool(got.scalar())


def lock(uow: UnitOfWork, name: str) -> None:
    """Wait for the lock named ``name`` and hold it until this transaction ends."""
    if uow.db.is_postgres:
        uow.conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _key(name)})

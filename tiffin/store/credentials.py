"""Users, their bearer tokens and the vetting of self-signed-up accounts, as plain rows: the
accounts package maps them to its own ``User`` and ``Principal`` (the store imports no
capability)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from tiffin.store import tables
from tiffin.store.upsert import insert_ignore

Row = dict[str, Any]


class Users:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, row: Row) -> bool:
        """Insert a user row (every column of ``tables.users``) unless the tenant already has
        one with that e-mail; True when inserted. A concurrent sign-up that took the address
        after the caller's check is a collision here, never a unique-key error."""
        return insert_ignore(self.conn, tables.users, row)

    def get(self, user_id: str) -> Row | None:
        """The user row with this id."""
        found = (
            self.conn.execute(select(tables.users).where(tables.users.c.id == user_id))
            .mappings()
            .first()
        )
        return dict(found) if found else None

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        self.conn.execute(
            update(tables.users)
            .where(tables.users.c.id == user_id)
            .values(password_hash=password_hash)
        )

    def with_email(self, tenant_id: str, email: str) -> Row | None:
        """The tenant's user with this (already normalised) e-mail address."""
        u = tables.users.c
        found = (
            self.conn.execute(
                select(tables.users).where(u.tenant_id == tenant_id, u.email == email)
            )
            .mappings()
            .first()
        )
        return dict(found) if found else None


class Tokens:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(
        self, *, token_hash: str, user_id: str, created_at: datetime, expires_at: datetime
    ) -> None:
        self.conn.execute(
            insert(tables.tokens).values(
                token_hash=token_hash, user_id=user_id, created_at=created_at, expires_at=expires_at
            )
        )

    def sweep_expired(self, now: datetime) -> None:
        """Delete every token that expired before ``now``."""
        self.conn.execute(delete(tables.tokens).where(tables.tokens.c.expires_at < now))

    def delete_for(self, user_id: str, token_hash: str | None = None) -> dict[str, datetime]:
        """Delete one of a user's tokens (``token_hash``) or all of them; return each deleted
        token's digest with its expiry (what the token cache must forget)."""
        t = tables.tokens.c
        where = t.user_id == user_id
        if token_hash is not None:
            where = where & (t.token_hash == token_hash)
        gone = {
            r.token_hash: r.expires_at
            for r in self.conn.execute(select(t.token_hash, t.expires_at).where(where))
        }
        self.conn.execute(delete(tables.tokens).where(where))
        return gone

    def holder(self, token_hash: str) -> Row | None:
        """The token's expiry and its user's ``id``, ``tenant_id``, ``role`` and ``subject_id``."""
        t, u = tables.tokens.c, tables.users.c
        found = (
            self.conn.execute(
                select(t.expires_at, u.id, u.tenant_id, u.role, u.subject_id)
                .join(tables.users, u.id == t.user_id)
                .where(t.token_hash == token_hash)
            )
            .mappings()
            .first()
        )
        return dict(found) if found else None


class Reviews:
    """Operators' vetting of riders and merchants who signed themselves up."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def status_of(self, subject_id: str) -> str | None:
        """The review status of a rider or merchant, ``None`` if it was never reviewed."""
        r = tables.account_reviews.c
        found = self.conn.execute(select(r.status).where(r.subject_id == subject_id)).scalar()
        return None if found is None else str(found)

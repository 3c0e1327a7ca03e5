"""Sign-up, login and token checks. Passwords are argon2id hashes; tokens are random and stored
only as SHA-256 digests, so a leaked database yields no usable token."""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from argon2 import PasswordHasher

from tiffin.accounts.model import User
from tiffin.accounts.revocation import LocalRevocations, Revocations
from tiffin.domain.ids import new_id
from tiffin.domain.people import Tenant
from tiffin.domain.principals import Principal, Role
from tiffin.errors import Conflict, NotFound, Unauthorized
from tiffin.store.uow import UnitOfWork

_hasher = PasswordHasher()


class EmailTaken(Conflict):
    """The e-mail already has an account in the tenant (found, or taken by a concurrent insert)."""

    code = "email_taken"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def tenant_by_slug(uow: UnitOfWork, slug: str) -> Tenant:
    found = uow.tenants.with_slug(slug)
    if found is None:
        raise NotFound(f"no tenant called {slug!r}", resource="tenant")
    return found


def create_user(
    uow: UnitOfWork,
    *,
    tenant_id: str,
    role: Role,
    email: str,
    password: str | None = None,
    password_hash: str | None = None,
    display_name: str,
    subject_id: str | None,
    now: datetime,
) -> User:
    """Add a user; the e-mail must be new within the tenant.

    Pass ``password_hash`` instead of ``password`` to reuse one argon2 hash for many accounts
    (the demo seed does: hashing is deliberately slow).
    """
    if (password is None) == (password_hash is None):
        raise ValueError("give exactly one of password and password_hash")
    email = email.strip().lower()
    if uow.users.with_email(tenant_id, email) is not None:
        raise EmailTaken(f"{email} already has an account here", code="email_taken")
    user = User(
        id=new_id("usr"),
        tenant_id=tenant_id,
        role=role,
        email=email,
        password_hash=password_hash or hash_password(password or ""),
        display_name=display_name,
        subject_id=subject_id,
        created_at=now,
    )
    created = uow.users.add(
        {
            "id": user.id,
            "tenant_id": user.tenant_id,
            "role": user.role.value,
            "email": user.email,
            "password_hash": user.password_hash,
            "display_name": user.display_name,
            "subject_id": user.subject_id,
            "created_at": user.created_at,
        }
    )
    if not created:  # a concurrent sign-up took the address after our check: the same answer
        raise EmailTaken(f"{email} already has an account here", code="email_taken")
    return user


def issue_token(
    uow: UnitOfWork, user_id: str, *, now: datetime, ttl: timedelta
) -> tuple[str, datetime]:
    """A new bearer token for an already verified user; expired tokens are swept on the way."""
    token = secrets.token_urlsafe(32)
    expires_at = now + ttl
    uow.tokens.sweep_expired(now)
    uow.tokens.add(
        token_hash=_digest(token), user_id=user_id, created_at=now, expires_at=expires_at
    )
    return token, expires_at


def delete_tokens(
    uow: UnitOfWork, *, user_id: str, token: str | None = None
) -> dict[str, datetime]:
    """Delete one token of a user (``token``) or all of them; returns digest: expiry of each,
    for ``TokenCache.revoke`` once the caller has committed."""
    return uow.tokens.delete_for(user_id, None if token is None else _digest(token))


def _lookup(uow: UnitOfWork, digest: str, now: datetime) -> tuple[Principal, datetime]:
    """The principal behind a token digest, or ``Unauthorized`` (unknown or expired)."""
    row = uow.tokens.holder(digest)
    if row is None:
        raise Unauthorized("the bearer token is not valid", code="invalid_token")
    if row["expires_at"] <= now:
        raise Unauthorized("the bearer token has expired; log in again", code="token_expired")
    principal = Principal(row["id"], row["tenant_id"], Role(row["role"]), row["subject_id"])
    return principal, row["expires_at"]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenCache:
    """Principals of recently seen tokens, kept for ``ttl`` (default 30 s) to spare a database
    round trip per request. Expiry and revocation (``revoke``: logout, password change) are
    checked on every use, so a revoked token fails on the next request."""

    def __init__(
        self,
        ttl: timedelta = timedelta(seconds=30),
        max_entries: int = 50_000,
        revocations: Revocations | None = None,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.revocations: Revocations = revocations or LocalRevocations()
        self._entries: dict[str, tuple[Principal, datetime, datetime]] = {}
        self._lock = threading.Lock()

    def revoke(self, digests: dict[str, datetime], now: datetime) -> None:
        """Forget these token digests here and record them for every process (digest: expiry)."""
        for digest, expires_at in digests.items():
            self.revocations.revoke(digest, expires_at, now)
            with self._lock:
                self._entries.pop(digest, None)

    def cached(self, token: str, now: datetime) -> Principal | None:
        """The cached principal, ``None`` on a miss; raises if the token has expired or was
        revoked."""
        digest = _digest(token)
        with self._lock:
            entry = self._entries.get(digest)
        if entry is not None and self.revocations.is_revoked(digest):
            raise Unauthorized("the bearer token is not valid", code="invalid_token")
        if entry is None or now >= entry[2]:
            return None
        if entry[1] <= now:
            raise Unauthorized("the bearer token has expired; log in again", code="token_expired")
        return entry[0]

    def principal(
        self, uow_factory: Callable[[], UnitOfWork], token: str, now: datetime
    ) -> Principal:
        """The principal behind ``token``, from the cache or else the database."""
        cached = self.cached(token, now)
        if cached is not None:
            return cached
        digest = _digest(token)
        with uow_factory() as uow:
            principal, expires_at = _lookup(uow, digest, now)
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[digest] = (principal, expires_at, now + self.ttl)
        return principal

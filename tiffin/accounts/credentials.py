"""Checking passwords without giving anything away and without holding the write lock.

Argon2 takes a few hundred milliseconds on purpose, so it runs between units of work, never
inside a writing one (on SQLite that would stall every write behind it). An unknown tenant or
user is checked against a dummy hash, so every refusal costs the same time and says the same
thing. Failures in a row lock the account out for a time that doubles with each one; unknown
accounts lock out the same way, so the lockout tells nothing either.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update

from tiffin.accounts.service import _hasher, delete_tokens, hash_password, issue_token
from tiffin.errors import Forbidden, Invalid, TooManyRequests, Unauthorized
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork
from tiffin.store.upsert import insert_ignore


def refused() -> Unauthorized:
    """The one answer to every failed login: unknown tenant, unknown user, wrong password."""
    return Unauthorized("e-mail or password is wrong", code="bad_credentials")


@functools.cache
def _dummy_hash() -> str:
    return hash_password("not anybody's password")


def password_matches(stored_hash: str | None, password: str) -> bool:
    """Verify ``password``; with no account, verify against a dummy hash (same time, False)."""
    try:
        _hasher.verify(stored_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return stored_hash is not None


def split_username(username: str) -> tuple[str, str]:
    """``campus/student1@campus.test`` -> (tenant, email): an OAuth2 form (the docs' Authorize
    dialog) has only a username and a password, and a login needs the tenant too."""
    tenant, slash, email = username.partition("/")
    if not slash or not tenant.strip() or not email.strip():
        raise Invalid(
            "the username is '<tenant>/<email>', e.g. 'campus/student1@campus.test'",
            code="username_without_tenant",
        )
    return tenant.strip(), email.strip()


def account_key(tenant_slug: str, email: str) -> str:
    """The lockout key of a login name, whether or not such an account exists."""
    return hashlib.sha256(f"{tenant_slug}\n{email.strip().lower()}".encode()).hexdigest()


def find_login(uow: UnitOfWork, tenant_slug: str, email: str) -> dict[str, Any] | None:
    """The user row behind a login name, or ``None`` (unknown tenant or user alike)."""
    tenant = uow.tenants.with_slug(tenant_slug)
    return None if tenant is None else uow.users.with_email(tenant.id, email.strip().lower())


@dataclass(frozen=True)
class LoggedIn:
    """A fresh bearer token and the user row it belongs to."""

    user: dict[str, Any]
    token: str
    expires_at: datetime


def log_in(
    open_uow: Callable[..., UnitOfWork],
    *,
    tenant: str,
    email: str,
    password: str,
    lockout: Lockout,
    ttl: timedelta,
) -> LoggedIn:
    """Check a login name and password and issue a token. Three short units of work: a read,
    the hash check with none open, then the write; every refusal is the same ``refused()``."""
    key = account_key(tenant, email)
    with open_uow(read_only=True) as uow:
        check_not_locked(uow, key, uow.clock.now())
        user = find_login(uow, tenant, email)
    if not password_matches(None if user is None else user["password_hash"], password):
        with open_uow() as uow:
            record_failure(uow, key, uow.clock.now(), lockout)
            uow.commit()
        raise refused()
    assert user is not None  # password_matches is False without an account
    with open_uow() as uow:
        clear_failures(uow, key)
        token, expires_at = issue_token(uow, user["id"], now=uow.clock.now(), ttl=ttl)
        uow.commit()
    return LoggedIn(user, token, expires_at)


def change_password(
    open_uow: Callable[..., UnitOfWork],
    *,
    user_id: str,
    current: str,
    new: str,
    ttl: timedelta,
) -> tuple[LoggedIn, dict[str, datetime]]:
    """Set a new password, delete every token of the account and issue a fresh one; returns it
    with the deleted tokens (for the token cache to forget once committed). Hashing runs with
    no unit of work open."""
    with open_uow(read_only=True) as uow:
        user = uow.users.get(user_id)
    if user is None or not password_matches(user["password_hash"], current):
        raise Forbidden("the current password is wrong", code="wrong_password")
    new_hash = hash_password(new)
    with open_uow() as uow:
        uow.users.set_password_hash(user_id, new_hash)
        gone = delete_tokens(uow, user_id=user_id)
        token, expires_at = issue_token(uow, user_id, now=uow.clock.now(), ttl=ttl)
        uow.commit()
    return LoggedIn(user, token, expires_at), gone


@dataclass(frozen=True)
class Lockout:
    """Failures in a row before a lockout, its first length, and the longest it gets."""

    after: int = 5
    base_seconds: float = 30.0
    max_seconds: float = 3600.0

    def seconds(self, failures: int) -> float:
        """How long ``failures`` in a row lock the account: none below ``after``, then
        ``base_seconds`` doubling with each further failure, up to ``max_seconds``."""
        if failures < self.after:
            return 0.0
        return float(min(self.max_seconds, self.base_seconds * 2 ** (failures - self.after)))


def check_not_locked(uow: UnitOfWork, key: str, now: datetime) -> None:
    """Refuse (429, ``account_locked``) while the login name is locked out."""
    f = tables.login_failures.c
    until = uow.conn.execute(
        select(f.locked_until).where(f.account_key == key)
    ).scalar_one_or_none()
    if until is not None and until > now:
        raise TooManyRequests(
            "too many failed logins; try again later",
            code="account_locked",
            retry_after=int((until - now).total_seconds()) + 1,
        )


def record_failure(uow: UnitOfWork, key: str, now: datetime, policy: Lockout) -> None:
    """Count a failed login and lock the name out when the policy says so."""
    f = tables.login_failures.c
    row = {"account_key": key, "failures": 0, "locked_until": None, "updated_at": now}
    insert_ignore(uow.conn, tables.login_failures, row)
    uow.conn.execute(
        update(tables.login_failures)
        .where(f.account_key == key)
        .values(failures=f.failures + 1, updated_at=now)
    )
    failures = uow.conn.execute(select(f.failures).where(f.account_key == key)).scalar_one()
    lock = policy.seconds(int(failures))
    if lock:
        uow.conn.execute(
            update(tables.login_failures)
            .where(f.account_key == key)
            .values(locked_until=now + timedelta(seconds=lock))
        )


def clear_failures(uow: UnitOfWork, key: str) -> None:
    uow.conn.execute(
        delete(tables.login_failures).where(tables.login_failures.c.account_key == key)
    )

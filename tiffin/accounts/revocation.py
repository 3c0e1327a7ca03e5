"""Revoked tokens, so a cached token stops working on the very next request.

The token cache spares a database read per request; a logout or password change deletes the
token rows and records their digests here. In one process the record is a local set; with
several processes (``rate_limit_storage_url`` set) it is Redis, which every process checks
before trusting its cache. A record lives as long as the token would have.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Protocol

import redis


class Revocations(Protocol):
    shared: bool

    def revoke(self, digest: str, expires_at: datetime, now: datetime) -> None: ...

    def is_revoked(self, digest: str) -> bool: ...


class LocalRevocations:
    """Revocations seen by this process only (the embedded, single-process default)."""

    shared = False

    def __init__(self) -> None:
        self._until: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def revoke(self, digest: str, expires_at: datetime, now: datetime) -> None:
        with self._lock:
            self._until = {d: t for d, t in self._until.items() if t > now}
            self._until[digest] = expires_at

    def is_revoked(self, digest: str) -> bool:
        return digest in self._until


class RedisRevocations:
    """Revocations every process sees: one key per digest, expiring with the token."""

    shared = True

    def __init__(self, url: str, prefix: str = "tiffin:revoked:") -> None:
        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix

    def revoke(self, digest: str, expires_at: datetime, now: datetime) -> None:
        seconds = max(1, int((expires_at - now).total_seconds()) + 1)
        self._redis.set(self._prefix + digest, b"1", ex=seconds)

    def is_revoked(self, digest: str) -> bool:
        return bool(self._redis.exists(self._prefix + digest))


def revocations_for(url: str | None) -> Revocations:
    return RedisRevocations(url) if url else LocalRevocations()

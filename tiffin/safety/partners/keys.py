"""Partners (a health authority, a campus office) and their keys. A key is a high-entropy
random token shown once; only its sha256 is kept, so a stolen database opens no partner door.
Each key carries scopes; rotating issues a new key and lets the old one live for a grace period
(or dies at once); revoking ends it now. Every call a known key makes is logged."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from tiffin.domain.ids import new_id
from tiffin.domain.principals import Principal, Role
from tiffin.errors import Forbidden, NotFound, Unauthorized
from tiffin.store import tables
from tiffin.store.repositories import tenant_owned
from tiffin.store.uow import UnitOfWork

TOKEN_PREFIX = "tfp_"
# The role a partner's zone push is recorded under (its id as the actor id): zone imports take
# a principal; the partner never reaches a route that checks this role (its key is no token).
_PARTNER_ROLE = Role.OPERATOR
MAX_GRACE = timedelta(days=7)


class Scope(StrEnum):
    RISK_MAP_READ = "risk_map:read"
    HEALTH_STATS_READ = "health_stats:read"
    ZONES_WRITE = "zones:write"
    TRACING_RECEIVE = "tracing:receive"
    WEATHER_WRITE = "weather:write"  # a weather service's CAP warnings (issue 16)


@dataclass(frozen=True)
class PartnerKey:
    id: str
    partner_id: str
    scopes: tuple[Scope, ...]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    replaced_by: str | None

    def live(self, now: datetime) -> bool:
        if self.revoked_at is not None and self.revoked_at <= now:
            return False
        return self.expires_at is None or now < self.expires_at


@dataclass(frozen=True)
class Caller:
    """An authenticated partner call: whose key, which tenant, what it may do."""

    partner_id: str
    tenant_id: str
    key_id: str
    scopes: frozenset[Scope]

    @property
    def principal(self) -> Principal:
        """Who a partner's writes are recorded under (its key; never an operator's rights)."""
        return Principal(self.key_id, self.tenant_id, _PARTNER_ROLE, self.partner_id)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_partner(uow: UnitOfWork, principal: Principal, name: str) -> dict[str, Any]:
    row = {
        "id": new_id("prt"),
        "tenant_id": principal.tenant_id,
        "name": name,
        "created_by": principal.user_id,
        "created_at": uow.clock.now(),
    }
    uow.conn.execute(tables.partners.insert().values(**row))
    return row


def partners_of(
    uow: UnitOfWork, tenant_id: str, *, limit: int, offset: int
) -> list[dict[str, Any]]:
    p = tables.partners.c
    rows = uow.conn.execute(
        select(tables.partners)
        .where(p.tenant_id == tenant_id)
        .order_by(p.created_at, p.id)
        .limit(limit)
        .offset(offset)
    ).mappings()
    return [dict(r) for r in rows]


def partner(uow: UnitOfWork, tenant_id: str, partner_id: str) -> dict[str, Any]:
    """One partner of the tenant; another tenant's is not found."""
    row = tenant_owned(uow.conn, tables.partners, partner_id, tenant_id)
    if row is None:
        raise NotFound(f"no partner {partner_id!r}", resource="partner")
    return row


def issue_key(
    uow: UnitOfWork, principal: Principal, partner_id: str, scopes: list[Scope]
) -> tuple[PartnerKey, str]:
    """A new key for the partner; the token is returned once and never stored."""
    partner(uow, principal.tenant_id, partner_id)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = uow.clock.now()
    key = PartnerKey(new_id("pky"), partner_id, tuple(sorted(set(scopes))), now, None, None, None)
    uow.conn.execute(
        tables.partner_keys.insert().values(
            id=key.id,
            tenant_id=principal.tenant_id,
            partner_id=partner_id,
            token_hash=token_hash(token),
            scopes=[s.value for s in key.scopes],
            created_by=principal.user_id,
            created_at=now,
        )
    )
    return key, token


def _key_row(uow: UnitOfWork, tenant_id: str, key_id: str) -> dict[str, Any]:
    k = tables.partner_keys.c
    row = (
        uow.conn.execute(
            select(tables.partner_keys).where(k.id == key_id, k.tenant_id == tenant_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no partner key {key_id!r}", resource="partner_key")
    return dict(row)


def _key(row: Any) -> PartnerKey:
    return PartnerKey(
        row["id"],
        row["partner_id"],
        tuple(Scope(s) for s in row["scopes"]),
        row["created_at"],
        row["expires_at"],
        row["revoked_at"],
        row["replaced_by"],
    )


def keys_of(uow: UnitOfWork, tenant_id: str, partner_id: str) -> list[PartnerKey]:
    partner(uow, tenant_id, partner_id)
    k = tables.partner_keys.c
    rows = uow.conn.execute(
        select(tables.partner_keys)
        .where(k.partner_id == partner_id, k.tenant_id == tenant_id)
        .order_by(k.created_at.desc(), k.id)
        .limit(100)
    ).mappings()
    return [_key(r) for r in rows]


def rotate_key(
    uow: UnitOfWork, principal: Principal, key_id: str, *, grace: timedelta
) -> tuple[PartnerKey, str]:
    """A new key with the same scopes; the old one works for ``grace`` more (0: not at all)."""
    old = _key(_key_row(uow, principal.tenant_id, key_id))
    now = uow.clock.now()
    if not old.live(now):
        raise Unauthorized("this key is already revoked or expired", code="partner_key_dead")
    new, token = issue_key(uow, principal, old.partner_id, list(old.scopes))
    ends = now + min(grace, MAX_GRACE)
    k = tables.partner_keys.c
    values: dict[str, Any] = {"replaced_by": new.id, "expires_at": ends}
    if grace <= timedelta(0):
        values["revoked_at"] = now
    uow.conn.execute(tables.partner_keys.update().where(k.id == key_id).values(**values))
    return new, token


def revoke_key(uow: UnitOfWork, principal: Principal, key_id: str) -> PartnerKey:
    row = _key_row(uow, principal.tenant_id, key_id)
    if row["revoked_at"] is None:
        row["revoked_at"] = uow.clock.now()
        k = tables.partner_keys.c
        uow.conn.execute(
            tables.partner_keys.update().where(k.id == key_id).values(revoked_at=row["revoked_at"])
        )
    return _key(row)


def authenticate(uow: UnitOfWork, token: str | None, now: datetime) -> tuple[Caller | None, str]:
    """The caller a token names, and '' if it may call; else the reason it may not (a revoked
    key is still named, so the refusal is logged against it)."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None, "send 'Authorization: Bearer <partner key>'"
    k = tables.partner_keys.c
    row = (
        uow.conn.execute(select(tables.partner_keys).where(k.token_hash == token_hash(token)))
        .mappings()
        .first()
    )
    if row is None:
        return None, "unknown partner key"
    key = _key(row)
    caller = Caller(key.partner_id, row["tenant_id"], key.id, frozenset(key.scopes))
    if not key.live(now):
        return caller, "this partner key was revoked or rotated out"
    return caller, ""


def require(caller: Caller, scope: Scope) -> None:
    if scope not in caller.scopes:
        raise Forbidden(f"this key lacks the scope {scope.value}", code="partner_scope_missing")


def refuse(reason: str) -> Unauthorized:
    return Unauthorized(reason, code="partner_key_invalid")


def log_call(
    uow: UnitOfWork, caller: Caller, *, method: str, route: str, status: int, at: datetime
) -> None:
    uow.conn.execute(
        tables.partner_calls.insert().values(
            id=new_id("pcl"),
            tenant_id=caller.tenant_id,
            partner_id=caller.partner_id,
            key_id=caller.key_id,
            method=method[:10],
            route=route[:200],
            status=status,
            at=at,
        )
    )


def calls(
    uow: UnitOfWork, tenant_id: str, *, partner_id: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    """The tenant's partner call log, newest first."""
    c = tables.partner_calls.c
    q = select(tables.partner_calls).where(c.tenant_id == tenant_id)
    if partner_id is not None:
        q = q.where(c.partner_id == partner_id)
    rows = uow.conn.execute(q.order_by(c.at.desc(), c.id).limit(limit).offset(offset)).mappings()
    return [dict(r) for r in rows]

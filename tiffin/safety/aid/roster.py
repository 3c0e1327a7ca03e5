"""The emergency roster: who is on call at the platform, at each merchant and at the campus
office, how to reach them and when. When a tenant's public-health mode changes, everyone on
call at that moment is told through the notification queue (so a provider outage delays the
message and never loses it), once per change: the dedupe key is the change's outbox id.

Operators keep the whole roster; a merchant's account keeps its own kitchen's entries.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, select

from tiffin.domain.events import DomainEvent, PublicHealthModeChanged
from tiffin.domain.ids import new_id
from tiffin.domain.principals import Principal, Role
from tiffin.errors import Forbidden, Invalid, NotFound
from tiffin.store import tables
from tiffin.store.outbox import Envelope
from tiffin.store.uow import UnitOfWork
from tiffin.store.upsert import insert_ignore

_e = tables.emergency_roster.c
LONGEST_WATCH = timedelta(days=92)  # one entry per watch; a season at most
LANGUAGES = ("zh-CN", "en")


class Scope(StrEnum):
    PLATFORM = "platform"
    MERCHANT = "merchant"
    CAMPUS_OFFICE = "campus_office"


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    WEBHOOK = "webhook"


ADDRESS = {
    Channel.SMS: (re.compile(r"^\+?[0-9][0-9 -]{4,19}$"), "a phone number"),
    Channel.EMAIL: (re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), "an email address"),
    Channel.WEBHOOK: (re.compile(r"^https://\S+$"), "an https URL"),
}


@dataclass(frozen=True)
class RosterEntry:
    id: str
    tenant_id: str
    scope: Scope
    merchant_id: str | None
    name: str
    role: str
    channel: Channel
    address: str
    language: str
    on_call_from: datetime
    on_call_until: datetime
    created_by: str
    created_at: datetime

    def on_call(self, at: datetime) -> bool:
        return self.on_call_from <= at < self.on_call_until


def add_entry(
    uow: UnitOfWork,
    principal: Principal,
    *,
    scope: Scope,
    merchant_id: str | None,
    name: str,
    role: str,
    channel: Channel,
    address: str,
    language: str,
    on_call_from: datetime,
    on_call_until: datetime,
) -> RosterEntry:
    """Put someone on call for a window (validated: a sensible window, a reachable address)."""
    merchant_id = _merchant_scope(uow, principal, scope, merchant_id)
    now = uow.clock.now()
    if not on_call_from < on_call_until or on_call_until <= now:
        raise Invalid("a watch ends after it starts, and not in the past", code="bad_roster_entry")
    if on_call_until - on_call_from > LONGEST_WATCH:
        raise Invalid("a watch lasts at most 92 days", code="bad_roster_entry")
    pattern, what = ADDRESS[channel]
    if not pattern.match(address):
        raise Invalid(f"a {channel.value} contact needs {what}", code="bad_address")
    if language not in LANGUAGES:
        raise Invalid(f"language is one of {', '.join(LANGUAGES)}", code="bad_roster_entry")
    entry = RosterEntry(
        new_id("ros"),
        principal.tenant_id,
        scope,
        merchant_id,
        name,
        role,
        channel,
        address,
        language,
        on_call_from,
        on_call_until,
        principal.user_id,
        now,
    )
    row = {**entry.__dict__, "scope": scope.value, "channel": channel.value}
    uow.conn.execute(tables.emergency_roster.insert().values(**row))
    return entry


def _merchant_scope(
    uow: UnitOfWork, principal: Principal, scope: Scope, merchant_id: str | None
) -> str | None:
    """The merchant an entry belongs to, if any, after checking who may keep it."""
    if principal.role is Role.MERCHANT:
        if scope is not Scope.MERCHANT or merchant_id not in (None, principal.subject_id):
            raise Forbidden("a merchant keeps only its own kitchen's entries", code="not_yours")
        return principal.subject_id
    if principal.role is not Role.OPERATOR:
        raise Forbidden("operators and merchants keep the roster", code="roster_keepers_only")
    if scope is not Scope.MERCHANT:
        if merchant_id is not None:
            raise Invalid("only a merchant entry names a merchant", code="bad_roster_entry")
        return None
    merchant = uow.merchants.get(merchant_id) if merchant_id else None
    if merchant is None or merchant.tenant_id != principal.tenant_id:
        raise Invalid(f"no merchant with id {merchant_id!r}", code="unknown_merchant")
    return merchant.id


def entries(
    uow: UnitOfWork,
    principal: Principal,
    *,
    on_call_at: datetime | None = None,
    scope: Scope | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[RosterEntry]:
    """The roster the caller keeps (a merchant: its own entries), by start of watch."""
    where = [_e.tenant_id == principal.tenant_id, *_keeper(principal)]
    if on_call_at is not None:
        where += [_e.on_call_from <= on_call_at, _e.on_call_until > on_call_at]
    if scope is not None:
        where.append(_e.scope == scope.value)
    return _load(uow, where, limit=limit, offset=offset)


def remove_entry(uow: UnitOfWork, principal: Principal, entry_id: str) -> None:
    """Take an entry off the roster (the caller's own kind only; others are not found)."""
    where = [_e.id == entry_id, _e.tenant_id == principal.tenant_id, *_keeper(principal)]
    if not uow.conn.execute(delete(tables.emergency_roster).where(*where)).rowcount:
        raise NotFound(f"no roster entry with id {entry_id!r}", resource="roster_entry")


def _keeper(principal: Principal) -> list[Any]:
    if principal.role is Role.OPERATOR:
        return []
    if principal.role is Role.MERCHANT and principal.subject_id:
        return [_e.merchant_id == principal.subject_id]
    raise Forbidden("operators and merchants keep the roster", code="roster_keepers_only")


def on_call(uow: UnitOfWork, tenant_id: str, at: datetime) -> list[RosterEntry]:
    """Everyone of the tenant on call at ``at``, every scope."""
    where = [_e.tenant_id == tenant_id, _e.on_call_from <= at, _e.on_call_until > at]
    return _load(uow, where, limit=1000, offset=0)


def _load(uow: UnitOfWork, where: list[Any], *, limit: int, offset: int) -> list[RosterEntry]:
    query = (
        select(tables.emergency_roster)
        .where(*where)
        .order_by(_e.on_call_from, _e.id)
        .limit(limit)
        .offset(offset)
    )
    return [
        RosterEntry(**{**r, "scope": Scope(r["scope"]), "channel": Channel(r["channel"])})
        for r in uow.conn.execute(query).mappings()
    ]


WORDS = {
    "en": (
        "Public-health mode {state} at {tenant}",
        "{tenant} switched public-health mode {state} at {at} ({reason}). You are on call as "
        "{role} until {until}: please check in with the platform's duty operator.",
    ),
    "zh-CN": (
        "{tenant}疫情模式已{state}",
        "{tenant}于 {at} {state}疫情模式（{reason}）。您是值班{role}，值班至 {until}，"
        "请与平台值班运营联系。",
    ),
}
STATE = {"en": ("on", "off"), "zh-CN": ("开启", "关闭")}


def words(entry: RosterEntry, tenant: str, change: PublicHealthModeChanged) -> tuple[str, str]:
    """The (title, body) telling an on-call person of the change, in their language."""
    title, body = WORDS[entry.language]
    state = STATE[entry.language][0 if change.on else 1]
    stamp = "%Y-%m-%d %H:%M UTC"
    fields = {
        "tenant": tenant,
        "state": state,
        "at": change.at.strftime(stamp),
        "reason": change.reason,
        "role": entry.role,
        "until": entry.on_call_until.strftime(stamp),
    }
    return title.format(**fields), body.format(**fields)


class RosterAlerts:
    """Consumes public-health mode changes; queues a message for everyone on call then."""

    name = "safety.roster_alerts"
    wants: tuple[type[DomainEvent], ...] = (PublicHealthModeChanged,)
    batch: int | None = None

    def handle_batch(self, uow: UnitOfWork, envelopes: Sequence[Envelope]) -> None:
        for env in envelopes:
            change = env.event
            if not isinstance(change, PublicHealthModeChanged):
                continue
            tenant = uow.tenants.get(change.tenant_id)
            name = tenant.name if tenant is not None else change.tenant_id
            for entry in on_call(uow, change.tenant_id, change.at):
                alert(uow, entry, name, change, key=f"public_health_mode:{env.id}")


def alert(
    uow: UnitOfWork, entry: RosterEntry, tenant: str, change: PublicHealthModeChanged, *, key: str
) -> bool:
    """Queue the message for one entry, once per ``key``; True when it was queued now."""
    title, body = words(entry, tenant, change)
    now = uow.clock.now()
    return insert_ignore(
        uow.conn,
        tables.notifications,
        {
            "id": new_id("ntf"),
            "tenant_id": entry.tenant_id,
            "recipient": f"roster:{entry.id}",
            "address": entry.address,
            "customer_id": None,
            "order_id": None,
            "anomaly_id": None,
            "incident_id": None,
            "dedupe_key": key,
            "language": entry.language,
            "title": title[:200],
            "body": body,
            "priority": 600,  # a mode change goes before platform news and single orders
            "channels": [entry.channel.value],
            "channel_index": 0,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        },
    )

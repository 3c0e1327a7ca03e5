"""Sending notifications: provider adapters (push and SMS over HTTP webhooks) and the sender.

The sender claims due notifications highest priority first (on PostgreSQL with
``FOR UPDATE SKIP LOCKED``, so several processes share the work without sending one twice),
hands each to its current channel, and logs every attempt. A failed attempt is retried with
exponential backoff; after ``max_attempts`` on one channel it falls back to the next in the
notification's plan (push → SMS → in-app inbox). The inbox already holds the message, so the
plan always ends delivered. Providers receive the notification id as ``Idempotency-Key``: a
retry after a timeout that did reach them is not a second text message.

A provider call happens outside any database transaction: claiming marks the row ``sending``
with a lease, so a crashed sender's rows are picked up again when the lease runs out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, Protocol

import httpx
from sqlalchemy import BindParameter, and_, bindparam, insert, or_, select, update

from tiffin.clock import Clock
from tiffin.store import tables
from tiffin.store.db import Database
from tiffin.store.uow import UnitOfWork

log = logging.getLogger(__name__)


class Channel(Protocol):
    name: str

    def send(self, to: str, title: str, body: str, key: str) -> int:
        """Deliver or raise ``ChannelError``; returns the provider's status code."""
        ...


class ChannelError(Exception):
    def __init__(self, detail: str, status_code: int | None = None) -> None:
        super().__init__(detail)
        self.status_code = status_code


@dataclass
class WebhookChannel:
    """A provider reached by HTTP POST (an SMS gateway, a push service): 2xx is delivered."""

    name: str
    url: str
    timeout_seconds: float = 2.0
    client: httpx.Client = field(default_factory=httpx.Client)

    def send(self, to: str, title: str, body: str, key: str) -> int:
        try:
            response = self.client.post(
                self.url,
                json={"to": to, "title": title, "body": body},
                headers={"Idempotency-Key": key},
                timeout=self.timeout_seconds,
            )
        except httpx.HTTPError as exc:
            raise ChannelError(f"{type(exc).__name__}: {exc}") from None
        if response.status_code >= 300:
            raise ChannelError(f"provider answered {response.status_code}", response.status_code)
        return response.status_code


@dataclass(frozen=True)
class Attempt:
    row: dict[str, object]
    channel: str
    plan: list[str]
    index: int
    attempts: int
    ok: bool
    status_code: int | None
    error: str | None
    elapsed_ms: float
    configured: bool = True  # False: no provider for the channel, so nothing was attempted


def backoff_seconds(attempt: int, *, base: float = 0.5, cap: float = 60.0) -> float:
    """Wait before retry ``attempt`` (1-based): 0.5 s, 1 s, 2 s, ... capped."""
    return float(min(cap, base * 2 ** (attempt - 1)))


@dataclass
class NotificationSender:
    db: Database
    clock: Clock
    channels: dict[str, Channel]
    max_attempts: int = 3  # per channel, before falling back to the next
    batch: int = 50
    lease_seconds: float = 30.0
    parallel: int = 8
    on_delivered: Callable[[str, float], None] | None = None  # (channel, seconds queued)
    # Which notifications this sender claims: "webhook" (subscribers' URLs only), "customer"
    # (everything else) or None (all). Webhooks get a sender of their own: see care/webhooks.py.
    lane: str | None = None
    # Builds the channel for a subscriber's URL (url, tenant id); without it webhooks are not
    # sent: an unchecked URL is a request forgery waiting to happen (tiffin.resilience.outbound).
    webhook_channel: Callable[[str, str], Channel] | None = None
    _pool: ThreadPoolExecutor = field(init=False)
    _webhooks: dict[str, Channel] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._pool = ThreadPoolExecutor(self.parallel, thread_name_prefix="tiffin-send")

    def run_once(self) -> int:
        """Send one batch of due notifications (in parallel: providers are slow, not busy) and
        record every outcome in one transaction; returns how many were attempted."""
        claimed = self._claim()
        if not claimed:
            return 0
        outcomes = list(self._pool.map(self._attempt, claimed))
        self._record(outcomes)
        return len(claimed)

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def run_until_idle(self, max_rounds: int = 100) -> int:
        total = 0
        for _ in range(max_rounds):
            done = self.run_once()
            total += done
            if not done:
                break
        return total

    def run_forever(self, stop: threading.Event, poll_seconds: float) -> None:
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # noqa: BLE001 - the sender must outlive one bad batch
                log.exception("notification batch failed; will retry")
                busy = 0
            if not busy:
                stop.wait(poll_seconds)

    def _due(self, now: datetime | BindParameter[datetime]) -> Any:
        """Notifications of this sender's lane that are due at ``now``."""
        n = tables.notifications.c
        due = and_(n.status.in_(("pending", "sending")), n.next_attempt_at <= now)
        webhook = n.address.like("http%")
        if self.lane == "webhook":
            return and_(due, webhook)
        if self.lane is not None:
            return and_(due, or_(n.address.is_(None), ~webhook))
        return due

    @cached_property
    def _any_due_query(self) -> Any:
        """Built once: this runs every poll (20 times a second), and building the statement
        cost more than running it."""
        due = self._due(bindparam("now", type_=tables.notifications.c.next_attempt_at.type))
        return select(tables.notifications.c.id).where(due).limit(1)

    def _any_due(self, now: datetime) -> bool:
        """Whether anything is due, read without the write lock."""
        with UnitOfWork(self.db, self.clock, read_only=True) as uow:
            return uow.conn.execute(self._any_due_query, {"now": now}).first() is not None

    def _claim(self) -> list[dict[str, object]]:
        n = tables.notifications.c
        now = self.clock.now()
        if self.db.is_sqlite and not self._any_due(now):
            return []  # SQLite's one write lock is for orders, not for polling an empty queue
        with UnitOfWork(self.db, self.clock) as uow:
            conn = uow.conn
            query = (
                select(n.id, n.recipient, n.address, n.customer_id, n.title, n.body, n.channels)
                .add_columns(n.channel_index, n.attempts, n.created_at, n.tenant_id)
                .where(self._due(now))
                .order_by(n.priority.desc(), n.created_at)
                .limit(self.batch)
            )
            if conn.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = [dict(r) for r in conn.execute(query).mappings()]
            if rows:
                lease = now + timedelta(seconds=self.lease_seconds)
                conn.execute(
                    update(tables.notifications)
                    .where(n.id.in_([r["id"] for r in rows]))
                    .values(status="sending", next_attempt_at=lease)
                )
                uow.commit()
        return rows

    def _attempt(self, row: dict[str, object]) -> Attempt:
        plan = list(row["channels"])  # type: ignore[call-overload]
        index = int(row["channel_index"])  # type: ignore[call-overload]
        attempts = int(row["attempts"])  # type: ignore[call-overload]
        channel_name = plan[index]
        ok, status_code, error, configured = True, None, None, True
        began = time.perf_counter()
        if channel_name == "inbox":
            pass  # written with the notification: nothing to send
        elif channel_name == "call":
            ok, error = False, "waiting on the operator call list"
        else:
            channel = self._channel(channel_name, row)
            if channel is None:
                # A configuration state, not a failed delivery: move on to the next channel
                # without logging an attempt (the health watch counts attempts).
                ok, error, configured = False, f"no {channel_name} provider configured", False
                attempts = self.max_attempts - 1  # do not retry what cannot work
            else:
                try:
                    status_code = channel.send(
                        str(row["address"] or row["customer_id"] or row["recipient"]),
                        str(row["title"]),
                        str(row["body"]),
                        str(row["id"]),
                    )
                except ChannelError as exc:
                    ok, status_code, error = False, exc.status_code, str(exc)
        elapsed_ms = (time.perf_counter() - began) * 1000
        return Attempt(
            row, channel_name, plan, index, attempts, ok, status_code, error, elapsed_ms, configured
        )

    def _channel(self, name: str, row: dict[str, object]) -> Channel | None:
        """The provider for a channel; a webhook subscriber's channel is their own URL."""
        if name == "webhook":
            if not row["address"] or self.webhook_channel is None:
                return None
            url = str(row["address"])
            if url not in self._webhooks:
                self._webhooks[url] = self.webhook_channel(url, str(row["tenant_id"]))
            return self._webhooks[url]
        return self.channels.get(name)

    def _record(self, outcomes: list[Attempt]) -> None:
        now = self.clock.now()
        n = tables.notifications.c
        with UnitOfWork(self.db, self.clock) as uow:
            for o in outcomes:
                if o.configured:
                    self._log_attempt(uow, o, now)
                uow.conn.execute(
                    update(tables.notifications)
                    .where(n.id == o.row["id"])
                    .values(**self._next_state(o, now))
                )
            uow.commit()

    @staticmethod
    def _log_attempt(uow: UnitOfWork, o: Attempt, now: datetime) -> None:
        uow.conn.execute(
            insert(tables.notification_attempts).values(
                notification_id=o.row["id"],
                channel=o.channel,
                at=now,
                ok=o.ok,
                status_code=o.status_code,
                error=o.error,
                elapsed_ms=o.elapsed_ms,
            )
        )

    def _next_state(self, o: Attempt, now: datetime) -> dict[str, object]:
        """What an attempt leads to: delivered, a retry after backoff, the next channel, or
        (only when every channel is exhausted) failed."""
        channel_name, plan, index, attempts = o.channel, o.plan, o.index, o.attempts
        ok, error = o.ok, o.error
        values: dict[str, object]
        if ok:
            values = {"status": "delivered", "delivered_at": now, "delivered_via": channel_name}
            created = o.row.get("created_at")
            if self.on_delivered is not None and isinstance(created, datetime):
                self.on_delivered(channel_name, (now - created).total_seconds())
        elif channel_name == "call":
            values = {"status": "on_call_list", "last_error": error}
        elif attempts + 1 >= self.max_attempts and index + 1 < len(plan):
            values = {
                "status": "pending",
                "channel_index": index + 1,
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": error,
            }
        elif attempts + 1 >= self.max_attempts:
            values = {"status": "failed", "last_error": error}
        else:
            retry_at: datetime = now + timedelta(seconds=backoff_seconds(attempts + 1))
            values = {
                "status": "pending",
                "attempts": attempts + 1,
                "next_attempt_at": retry_at,
                "last_error": error,
            }
        return values


def configured_channels(
    push_url: str | None, sms_url: str | None, email_url: str | None = None
) -> dict[str, Channel]:
    channels: dict[str, Channel] = {}
    if email_url:
        channels["email"] = WebhookChannel("email", email_url)
    if push_url:
        channels["push"] = WebhookChannel("push", push_url)
    if sms_url:
        channels["sms"] = WebhookChannel("sms", sms_url)
    return channels

"""Health signals, and the watch that opens an incident when one breaches.

The signals are read from the running process (HTTP error rate, outbox lag, the dispatcher's
heartbeat) and from the database (notification attempts: a channel with no provider configured
logs none, so it is never a failure). A breach opens an incident at once, dated from the moment
the breach was first seen, so the status page and the make-good window start when the trouble
did. The error rate is judged per tenant past a minimum volume, and its incident belongs to that
tenant; the other signals open platform-wide ones. When the signal is healthy again the incident
moves to ``monitoring``, and after ``resolve_after`` of health it resolves itself. Incidents
opened here are unconfirmed: resolving one makes good only for tenants whose operator confirmed
it (``tiffin.incidents.confirmation``). An operator can of course update or resolve it sooner.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import case, func, select

from tiffin.incidents import service
from tiffin.incidents.model import SIGNAL_COMPONENT, SIGNAL_TITLE, Impact, Signal, State
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork


@dataclass
class HttpStats:
    """Responses of the last minute, for the error-rate signal (5xx over all), each with the
    tenant that asked (``None`` before anyone was recognised), so an incident is scoped to the
    tenants that saw the errors."""

    window: timedelta = timedelta(seconds=60)
    _seen: deque[tuple[datetime, bool, str | None]] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, at: datetime, status_code: int, tenant_id: str | None = None) -> None:
        with self._lock:
            self._seen.append((at, status_code >= 500, tenant_id))
            self._trim(at)

    def rate(self, now: datetime) -> tuple[float, int]:
        with self._lock:
            self._trim(now)
            total = len(self._seen)
            errors = sum(1 for _, bad, _ in self._seen if bad)
        return (errors / total if total else 0.0), total

    def by_tenant(self, now: datetime) -> dict[str, tuple[int, int]]:
        """(errors, requests) per recognised tenant in the window."""
        counts: dict[str, tuple[int, int]] = {}
        with self._lock:
            self._trim(now)
            for _, bad, tenant_id in self._seen:
                if tenant_id is not None:
                    errors, total = counts.get(tenant_id, (0, 0))
                    counts[tenant_id] = (errors + bad, total + 1)
        return counts

    def _trim(self, now: datetime) -> None:
        while self._seen and now - self._seen[0][0] > self.window:
            self._seen.popleft()


# A breach: the signal, and the tenant it is scoped to (``None``: the whole platform).
Breach = tuple[Signal, str | None]


@dataclass(frozen=True)
class Limits:
    max_error_rate: float = 0.05
    min_requests: int = 20  # per tenant, in the window: a handful of 5xx is not an incident
    min_errors: int = 5
    max_outbox_lag: int = 1000
    dispatcher_stall_seconds: float = 60.0
    max_notification_failure_rate: float = 0.5
    min_notification_attempts: int = 5
    notification_window: timedelta = timedelta(minutes=5)
    resolve_after: timedelta = timedelta(minutes=5)


class Running(Protocol):
    """What the watch reads from the running platform."""

    http: HttpStats
    heartbeats: dict[str, datetime]

    def outbox_lag(self) -> int: ...

    def workers_running(self) -> bool: ...


def breaches(uow: UnitOfWork, running: Running, limits: Limits) -> dict[Breach, str]:
    """The signals out of bounds right now, each with a sentence of evidence. The error rate
    is judged per tenant, and only past a minimum volume; 5xx no tenant can be tied to (before
    sign-in) count on /metrics but open nothing."""
    now = uow.clock.now()
    found: dict[Breach, str] = {}
    for tenant_id, (errors, total) in sorted(running.http.by_tenant(now).items()):
        if (
            total >= limits.min_requests
            and errors >= limits.min_errors
            and errors / total > limits.max_error_rate
        ):
            found[(Signal.ERROR_RATE, tenant_id)] = (
                f"{errors / total:.0%} of {total} requests failed in the last minute"
            )
    lag = running.outbox_lag()
    if lag > limits.max_outbox_lag:
        found[(Signal.OUTBOX_LAG, None)] = f"{lag} events waiting in the outbox"
    beat = running.heartbeats.get("dispatch_once")
    if running.workers_running() and beat is not None:
        silent = (now - beat).total_seconds()
        if silent > limits.dispatcher_stall_seconds:
            found[(Signal.DISPATCHER_STALLED, None)] = f"no dispatch cycle for {silent:.0f} s"
    a = tables.notification_attempts.c
    total_attempts, failed = uow.conn.execute(
        select(func.count(), func.coalesce(func.sum(case((a.ok.is_(False), 1), else_=0)), 0)).where(
            a.at >= now - limits.notification_window, a.channel.in_(("push", "sms", "email"))
        )
    ).one()
    if (
        total_attempts >= limits.min_notification_attempts
        and failed / total_attempts > limits.max_notification_failure_rate
    ):
        found[(Signal.NOTIFICATION_FAILURES, None)] = (
            f"{failed} of {total_attempts} provider attempts failed in the last "
            f"{limits.notification_window.total_seconds() / 60:.0f} min"
        )
    return found


@dataclass
class HealthWatch:
    limits: Limits = field(default_factory=Limits)
    first_seen: dict[Breach, datetime] = field(default_factory=dict)
    healthy_since: dict[Breach, datetime] = field(default_factory=dict)

    def needs_writing(self, uow: UnitOfWork, found: dict[Breach, str]) -> bool:
        """Whether ``tick`` would change anything: a breach, or an open signal incident."""
        if found:
            return True
        i = tables.incidents.c
        query = select(i.id).where(i.state != State.RESOLVED.value, i.source.like("signal:%"))
        return uow.conn.execute(query.limit(1)).first() is not None

    def tick(self, uow: UnitOfWork, found: dict[Breach, str]) -> list[str]:
        """Open, calm or resolve signal incidents given the breaches ``found`` (read before,
        in a read-only transaction); returns what it did (for the log). Incidents it opens are
        unconfirmed: resolving them makes good only once an operator confirmed them."""
        now = uow.clock.now()
        i = tables.incidents.c
        open_by_breach: dict[Breach, Any] = {
            (Signal(row.source.removeprefix("signal:")), row.tenant_id): row
            for row in uow.conn.execute(
                select(i.id, i.source, i.state, i.tenant_id).where(
                    i.state != State.RESOLVED.value, i.source.like("signal:%")
                )
            )
        }
        done: list[str] = []
        for breach in sorted(set(found) | set(open_by_breach), key=_order):
            signal, tenant_id = breach
            name = signal.value if tenant_id is None else f"{signal.value} ({tenant_id})"
            incident = open_by_breach.get(breach)
            if breach in found:
                self.first_seen.setdefault(breach, now)
                self.healthy_since.pop(breach, None)
                if incident is None:
                    service.open_incident(
                        uow,
                        tenant_id=tenant_id,
                        title=SIGNAL_TITLE[signal],
                        components={SIGNAL_COMPONENT[signal].value: Impact.MAJOR.value},
                        message=f"Detected automatically: {found[breach]}. We are investigating.",
                        author="system",
                        source=f"signal:{signal.value}",
                        started_at=self.first_seen[breach],
                    )
                    done.append(f"opened {name}")
                elif incident.state == State.MONITORING.value:
                    service.post_update(
                        uow,
                        incident.id,
                        tenant_id=tenant_id,
                        state=State.INVESTIGATING,
                        message=f"The trouble is back: {found[breach]}.",
                        author="system",
                    )
                    done.append(f"reopened {name}")
                continue
            self.first_seen.pop(breach, None)
            if incident is None:
                continue
            since = self.healthy_since.setdefault(breach, now)
            if incident.state != State.MONITORING.value:
                service.post_update(
                    uow,
                    incident.id,
                    tenant_id=tenant_id,
                    state=State.MONITORING,
                    message="The signal is back to normal; we are watching it.",
                    author="system",
                )
                done.append(f"monitoring {name}")
            elif now - since >= self.limits.resolve_after:
                service.post_update(
                    uow,
                    incident.id,
                    tenant_id=tenant_id,
                    state=State.RESOLVED,
                    message=f"Healthy for {self.limits.resolve_after.total_seconds() / 60:.0f} "
                    "minutes: resolved.",
                    author="system",
                )
                self.healthy_since.pop(breach, None)
                done.append(f"resolved {name}")
        return done


def _order(breach: Breach) -> tuple[int, str]:
    """Signals in their declared order, platform-wide first, then by tenant."""
    return list(Signal).index(breach[0]), breach[1] or ""

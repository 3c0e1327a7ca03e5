"""Health signals, and the watch that opens an incident when one breaches.

The signals are read from the running process (HTTP error rate, outbox lag, the dispatcher's
heartbeat) and from the database (notification attempts). A breach opens a platform-wide
incident at once, dated from the moment the breach was first seen, so the status page and the
make-good window start when the trouble did; when the signal is healthy again the incident moves
to ``monitoring``, and after ``resolve_after`` of health it resolves itself, which makes good.
An operator can of course update or resolve it sooner.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import case, func, select

from tiffin.incidents import service
from tiffin.incidents.model import SIGNAL_COMPONENT, SIGNAL_TITLE, Impact, Signal, State
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork


@dataclass
class HttpStats:
    """Responses of the last minute, for the error-rate signal (5xx over all)."""

    window: timedelta = timedelta(seconds=60)
    _seen: deque[tuple[datetime, bool]] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, at: datetime, status_code: int) -> None:
        with self._lock:
            self._seen.append((at, status_code >= 500))
            self._trim(at)

    def rate(self, now: datetime) -> tuple[float, int]:
        with self._lock:
            self._trim(now)
            total = len(self._seen)
            errors = sum(1 for _, bad in self._seen if bad)
        return (errors / total if total else 0.0), total

    def _trim(self, now: datetime) -> None:
        while self._seen and now - self._seen[0][0] > self.window:
            self._seen.popleft()


@dataclass(frozen=True)
class Limits:
    max_error_rate: float = 0.05
    min_requests: int = 20
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


def breaches(uow: UnitOfWork, running: Running, limits: Limits) -> dict[Signal, str]:
    """The signals out of bounds right now, each with a sentence of evidence."""
    now = uow.clock.now()
    found: dict[Signal, str] = {}
    rate, total = running.http.rate(now)
    if total >= limits.min_requests and rate > limits.max_error_rate:
        found[Signal.ERROR_RATE] = f"{rate:.0%} of {total} requests failed in the last minute"
    lag = running.outbox_lag()
    if lag > limits.max_outbox_lag:
        found[Signal.OUTBOX_LAG] = f"{lag} events waiting in the outbox"
    beat = running.heartbeats.get("dispatch_once")
    if running.workers_running() and beat is not None:
        silent = (now - beat).total_seconds()
        if silent > limits.dispatcher_stall_seconds:
            found[Signal.DISPATCHER_STALLED] = f"no dispatch cycle for {silent:.0f} s"
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
        found[Signal.NOTIFICATION_FAILURES] = (
            f"{failed} of {total_attempts} provider attempts failed in the last "
            f"{limits.notification_window.total_seconds() / 60:.0f} min"
        )
    return found


@dataclass
class HealthWatch:
    limits: Limits = field(default_factory=Limits)
    first_seen: dict[Signal, datetime] = field(default_factory=dict)
    healthy_since: dict[Signal, datetime] = field(default_factory=dict)

    def needs_writing(self, uow: UnitOfWork, found: dict[Signal, str]) -> bool:
        """Whether ``tick`` would change anything: a breach, or an open signal incident."""
        if found:
            return True
        i = tables.incidents.c
        query = select(i.id).where(i.state != State.RESOLVED.value, i.source.like("signal:%"))
        return uow.conn.execute(query.limit(1)).first() is not None

    def tick(self, uow: UnitOfWork, found: dict[Signal, str]) -> list[str]:
        """Open, calm or resolve signal incidents given the breaches ``found`` (read before,
        in a read-only transaction); returns what it did (for the log)."""
        now = uow.clock.now()
        i = tables.incidents.c
        open_by_signal = {
            row.source: row
            for row in uow.conn.execute(
                select(i.id, i.source, i.state).where(
                    i.state != State.RESOLVED.value, i.source.like("signal:%")
                )
            )
        }
        done: list[str] = []
        for signal in Signal:
            source = f"signal:{signal.value}"
            incident = open_by_signal.get(source)
            if signal in found:
                self.first_seen.setdefault(signal, now)
                self.healthy_since.pop(signal, None)
                if incident is None:
                    service.open_incident(
                        uow,
                        tenant_id=None,
                        title=SIGNAL_TITLE[signal],
                        components={SIGNAL_COMPONENT[signal].value: Impact.MAJOR.value},
                        message=f"Detected automatically: {found[signal]}. We are investigating.",
                        author="system",
                        source=source,
                        started_at=self.first_seen[signal],
                    )
                    done.append(f"opened {signal.value}")
                elif incident.state == State.MONITORING.value:
                    service.post_update(
                        uow,
                        incident.id,
                        tenant_id=None,
                        state=State.INVESTIGATING,
                        message=f"The trouble is back: {found[signal]}.",
                        author="system",
                    )
                    done.append(f"reopened {signal.value}")
                continue
            self.first_seen.pop(signal, None)
            if incident is None:
                continue
            since = self.healthy_since.setdefault(signal, now)
            if incident.state != State.MONITORING.value:
                service.post_update(
                    uow,
                    incident.id,
                    tenant_id=None,
                    state=State.MONITORING,
                    message="The signal is back to normal; we are watching it.",
                    author="system",
                )
                done.append(f"monitoring {signal.value}")
            elif now - since >= self.limits.resolve_after:
                service.post_update(
                    uow,
                    incident.id,
                    tenant_id=None,
                    state=State.RESOLVED,
                    message=f"Healthy for {self.limits.resolve_after.total_seconds() / 60:.0f} "
                    "minutes: resolved. Affected customers are being compensated.",
                    author="system",
                )
                self.healthy_since.pop(signal, None)
                done.append(f"resolved {signal.value}")
        return done

"""The running platform: database, clock, settings and workers, built once and passed down."""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from anyio import CapacityLimiter
from sqlalchemy import select

from tiffin.accounts.credentials import Lockout
from tiffin.accounts.revocation import revocations_for
from tiffin.accounts.service import TokenCache
from tiffin.anomalies.dispatch_priorities import anomaly_priorities
from tiffin.anomalies.engine import Engine
from tiffin.anomalies.watch import AnomalyConsumer, scan_all
from tiffin.care.channels import NotificationSender, configured_channels
from tiffin.care.inbox import InboxConsumer
from tiffin.care.webhooks import CUSTOMER_LANE, WEBHOOK_LANE, CheckedWebhookChannel
from tiffin.care.zone_notices import ZoneNoticeConsumer
from tiffin.clock import Clock, SystemClock
from tiffin.comms.watch import SentimentWatch
from tiffin.compliance.audit import AuditConsumer
from tiffin.dispatch.fairness import FairnessGauges
from tiffin.dispatch.service import run_cycle
from tiffin.dispatch.slips import redispatch_slipping
from tiffin.incidents.health import HealthWatch, HttpStats, breaches
from tiffin.optimiser.model import DispatchParams
from tiffin.ordering.checkout_cache import CheckoutCatalog
from tiffin.resilience.leases import hold, hold_share, process_identity
from tiffin.resilience.metrics import Metrics
from tiffin.resilience.outbound import OutboundPolicy
from tiffin.resilience.ratelimit import RateLimits
from tiffin.risk.counters import counters_from
from tiffin.risk.gate import RiskGate
from tiffin.safety.health import purge_expired
from tiffin.settings import Settings
from tiffin.sim.demo_day import DemoDay
from tiffin.store import tables
from tiffin.store.db import Database
from tiffin.store.locks import try_lock
from tiffin.store.uow import UnitOfWork
from tiffin.trust.service import TrustedReview
from tiffin.workers.runner import Consumer, OutboxRunner

log = logging.getLogger(__name__)


def default_consumers(
    engine: Engine | None = None, audit_key: str | None = None, *, audit: bool = True
) -> list[Consumer]:
    consumers: list[Consumer] = [
        InboxConsumer(),
        AnomalyConsumer(engine or Engine()),
        SentimentWatch(),
        TrustedReview(),
        ZoneNoticeConsumer(),
    ]
    return [*consumers, AuditConsumer(audit_key)] if audit else consumers


@dataclass
class Platform:
    settings: Settings
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    runner: OutboxRunner | None = None
    tokens: TokenCache = field(default_factory=TokenCache)
    catalog: CheckoutCatalog = field(default_factory=CheckoutCatalog)  # checkout's read copies
    demo: DemoDay | None = None  # the live simulated day, when settings.demo_day
    dispatch_params: DispatchParams = field(default_factory=DispatchParams)
    failures: dict[str, int] = field(default_factory=dict)  # background rounds that failed
    sender: NotificationSender | None = None
    webhooks: NotificationSender | None = None  # status-page webhooks, a lane of their own
    limits: RateLimits = field(init=False)  # login, sign-up and placement rates
    lockout: Lockout = field(init=False)  # after failed logins in a row
    http: HttpStats = field(default_factory=HttpStats)
    heartbeats: dict[str, datetime] = field(default_factory=dict)  # last good round per loop
    health: HealthWatch = field(default_factory=HealthWatch)
    _metrics: Metrics | None = None
    _risk_gate: RiskGate | None = None
    identity: str = field(default_factory=process_identity)  # as a lease holder
    # The write slots' limiter per event loop (a limiter belongs to the loop it was made in;
    # tests run several loops in turn). See tiffin.api.writes.
    write_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CapacityLimiter] = field(
        default_factory=weakref.WeakKeyDictionary
    )

    @property
    def metrics(self) -> Metrics:
        if self._metrics is None:
            self._metrics = Metrics(
                self.uow,
                lambda: self.outbox_runner().lag(),
                self.heartbeats,
                self.clock.now,
            )
            self._metrics.registry.register(FairnessGauges(self.uow))
        return self._metrics

    @property
    def risk_gate(self) -> RiskGate:
        """Order placement's and coupon redemption's risk checkpoints (one per process)."""
        if self._risk_gate is None:
            self._risk_gate = RiskGate(
                counters_from(self.settings.risk_counters_url),
                enabled=self.settings.risk_on_orders,
            )
        return self._risk_gate

    @property
    def anomaly_engine(self) -> Engine:
        return Engine(dispatch_params=self.dispatch_params)

    @classmethod
    def build(cls, settings: Settings, clock: Clock | None = None) -> Platform:
        return cls(
            settings=settings, db=Database(settings.database_url), clock=clock or SystemClock()
        )

    @property
    def write_slots(self) -> int:
        """Writing requests worked on at once (``tiffin.api.writes``): SQLite has one writer;
        PostgreSQL takes several, but past a few the GIL, not the database, is the limit."""
        return 1 if self.db.is_sqlite else self.settings.postgres_write_slots

    def __post_init__(self) -> None:
        """The abuse guards (docs/security.md) and the health watch's volume floor, built from
        settings like everything else."""
        s = self.settings
        self.health.limits = replace(
            self.health.limits,
            min_requests=s.error_incident_min_requests,
            min_errors=s.error_incident_min_errors,
        )
        self.tokens.revocations = revocations_for(s.rate_limit_storage_url)
        self.limits = RateLimits(
            {
                "login": s.rate_limit_login,
                "signup": s.rate_limit_signup,
                "orders": s.rate_limit_orders,
                "orders_per_ip": s.rate_limit_orders_per_ip,
            },
            s.rate_limit_storage_url,
        )
        self.lockout = Lockout(
            s.lockout_after_failures, s.lockout_base_seconds, s.lockout_max_seconds
        )

    @property
    def outbound(self) -> OutboundPolicy:
        """What webhook URLs may point at (read from settings on every use; tenants by id)."""
        s = self.settings
        allowed = dict(s.webhook_allowed_hosts)
        if allowed:  # the setting may name tenants by slug: key them by id as callers do
            t = tables.tenants.c
            with self.uow(read_only=True) as uow:
                rows = uow.conn.execute(select(t.id, t.slug).where(t.slug.in_(list(allowed))))
                allowed.update({r.id: allowed[r.slug] for r in rows})
        return OutboundPolicy(allowed, allow_private=s.allow_private_webhooks)

    def webhook_sender(self) -> NotificationSender:
        """The sender of status-page webhooks: its own lane, so slow subscribers never delay
        customers' messages."""
        if self.webhooks is None:
            timeout = self.settings.webhook_timeout_seconds

            def channel(url: str, tenant_id: str) -> CheckedWebhookChannel:
                return CheckedWebhookChannel(url, self.outbound, tenant_id, timeout)

            self.webhooks = NotificationSender(
                self.db, self.clock, {}, lane=WEBHOOK_LANE, webhook_channel=channel
            )
        return self.webhooks

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        """A unit of work; ``read_only=True`` for queries (never blocks on writers)."""
        return UnitOfWork(self.db, self.clock, read_only=read_only)

    def outbox_runner(self) -> OutboxRunner:
        if self.runner is None:
            self.runner = OutboxRunner(
                self.db,
                self.clock,
                default_consumers(
                    self.anomaly_engine,
                    self.settings.audit_signing_key,
                    audit=self.settings.audit_chain,
                ),
            )
        return self.runner

    def notification_sender(self) -> NotificationSender:
        if self.sender is None:
            s = self.settings
            channels = configured_channels(
                s.push_webhook_url, s.sms_webhook_url, s.email_webhook_url
            )
            self.sender = NotificationSender(
                self.db,
                self.clock,
                channels,
                lane=CUSTOMER_LANE,
                on_delivered=lambda channel, seconds: self.metrics.notification_delay.labels(
                    channel
                ).observe(seconds),
            )
        return self.sender

    def start_workers(self) -> None:
        s = self.settings
        self._start("tiffin-outbox", self.outbox_runner().run_forever, s.worker_poll_seconds)
        self._start("tiffin-notify", self.notification_sender().run_forever, s.notify_poll_seconds)
        self._start("tiffin-webhooks", self.webhook_sender().run_forever, s.notify_poll_seconds)
        self._start("tiffin-dispatch", self._every(self.dispatch_once), s.dispatch_seconds)
        self._start("tiffin-anomalies", self._every(self.scan_anomalies), s.anomaly_scan_seconds)
        self._start("tiffin-health", self._every(self.watch_health), s.health_seconds)
        purge = self._every(self.purge_health_records)
        self._start("tiffin-health-records", purge, s.health_records_purge_seconds)
        if s.demo_day:
            self._start("tiffin-demo-day", self._every(self.play_demo_day), s.demo_day_seconds)

    def play_demo_day(self) -> int:
        """One tick of the live simulated day on the demo campus (``tiffin.sim.demo_day``)."""
        if self.demo is None:
            self.demo = DemoDay(self.uow, self.catalog, self.clock)
        return sum(self.demo.tick().values())

    def workers_running(self) -> bool:
        return bool(self._threads) and not self._stop.is_set()

    def outbox_lag(self) -> int:
        """Events the slowest consumer has still to handle."""
        return max(self.outbox_runner().lag().values(), default=0)

    def watch_health(self) -> list[str]:
        """One look at the health signals; a breach opens a platform incident (see health.py)."""
        with self.uow(read_only=True) as uow:
            found = breaches(uow, self, self.health.limits)
            if not self.health.needs_writing(uow, found):
                return []  # the usual case costs the database one read
        with self.uow() as uow:
            if not try_lock(uow, "tiffin-health-watch"):  # or two could open one incident
                return []
            done = self.health.tick(uow, found)
            uow.commit()
        for what in done:
            log.warning("health watch: %s", what)
        return done

    def purge_health_records(self) -> int:
        """Delete riders' check-ins past their tenant's retention period (a worker calls this)."""
        with self.uow() as uow:
            purged = purge_expired(uow, self.clock.now())
            uow.commit()
        return purged

    def _start(
        self, name: str, loop: Callable[[threading.Event, float], None], period: float
    ) -> None:
        thread = threading.Thread(target=loop, args=(self._stop, period), name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def scan_anomalies(self) -> int:
        """One tick of the timer detectors over every tenant (the worker thread calls this)."""
        return len(scan_all(self.uow, self.anomaly_engine))

    def _every(self, work: Callable[[], object]) -> Callable[[threading.Event, float], None]:
        """A loop that runs ``work`` every period and outlives a failing round."""

        def loop(stop: threading.Event, period: float) -> None:
            while not stop.is_set():
                try:
                    work()
                    self.heartbeats[work.__name__] = self.clock.now()
                except Exception:  # noqa: BLE001 - a background loop must outlive one bad round
                    name = work.__name__
                    self.failures[name] = self.failures.get(name, 0) + 1
                    log.exception("%s failed (%d so far); will retry", name, self.failures[name])
                stop.wait(period)

        return loop

    def dispatch_once(self) -> int:
        """One live dispatch cycle over every tenant (the worker thread calls this)."""
        ttl = timedelta(seconds=self.settings.lease_seconds)
        zones = self.settings.dispatch_zones
        with self.metrics.dispatch_seconds.time(), self.uow() as uow:
            held: set[str] = set()
            if zones > 1:  # per-zone leaders: this process takes its fair share of the zones
                names = [f"dispatch:{t.id}:z{z}" for t in uow.tenants.find() for z in range(zones)]
                held = hold_share(uow, names, self.identity, ttl)

            def leads(key: str) -> bool:
                if zones > 1:
                    return f"dispatch:{key}" in held
                return hold(uow, f"dispatch:{key}", self.identity, ttl)

            made = run_cycle(
                uow,
                self.dispatch_params,
                priorities=anomaly_priorities,
                leads=leads,
                slips=redispatch_slipping,
                zones=zones,
            )
            uow.commit()
        return made

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        for sender in (self.sender, self.webhooks):
            if sender is not None:
                sender.close()
        self.db.dispose()

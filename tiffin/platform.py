"""The running platform: database, clock, settings and workers, built once and passed down."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

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
from tiffin.domain.priorities import FEATURES, Priority
from tiffin.drills.runner import DrillRunner
from tiffin.incidents.health import HealthWatch, HttpStats, breaches
from tiffin.optimiser.model import DispatchParams
from tiffin.ordering.checkout_cache import CheckoutCatalog
from tiffin.resilience import switches
from tiffin.resilience.admission import SHED_IMPORTANT, Admission, AdmissionLimits
from tiffin.resilience.degraded import Degraded
from tiffin.resilience.leases import hold, hold_share, process_identity
from tiffin.resilience.metrics import Metrics
from tiffin.resilience.outbound import OutboundPolicy
from tiffin.resilience.ratelimit import RateLimits
from tiffin.resilience.startup import Job, StagedStart
from tiffin.risk import service as risk_service
from tiffin.risk.counters import counters_from
from tiffin.risk.gate import RiskGate
from tiffin.safety.aid.roster import RosterAlerts
from tiffin.safety.health import purge_expired
from tiffin.safety.ingest import TelemetryWriter
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
        RosterAlerts(),
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
    _telemetry: TelemetryWriter | None = None
    identity: str = field(default_factory=process_identity)  # as a lease holder
    admission: Admission = field(init=False)  # who is served under overload (api.admission)
    degraded: Degraded = field(init=False)  # deferrable features switched off
    database_slow: bool = False  # as the health watch last timed it
    startup: StagedStart | None = None  # the staged start of the workers, once begun
    _drills: DrillRunner | None = None
    # The write slots' threads (tiffin.api.writes), write_slots of them; an executor starts
    # its threads on the first write. ``stop`` lets the queued writes finish.
    write_executor: ThreadPoolExecutor = field(init=False)
    _when_started: list[Callable[[], object]] = field(default_factory=list)
    _loops: dict[str, tuple[Callable[[threading.Event, float], None], float]] = field(
        default_factory=dict
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
    def telemetry(self) -> TelemetryWriter:
        """Rider telemetry's group-committing writer (one per process, ``safety.ingest``); its
        queueing feeds admission control like a write slot's."""
        if self._telemetry is None:
            self._telemetry = TelemetryWriter(self.uow, on_wait=self.admission.observe_wait)
        return self._telemetry

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

    def _new_write_executor(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(self.write_slots, "tiffin-write")

    def __post_init__(self) -> None:
        """The abuse guards (docs/security.md) and the health watch's volume floor, built from
        settings like everything else."""
        s = self.settings
        self.write_executor = self._new_write_executor()
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
                "dropoff_code": s.rate_limit_dropoff_code,
            },
            s.rate_limit_storage_url,
        )
        self.lockout = Lockout(
            s.lockout_after_failures, s.lockout_base_seconds, s.lockout_max_seconds
        )
        limits = AdmissionLimits(
            capacity=s.admission_capacity, wait_target_s=s.admission_wait_target_ms / 1000
        )
        # Saturation is about this process's real time: a virtual clock (tests, the simulator)
        # must not freeze the wait signal or the calm spell, so the rule times with monotonic.
        self.admission = Admission(limits, time.monotonic)
        self.degraded = Degraded(lambda: self.clock.now(), s.degraded_calm_seconds)

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
        """Start the background loops in waves (``tiffin.resilience.startup``): each loop's
        class is declared here beside it; the order is logged and shown on /readyz."""
        s = self.settings
        every = self._every
        loops: list[tuple[Job, Callable[[threading.Event, float], None], float]] = [
            (
                Job("tiffin-outbox", Priority.CORE),
                self.outbox_runner().run_forever,
                s.worker_poll_seconds,
            ),
            (Job("tiffin-dispatch", Priority.CORE), every(self.dispatch_once), s.dispatch_seconds),
            (Job("tiffin-health", Priority.CORE), every(self.watch_health), s.health_seconds),
            (
                Job("tiffin-notify", Priority.CORE, after_core=True),
                self.notification_sender().run_forever,
                s.notify_poll_seconds,
            ),
            (
                Job("tiffin-anomalies", Priority.IMPORTANT),
                every(self.scan_anomalies),
                s.anomaly_scan_seconds,
            ),
            (
                Job("tiffin-health-records", Priority.DEFERRABLE),
                every(self.purge_health_records),
                s.health_records_purge_seconds,
            ),
            (
                Job("tiffin-webhooks", Priority.DEFERRABLE),
                self.webhook_sender().run_forever,
                s.notify_poll_seconds,
            ),
            (
                Job("tiffin-drills", Priority.DEFERRABLE),
                every(self.run_drills),
                s.drill_poll_seconds,
            ),
        ]
        if s.demo_day:
            loops.append(
                (
                    Job("tiffin-demo-day", Priority.DEFERRABLE),
                    every(self.play_demo_day),
                    s.demo_day_seconds,
                )
            )
        self._loops = {job.name: (loop, period) for job, loop, period in loops}
        self.startup = StagedStart(
            [job for job, _, _ in loops], self.clock.now, s.startup_settle_seconds
        )
        self._start_due()
        thread = threading.Thread(target=self._start_in_waves, name="tiffin-starter", daemon=True)
        thread.start()
        self._threads.append(thread)

    def warm_risk(self, limit: int = 200) -> None:
        """Compile the risk checkpoints' feature reads for the tenants' rules in force
        (``risk.service.warm``) before the first customer's decision would; a tenant each."""
        with self.uow(read_only=True) as uow:
            tenants = uow.conn.execute(select(tables.tenants.c.id).limit(limit)).scalars().all()
        for tenant_id in tenants:
            with self.uow() as uow:  # decisions run in writing units of work: warm those
                risk_service.warm(uow, tenant_id)

    def when_started(self, hook: Callable[[], object]) -> None:
        """Run ``hook`` once every background loop has started (the staged start is done), on
        the starter thread: how ``tiffin serve`` settles its heap a second time, once the
        loops' own start-up (their imports, their first rounds) is behind them."""
        self._when_started.append(hook)

    def _start_in_waves(self) -> None:
        try:
            self.warm_risk()
        except Exception:  # noqa: BLE001 - only a head start lost: decisions compile on use
            log.exception("warming the risk checkpoints failed; they will compile on first use")
        while self.startup is not None and not self.startup.done and not self._stop.wait(0.25):
            try:
                self._start_due()
            except Exception:  # noqa: BLE001 - the core keeps running; try the next wave again
                log.exception("staged start: checking the core failed; will retry")
        if self.startup is None or not self.startup.done:
            return  # stopped before every loop started
        for hook in self._when_started:
            try:
                hook()
            except Exception:  # noqa: BLE001 - a hook's failure is not the platform's
                log.exception("a hook run once the workers had started failed")

    def _start_due(self) -> None:
        assert self.startup is not None
        for job in self.startup.due(core_up=self._core_up(), core_healthy=self._core_healthy()):
            log.info("staged start: wave %d: %s (%s)", job.wave, job.name, job.priority.label)
            self._start(job.name, *self._loops[job.name])

    def _core_up(self) -> bool:
        """The relay has a view of its lag and the dispatcher has completed a cycle."""
        return "dispatch_once" in self.heartbeats and self.runner is not None

    def _core_healthy(self) -> bool:
        """The dispatcher is beating, important work is not being shed, the database is quick."""
        beat = self.heartbeats.get("dispatch_once")
        fresh = beat is not None and (
            (self.clock.now() - beat).total_seconds() <= 3 * self.settings.dispatch_seconds + 5
        )
        return fresh and self.admission.level < SHED_IMPORTANT and not self.database_slow

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

    def watch_degraded(self) -> list[str]:
        """Learn the operators' switches (other processes' too) and time the database while at
        it: slower than ``slow_database_ms`` switches deferrable features off for everyone."""
        began = time.perf_counter()
        with self.uow(read_only=True) as uow:
            self.degraded.load(switches.recorded(uow))
        took_ms = (time.perf_counter() - began) * 1000
        self.database_slow = took_ms > self.settings.slow_database_ms
        reason = f"the database took {took_ms:.0f} ms to answer"
        changed = self.degraded.signal(FEATURES, bad=self.database_slow, reason=reason)
        if changed:
            state = "off" if self.database_slow else "back on"
            log.warning("degraded: %s %s (%s)", ", ".join(changed), state, reason)
        return changed

    def watch_health(self) -> list[str]:
        """One look at the health signals; a breach opens a platform incident (see health.py)."""
        self.watch_degraded()
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

    def drill_runner(self) -> DrillRunner:
        """Runs scheduled drills against staging databases, each in a child process
        (``tiffin.drills.runner``); stops with the platform."""
        if self._drills is None:
            s = self.settings
            self._drills = DrillRunner(
                self.uow,
                live_url=s.database_url,
                allowed=s.drill_staging_urls,
                timeout_s=s.drill_timeout_seconds,
                identity=self.identity,
                stop=self._stop,
            )
        return self._drills

    def run_drills(self) -> int:
        """Run the drills that are due, one at a time (a deferrable worker calls this)."""
        return self.drill_runner().run_due()

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
        if self._telemetry is not None:
            self._telemetry.close()
        self.write_executor.shutdown(wait=True)
        self.write_executor = self._new_write_executor()  # for a later write (a test's next app)
        self.db.dispose()

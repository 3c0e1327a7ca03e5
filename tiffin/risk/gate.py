"""The hot checkpoints, order placement and coupon redemption, kept cheap enough to sit in the
order's transaction: rules and thresholds cached per tenant for a few seconds, the account's age
cached for good, counts from the sliding-window counters, one statement of keyed reads (the
accounts on the device, the card, the phone) for those the rules in force name, and a decision
row only when a rule fired."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from tiffin.risk import hot_reads, service
from tiffin.risk.counters import MemoryCounters, WindowCounters
from tiffin.risk.features import Subject, remember_device, remember_payment
from tiffin.risk.model import HOT_FEATURES, Rule, Thresholds, named, order_checkpoints
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

MAX_CACHED_ACCOUNTS = 100_000


@dataclass
class _Cached:
    expires: float
    live: list[Rule]
    shadow: list[Rule]
    thresholds: Thresholds
    wanted: dict[bool, frozenset[str]] = field(default_factory=dict)  # by "a coupon is spent"

    def wanted_for(self, coupon: bool) -> frozenset[str]:
        """The features the rules name at the order's checkpoints (``model.named``)."""
        if coupon not in self.wanted:
            rules = (*self.live, *self.shadow)
            self.wanted[coupon] = named(rules, order_checkpoints(coupon=coupon))
        return self.wanted[coupon]


@dataclass
class RiskGate:
    """One per process (the platform's); ``enabled=False`` turns the hot checkpoints off."""

    counters: WindowCounters = field(default_factory=MemoryCounters)
    enabled: bool = True
    rules_ttl_seconds: float = 5.0
    _rules: dict[str, _Cached] = field(default_factory=dict)
    _born: dict[str, datetime | None] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def invalidate(self, tenant_id: str) -> None:
        """Forget the tenant's cached rules (after an operator saved one)."""
        with self._lock:
            self._rules.pop(tenant_id, None)

    def _rules_for(self, uow: UnitOfWork, tenant_id: str) -> _Cached:
        now = time.monotonic()
        cached = self._rules.get(tenant_id)
        if cached is None or cached.expires < now:
            live, shadow, thresholds = service.in_force(uow, tenant_id)
            cached = _Cached(now + self.rules_ttl_seconds, live, shadow, thresholds)
            with self._lock:
                self._rules[tenant_id] = cached
        return cached

    def _account_born(self, uow: UnitOfWork, customer_id: str) -> datetime | None:
        if customer_id in self._born:
            return self._born[customer_id]
        u = tables.users.c
        born: datetime | None = uow.conn.execute(
            select(func.min(u.created_at)).where(u.subject_id == customer_id)
        ).scalar_one()
        with self._lock:
            if len(self._born) >= MAX_CACHED_ACCOUNTS:
                self._born.clear()
            self._born[customer_id] = born
        return born

    def features(
        self,
        uow: UnitOfWork,
        subject: Subject,
        now: datetime,
        wanted: frozenset[str] = HOT_FEATURES,
    ) -> dict[str, float | bool]:
        """What ORDER and COUPON rules may read (``model.HOT_FEATURES``): the counters, and of
        the keyed reads only those ``wanted`` (the rules in force name), in one statement."""
        count = self.counters.count
        day, hour = now - timedelta(days=1), now - timedelta(hours=1)
        customer = f"{subject.tenant_id}:customer:{subject.customer_id}"
        born = self._account_born(uow, subject.customer_id)
        age = (now - born).total_seconds() / 86_400 if born else 0.0
        features: dict[str, float | bool] = {
            "orders_1h": count(f"{customer}:orders", hour, now),
            "orders_24h": count(f"{customer}:orders", day, now),
            "coupon_uses_24h": count(f"{customer}:coupons", day, now),
            "device_orders_24h": 0,
            "instrument_orders_1h": 0,
            "instrument_orders_24h": 0,
            "account_age_days": round(age, 3),
            "new_account": age < 7,
            "order_total_cents": subject.order_total_cents,
        }
        if subject.device_id is not None:
            device = f"{subject.tenant_id}:device:{subject.device_id}"
            features["device_orders_24h"] = count(f"{device}:orders", day, now)
        if subject.instrument is not None:
            card = f"{subject.tenant_id}:instrument:{subject.instrument}:orders"
            features["instrument_orders_1h"] = count(card, hour, now)
            features["instrument_orders_24h"] = count(card, day, now)
        features.update(hot_reads.read(uow, subject, wanted, month=now - timedelta(days=30)))
        return features

    def check_order(
        self, uow: UnitOfWork, subject: Subject, *, coupon: bool
    ) -> service.Assessment | None:
        """Order placement (and the coupon spent with it) at the risk checkpoints: a block
        raises ``RiskBlocked`` (nothing is placed, the coupon unspent; the decision is kept in
        a transaction of its own), a review opens a case and lets the order through; the
        counters count the order either way it goes ahead, and the card that paid is noted."""
        if not self.enabled:
            return None
        started = time.perf_counter()
        now = uow.clock.now()
        if subject.device_id is not None:
            remember_device(uow, subject.tenant_id, subject.device_id, subject.customer_id)
        cached = self._rules_for(uow, subject.tenant_id)
        checkpoints = order_checkpoints(coupon=coupon)
        features = self.features(uow, subject, now, cached.wanted_for(coupon))
        worst: service.Assessment | None = None
        for checkpoint in checkpoints:
            verdict = service.decide(
                uow,
                checkpoint,
                subject,
                cached.live,
                cached.shadow,
                cached.thresholds,
                features,
                started=started,
                record_quiet=False,
                blocking=True,
            )
            if worst is None or verdict.score > worst.score:
                worst = verdict
        remember_payment(uow, subject)
        customer = f"{subject.tenant_id}:customer:{subject.customer_id}"
        self.counters.hit(f"{customer}:orders", now)
        if coupon:
            self.counters.hit(f"{customer}:coupons", now)
        if subject.device_id is not None:
            self.counters.hit(f"{subject.tenant_id}:device:{subject.device_id}:orders", now)
        if subject.instrument is not None:
            card = f"{subject.tenant_id}:instrument:{subject.instrument}:orders"
            self.counters.hit(card, now)
        return worst

"""Prometheus metrics: counters and histograms fed as things happen, gauges read at scrape time.

Each platform has its own registry (tests build many platforms in one process). Gauges that
describe the database (orders by state, open anomalies, outbox lag, pending notifications) are
read when ``/metrics`` is scraped, in one read-only transaction, so they are never stale and cost
nothing between scrapes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

FAST = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(
        self,
        open_uow: Callable[..., UnitOfWork],
        outbox_lag: Callable[[], dict[str, int]],
        heartbeats: dict[str, datetime],
        now: Callable[[], datetime],
    ) -> None:
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "tiffin_http_requests",
            "HTTP answers",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_seconds = Histogram(
            "tiffin_http_request_seconds",
            "HTTP latency",
            ["route"],
            buckets=FAST,
            registry=self.registry,
        )
        self.dispatch_seconds = Histogram(
            "tiffin_dispatch_cycle_seconds",
            "One live dispatch cycle over every tenant",
            buckets=FAST,
            registry=self.registry,
        )
        self.notification_delay = Histogram(
            "tiffin_notification_delay_seconds",
            "Queued to delivered by a provider",
            ["channel"],
            buckets=FAST,
            registry=self.registry,
        )
        self.registry.register(_DatabaseGauges(open_uow, outbox_lag, heartbeats, now))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _DatabaseGauges(Collector):
    def __init__(
        self,
        open_uow: Callable[..., UnitOfWork],
        outbox_lag: Callable[[], dict[str, int]],
        heartbeats: dict[str, datetime],
        now: Callable[[], datetime],
    ) -> None:
        self.open_uow = open_uow
        self.outbox_lag = outbox_lag
        self.heartbeats = heartbeats
        self.now = now

    def collect(self) -> Iterator[Any]:
        orders = GaugeMetricFamily("tiffin_orders", "Orders by state", labels=["state"])
        anomalies = GaugeMetricFamily(
            "tiffin_anomalies_open", "Open or escalated anomalies", labels=["type"]
        )
        pending = GaugeMetricFamily(
            "tiffin_notifications_pending", "Notifications not yet delivered", labels=["status"]
        )
        o, a, n = tables.orders.c, tables.anomalies.c, tables.notifications.c
        with self.open_uow(read_only=True) as uow:
            for state, count in uow.conn.execute(select(o.status, func.count()).group_by(o.status)):
                orders.add_metric([state], count)
            for kind, count in uow.conn.execute(
                select(a.type, func.count())
                .where(a.status.in_(("open", "escalated")))
                .group_by(a.type)
            ):
                anomalies.add_metric([kind], count)
            for status, count in uow.conn.execute(
                select(n.status, func.count())
                .where(n.status.in_(("pending", "sending", "on_call_list", "failed")))
                .group_by(n.status)
            ):
                pending.add_metric([status], count)
        lag = GaugeMetricFamily(
            "tiffin_outbox_lag", "Events a consumer has to handle", labels=["consumer"]
        )
        for consumer, events in self.outbox_lag().items():
            lag.add_metric([consumer], events)
        beats = GaugeMetricFamily(
            "tiffin_worker_heartbeat_age_seconds",
            "Since a background loop last succeeded",
            labels=["loop"],
        )
        now = self.now()
        for loop, at in list(self.heartbeats.items()):
            beats.add_metric([loop], (now - at).total_seconds())
        yield from (orders, anomalies, pending, lag, beats)

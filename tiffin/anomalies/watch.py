"""What drives the detectors live: order events (through the outbox) and a timer scan.

``AnomalyConsumer`` reacts to events the moment the outbox delivers them: a delivery (late?),
a cancellation, rejection or failure by anyone but the customer, a rider handing an order back.
``scan_tenant`` runs on the clock (every second live, every minute in the simulator) over the
orders still in flight: not accepted, food late, no rider, rider lost, ETA slipping. It reads in
a read-only transaction and opens a writing one only when something new was found, so a quiet
platform costs the database nothing but reads. Open anomalies whose trouble has cleared close
themselves; those past their SLA go to the operator queue.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta

from sqlalchemy import select, text

from tiffin.anomalies import queries
from tiffin.anomalies.detectors import handed_back, on_finished, scan
from tiffin.anomalies.engine import Engine, handle
from tiffin.anomalies.fact_queries import facts_for
from tiffin.anomalies.playbook import ONE_SHOT, Step
from tiffin.anomalies.weather import weathered
from tiffin.domain.anomalies import Detection, Liability, Reason
from tiffin.domain.events import (
    Actor,
    DomainEvent,
    OrderCancelled,
    OrderDelivered,
    OrderFailed,
    OrderRejected,
    OrderUnassigned,
)
from tiffin.domain.order import TERMINAL, OrderStatus
from tiffin.domain.principals import ActorRole
from tiffin.incidents.model import Component
from tiffin.incidents.service import open_in_force
from tiffin.store import tables
from tiffin.store.outbox import Envelope
from tiffin.store.uow import UnitOfWork

IN_FLIGHT = tuple(s.value for s in OrderStatus if s not in TERMINAL)
FINISHING = (OrderDelivered, OrderCancelled, OrderRejected, OrderFailed)


@dataclass
class AnomalyConsumer:
    """The event-driven detectors, as an outbox consumer (exactly once per event)."""

    engine: Engine = field(default_factory=Engine)
    name: str = "anomalies.events"
    # Each event runs a whole playbook; ten per transaction lets the first customers' messages
    # leave while a burst (a kitchen fire, an outage) is still being worked through.
    batch: int | None = 10
    wants: tuple[type[DomainEvent], ...] = (*FINISHING, OrderUnassigned)

    def handle_batch(self, uow: UnitOfWork, envelopes: Sequence[Envelope]) -> None:
        for envelope in envelopes:
            detection = detect_from_event(uow, envelope.event)
            if detection is not None:
                handle(uow, self.engine, detection)


def detect_from_event(uow: UnitOfWork, event: DomainEvent) -> Detection | None:
    order = uow.orders.get(event.aggregate_id)
    if order is None:
        return None
    now = uow.clock.now()
    match event:
        case OrderUnassigned(actor=Actor(role=ActorRole.RIDER)):
            return handed_back(
                order.id, now, since=event.at, rider_id=event.rider_id, why=event.reason
            )
        case OrderDelivered() | OrderCancelled() | OrderRejected() | OrderFailed() if (
            order.is_terminal
        ):
            at = order.finished_at or now
            windows = queries.weather_windows(uow, order.tenant_id, at)
            facts = facts_for(uow, [order], windows=windows, at=at)[0]
            thresholds = queries.playbook_for(uow, order.tenant_id).thresholds
            thresholds = weathered(thresholds, windows, at, (facts.dropoff, facts.merchant_at))
            return on_finished(
                facts, now, thresholds, actor_role=event.actor.role, reason_text=event.reason
            )
    # Anything else is no anomaly here: an unassignment by the platform is the engine's own.
    return None


@dataclass(frozen=True)
class ScanResult:
    new: list[Detection]
    cleared: list[str]  # open anomalies whose trouble is gone
    overdue: list[str]  # open anomalies past their SLA


def look(uow: UnitOfWork, engine: Engine, tenant_id: str) -> ScanResult:
    """The read half of a scan: what is new, what cleared, what is overdue. Writes nothing."""
    now = uow.clock.now()
    playbook = queries.playbook_for(uow, tenant_id)
    # An order still waiting for its merchant can only be late to be accepted, and not before
    # the threshold: leaving the young ones out keeps a lunch rush (hundreds placed a minute)
    # from making every one-second scan read them all.
    accept_due = now - timedelta(minutes=playbook.thresholds.accept_minutes)
    orders = uow.orders.in_flight(tenant_id, IN_FLIGHT, placed_since=accept_due)
    windows = queries.weather_windows(uow, tenant_id, now)
    base = playbook.thresholds
    found = [
        d
        for f in facts_for(uow, orders, windows=windows, at=now)
        for d in scan(f, now, weathered(base, windows, now, (f.dropoff, f.merchant_at)), engine.eta)
    ]
    a = tables.anomalies.c
    known = {
        (r.order_id, r.type): (r.id, r.status)
        for r in uow.conn.execute(
            select(a.id, a.order_id, a.type, a.status).where(
                a.tenant_id == tenant_id,
                (a.status == queries.OPEN) | a.order_id.in_([x.id for x in orders]),
            )
        )
    }
    if open_in_force(uow, tenant_id, Component.DISPATCH):
        # A platform incident is hurting dispatch: a rider stuck behind it is not at fault,
        # and the operators are busy with the incident, not with SLA timers.
        found = [_platform_fault(d) for d in found]
        late: list[str] = []
    else:
        late = queries.overdue(uow, tenant_id, now)
    seen = {(d.order_id, d.type.value) for d in found}
    new = [d for d in found if (d.order_id, d.type.value) not in known]
    cleared = [
        anomaly_id
        for key, (anomaly_id, status) in known.items()
        if status == queries.OPEN and key not in seen and key[1] not in ONE_SHOT
    ]
    return ScanResult(new, cleared, late)


def _platform_fault(d: Detection) -> Detection:
    if d.liable is Liability.RIDER:
        return replace(d, liable=Liability.PLATFORM, reason=Reason.PLATFORM_FAULT)
    return d


def act_on(uow: UnitOfWork, engine: Engine, result: ScanResult) -> list[str]:
    """The write half: handle what is new, close what cleared, escalate what is overdue."""
    handled = [h for d in result.new if (h := handle(uow, engine, d)) is not None]
    for anomaly_id in result.cleared:
        queries.set_status(uow, anomaly_id, queries.CLOSED, resolution="cleared by itself")
        queries.log_action(uow, anomaly_id, "close", "the trouble cleared")
    for anomaly_id in result.overdue:
        queries.set_status(uow, anomaly_id, queries.ESCALATED)
        queries.log_action(uow, anomaly_id, Step.ESCALATE.value, "SLA timer ran out")
    return handled


def scan_all(open_uow: Callable[..., UnitOfWork], engine: Engine) -> list[str]:
    """One timer tick over every tenant. On PostgreSQL one process scans a tenant at a time."""
    with open_uow(read_only=True) as uow:
        tenant_ids = [t.id for t in uow.tenants.every()]
        looks = {t: look(uow, engine, t) for t in tenant_ids}
    handled: list[str] = []
    for tenant_id, result in looks.items():
        for part in in_parts(result, ACT_BATCH):
            with open_uow() as uow:
                if uow.db.is_postgres and not _try_lock(uow, f"anomaly-scan:{tenant_id}"):
                    break
                handled += act_on(uow, engine, part)
                uow.commit()
    return handled


# Anomalies acted on per transaction. A wave (a kitchen that stops accepting in a lunch rush:
# hundreds at once) acted on in one transaction held SQLite's only write lock for up to 1.5 s
# while order placements queued behind it (measured under bench/api_orders.py); in parts of
# this size placements go in between. A detection acted on twice merges (``open_or_merge``).
ACT_BATCH = 20


def in_parts(result: ScanResult, size: int) -> list[ScanResult]:
    """``result`` cut into parts of at most ``size`` items, in order: new, cleared, overdue."""
    items: list[tuple[str, Detection | str]] = [
        *(("new", d) for d in result.new),
        *(("cleared", a) for a in result.cleared),
        *(("overdue", a) for a in result.overdue),
    ]
    parts = []
    for start in range(0, len(items), size):
        chunk = items[start : start + size]
        parts.append(
            ScanResult(
                new=[d for kind, d in chunk if kind == "new" and isinstance(d, Detection)],
                cleared=[str(a) for kind, a in chunk if kind == "cleared"],
                overdue=[str(a) for kind, a in chunk if kind == "overdue"],
            )
        )
    return parts


def _try_lock(uow: UnitOfWork, name: str) -> bool:
    key = zlib.crc32(name.encode())
    return bool(uow.conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}).scalar())

"""The sentiment watch (舆情监测): every comment, rating text and problem report, labelled as it
arrives; spikes of negative ones per zone, merchant and topic raise an operator notice, and a
spike while an incident is open is attached to it.

An outbox consumer: each text is labelled once (unique on its source), so a replay after a crash
labels and counts nothing twice; a wave is unique per key and window, so it raises one notice.
How many negatives make a spike, and how long a window is, are the tenant's sentiment policy
(``comms.policy``, ``GET/PUT /v1/sentiment/policy``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select

from tiffin.care.service import tell_operators
from tiffin.comms.model import SpikeRules, spikes, topics_of, window_start
from tiffin.comms.sentiment import Sentiment, Verdict, classify
from tiffin.comms.watch_rules import rules_for
from tiffin.domain.events import CustomerSpoke, DomainEvent, FeedbackGiven, ProblemReported
from tiffin.domain.geo import LatLon
from tiffin.domain.ids import new_id
from tiffin.store import tables
from tiffin.store.outbox import Envelope
from tiffin.store.uow import UnitOfWork
from tiffin.store.upsert import insert_ignore

r = tables.sentiment_records.c


def verdict_of(event: CustomerSpoke) -> Verdict:
    """The text's label; a feedback without words speaks through its rating."""
    if event.text.strip() or not isinstance(event, FeedbackGiven):
        return classify(event.text)
    if event.rating <= 2:
        return Verdict(Sentiment.NEGATIVE, -1.0 + (event.rating - 1) * 0.5, "none")
    if event.rating >= 4:
        return Verdict(Sentiment.POSITIVE, (event.rating - 3) * 0.5, "none")
    return Verdict(Sentiment.NEUTRAL, 0.0, "none")


class SentimentWatch:
    """Labels what customers write and watches for waves of negative feedback."""

    name = "comms.sentiment"
    wants: tuple[type[DomainEvent], ...] = (FeedbackGiven, ProblemReported)
    batch: int | None = None

    def __init__(self, rules: SpikeRules | None = None) -> None:
        self.rules = rules  # None: each tenant's own policy

    def handle_batch(self, uow: UnitOfWork, envelopes: Sequence[Envelope]) -> None:
        """Label each text, then look for spikes in the windows the batch touched."""
        rules: dict[str, SpikeRules] = {}
        touched: set[tuple[str, datetime]] = set()
        for envelope in envelopes:
            event = envelope.event
            if isinstance(event, CustomerSpoke) and record(uow, event):
                tenant = event.tenant_id
                if tenant not in rules:
                    rules[tenant] = self.rules or rules_for(uow, tenant)
                touched.add((tenant, window_start(event.at, rules[tenant])))
        for tenant_id, start in sorted(touched):
            raise_waves(uow, tenant_id, start, rules[tenant_id])


def record(uow: UnitOfWork, event: CustomerSpoke) -> bool:
    """Store the text's label, topics and where it came from; False if already stored."""
    order = uow.orders.get(event.order_id)
    verdict = verdict_of(event)
    source = "feedback" if isinstance(event, FeedbackGiven) else "problem"
    return insert_ignore(
        uow.conn,
        tables.sentiment_records,
        {
            "id": new_id("snt"),
            "tenant_id": event.tenant_id,
            "source": source,
            "source_id": event.aggregate_id,
            "order_id": event.order_id,
            "merchant_id": order.merchant_id if order else None,
            "zone": _zone_of(uow, event.tenant_id, order.dropoff) if order else None,
            "language": verdict.language,
            "label": verdict.label.value,
            "score": verdict.score,
            "topics": topics_of(event.text),
            "created_at": event.at,
        },
    )


def _zone_of(uow: UnitOfWork, tenant_id: str, point: LatLon) -> str | None:
    for zone in uow.zones.find(tables.zones.c.tenant_id == tenant_id):
        if zone.covers(point):
            return zone.name[:60]
    return None


def raise_waves(uow: UnitOfWork, tenant_id: str, start: datetime, rules: SpikeRules) -> int:
    """Every zone, merchant and topic with enough negatives in the window becomes a wave (once),
    with an operator notice, attached to the incident open then (if any)."""
    rows = uow.conn.execute(
        select(r.merchant_id, r.zone, r.topics).where(
            r.tenant_id == tenant_id,
            r.label == Sentiment.NEGATIVE.value,
            r.created_at >= start,
            r.created_at < start + rules.window,
        )
    ).all()
    keys: list[tuple[str, str]] = []
    for row in rows:
        keys += [("merchant", row.merchant_id)] if row.merchant_id else []
        keys += [("zone", row.zone)] if row.zone else []
        keys += [("topic", t) for t in row.topics or []]
    raised = 0
    for dimension, key, negatives in spikes(keys, rules):
        incident_id = _open_incident(uow, tenant_id, start, rules)
        created = insert_ignore(
            uow.conn,
            tables.sentiment_waves,
            {
                "id": new_id("wav"),
                "tenant_id": tenant_id,
                "dimension": dimension,
                "key": key,
                "window_start": start,
                "negatives": negatives,
                "incident_id": incident_id,
                "created_at": uow.clock.now(),
            },
        )
        if not created:
            continue
        raised += 1
        during = f" during incident {incident_id}" if incident_id else ""
        tell_operators(
            uow,
            tenant_id,
            kind="sentiment_spike",
            key=f"wave:{dimension}:{key}:{start.isoformat()}"[:120],
            words=f"{negatives} negative comments about {dimension} {key} since "
            f"{start:%H:%M UTC}{during}.",
        )
    return raised


def _open_incident(
    uow: UnitOfWork, tenant_id: str, start: datetime, rules: SpikeRules
) -> str | None:
    """The newest incident (the tenant's or the platform's) open at some time in the window."""
    i = tables.incidents.c
    end = start + rules.window
    found = uow.conn.execute(
        select(i.id)
        .where(
            or_(i.tenant_id.is_(None), i.tenant_id == tenant_id),
            i.started_at < end,
            or_(i.resolved_at.is_(None), and_(i.resolved_at >= start)),
        )
        .order_by(i.opened_at.desc())
        .limit(1)
    ).scalar_one_or_none()
    return str(found) if found else None


def waves(
    uow: UnitOfWork, tenant_id: str, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int | None]:
    """The tenant's waves, newest first, a page at a time; and the next page's offset."""
    w = tables.sentiment_waves.c
    rows = [
        dict(row)
        for row in uow.conn.execute(
            select(tables.sentiment_waves)
            .where(w.tenant_id == tenant_id)
            .order_by(w.window_start.desc(), w.id)
            .limit(limit + 1)
            .offset(offset)
        ).mappings()
    ]
    more = len(rows) > limit
    return rows[:limit], offset + limit if more else None

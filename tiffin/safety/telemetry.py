"""Rider telemetry: batches of position, speed and impact flags from the rider app, stored in
one multi-row insert, and the alerts they raise (each once, by its key). Concurrent posts share
one transaction (``ingest_posts``, driven by ``safety.ingest``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from tiffin.domain.ids import new_id
from tiffin.domain.people import Rider
from tiffin.domain.principals import Principal, Role
from tiffin.errors import Forbidden, Invalid, NotFound, TiffinError
from tiffin.safety.alerts import Alert, AlertKind, Sample, alerts_for, last_moving
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork
from tiffin.store.upsert import insert_ignore

MAX_BATCH = 120  # ten minutes of one sample every five seconds
_a = tables.rider_alerts.c


@dataclass(frozen=True)
class Post:
    """One request's batch of samples and who sent it."""

    principal: Principal
    samples: Sequence[Sample]


def check_batch(samples: Sequence[Sample], now: datetime) -> None:
    """A batch the rider app may send: 1 to ``MAX_BATCH`` samples, none from the future."""
    if not samples or len(samples) > MAX_BATCH:
        raise Invalid(f"send 1 to {MAX_BATCH} samples per batch", code="bad_batch")
    if any(s.at > now for s in samples):
        raise Invalid("a sample is from the future; check the phone's clock", code="bad_batch")


def ingest(uow: UnitOfWork, principal: Principal, samples: Sequence[Sample]) -> list[Alert]:
    """Store a batch, move the rider to its last position, and raise its new alerts."""
    outcome = ingest_posts(uow, [Post(principal, samples)])[0]
    if isinstance(outcome, TiffinError):
        raise outcome
    return outcome


def ingest_posts(uow: UnitOfWork, posts: Sequence[Post]) -> list[list[Alert] | TiffinError]:
    """Several posts in one transaction (``safety.ingest`` groups concurrent requests): one read
    of their riders, one of which of them carry an order, one multi-row insert of every sample.
    Each post's outcome is its new alerts or the error that refused it alone; posts are applied
    in order, so a rider's two posts in one group are applied as if sent one after the other.

    Few statements, because under load each one costs the writer a wait for the GIL: one
    read of the riders with whether each carries an order, one update of their positions, one
    insert at commit."""
    now = uow.clock.now()
    outcomes: list[list[Alert] | TiffinError] = []
    found = uow.riders.carrying_of(_rider_ids(posts))
    riders = {rider.id: rider for rider, _ in found}
    carriers = {rider.id for rider, carrying in found if carrying}
    rows: list[dict[str, Any]] = []
    for post in posts:
        try:
            check_batch(post.samples, now)
            rider = _sender(riders, post.principal)
        except TiffinError as refused:
            outcomes.append(refused)
            continue
        ordered = sorted(post.samples, key=lambda s: s.at)
        rows.extend(
            {
                "tenant_id": rider.tenant_id,
                "rider_id": rider.id,
                "at": s.at,
                "lat": s.location.lat,
                "lon": s.location.lon,
                "speed_mps": s.speed_mps,
                "impact": s.impact,
            }
            for s in ordered
        )
        last = ordered[-1]
        if rider.location_at is None or last.at >= rider.location_at:
            rider.location, rider.location_at = last.location, last.at
        rider.moved_at = last_moving(ordered, rider.moved_at)
        carrying = rider.on_shift and rider.id in carriers
        alerts = alerts_for(rider.id, ordered, carrying=carrying, moved_at=rider.moved_at)
        outcomes.append([a for a in alerts if raise_alert(uow, rider.tenant_id, rider.id, a)])
    sent = {p.principal.subject_id for p in posts}
    uow.riders.move_many(r for r in riders.values() if r.id in sent)
    if rows:  # staged last: written at commit, every sample of the group in one statement
        uow.stage(tables.rider_telemetry, rows)
    return outcomes


def _rider_ids(posts: Sequence[Post]) -> set[str]:
    return {
        p.principal.subject_id
        for p in posts
        if p.principal.role is Role.RIDER and p.principal.subject_id is not None
    }


def _sender(riders: dict[str, Rider], principal: Principal) -> Rider:
    """The rider who sent a post (as ``safety.health.own_rider`` judges it)."""
    if principal.role is not Role.RIDER or principal.subject_id is None:
        raise Forbidden("only a rider account can do this", code="rider_only")
    rider = riders.get(principal.subject_id)
    if rider is None:
        raise NotFound(f"no rider with id {principal.subject_id!r}", resource="rider")
    return rider


def raise_alert(uow: UnitOfWork, tenant_id: str, rider_id: str, alert: Alert) -> bool:
    """Record the alert for the operators, once per key; True when it is new."""
    return insert_ignore(
        uow.conn,
        tables.rider_alerts,
        {
            "id": new_id("alr"),
            "tenant_id": tenant_id,
            "rider_id": rider_id,
            "kind": alert.kind.value,
            "at": alert.at,
            "lat": alert.location.lat,
            "lon": alert.location.lon,
            "detail": alert.detail[:300],
            "dedupe_key": alert.key,
        },
    )


def alerts_of(
    uow: UnitOfWork,
    tenant_id: str,
    *,
    since: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The tenant's rider alerts, newest first."""
    query = (
        select(tables.rider_alerts)
        .where(_a.tenant_id == tenant_id)
        .order_by(_a.at.desc(), _a.id)
        .limit(limit)
        .offset(offset)
    )
    if since is not None:
        query = query.where(_a.at >= since)
    return [dict(r) for r in uow.conn.execute(query).mappings()]


def panic_alert(rider_id: str, at: datetime, where: Any) -> Alert:
    return Alert(AlertKind.PANIC, at, where, "PANIC button pressed", f"panic:{rider_id}:{at}")

"""Rider telemetry: batches of position, speed and impact flags from the rider app, stored in
one multi-row insert, and the alerts they raise (each once, by its key)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from tiffin.domain.ids import new_id
from tiffin.domain.principals import Principal
from tiffin.errors import Invalid
from tiffin.safety.alerts import Alert, AlertKind, Sample, alerts_for, last_moving
from tiffin.safety.health import own_rider
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork
from tiffin.store.upsert import insert_ignore

MAX_BATCH = 120  # ten minutes of one sample every five seconds
_a = tables.rider_alerts.c


def ingest(uow: UnitOfWork, principal: Principal, samples: Sequence[Sample]) -> list[Alert]:
    """Store a batch, move the rider to its last position, and raise its new alerts."""
    if not samples or len(samples) > MAX_BATCH:
        raise Invalid(f"send 1 to {MAX_BATCH} samples per batch", code="bad_batch")
    now = uow.clock.now()
    if any(s.at > now for s in samples):
        raise Invalid("a sample is from the future; check the phone's clock", code="bad_batch")
    rider = own_rider(uow, principal)
    ordered = sorted(samples, key=lambda s: s.at)
    uow.stage(
        tables.rider_telemetry,
        [
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
        ],
    )
    last = ordered[-1]
    if rider.location_at is None or last.at >= rider.location_at:
        rider.location, rider.location_at = last.location, last.at
    rider.moved_at = last_moving(ordered, rider.moved_at)
    uow.riders.save(rider)
    carrying = bool(uow.orders.carried_by(rider.id)) if rider.on_shift else False
    found = alerts_for(rider.id, ordered, carrying=carrying, moved_at=rider.moved_at)
    return [a for a in found if raise_alert(uow, rider.tenant_id, rider.id, a)]


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

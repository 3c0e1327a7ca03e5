"""Early warning: each served zone's outlook, and applying a recommendation in one step through
a mechanism tiffin already has:
- ``call_standby``: a message to everyone on the emergency roster now (the roster's outbox);
- ``extend_promise``: the tenant's promise buffer (the checkout promise) raised by the minutes;
- ``pause_zone``: the zone closed as a high-risk zone for the horizon (riders stay out, its
  orders are handed over at the nearest other served zone's centre).
Applying is idempotent: a recommendation id is applied once, recorded with who applied it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from tiffin.domain.geo import distance_m
from tiffin.domain.ids import new_id
from tiffin.domain.principals import Principal
from tiffin.errors import Conflict, NotFound
from tiffin.safety import service
from tiffin.safety.aid import roster
from tiffin.safety.warning.model import Action, Recommendation, Warning, warn
from tiffin.safety.warning.signals import centroid, gather
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork
from tiffin.store.upsert import insert_ignore
from tiffin.tenancy.service import zones_of

HORIZON = timedelta(hours=2)


@dataclass(frozen=True)
class Applied:
    recommendation_id: str
    action: str
    detail: str
    applied_by: str
    applied_at: datetime


def window(now: datetime) -> str:
    """Recommendation ids hold for the hour they were made in."""
    return now.strftime("%Y%m%dT%H")


def outlook(uow: UnitOfWork, tenant_id: str, horizon: timedelta = HORIZON) -> list[Warning]:
    now = uow.clock.now()
    hours = horizon.total_seconds() / 3600
    return [warn(s, hours, window(now)) for s in gather(uow, tenant_id, now, horizon)]


def applied(uow: UnitOfWork, tenant_id: str, ids: list[str]) -> dict[str, Applied]:
    w = tables.warning_actions.c
    rows = uow.conn.execute(
        select(tables.warning_actions).where(w.tenant_id == tenant_id, w.recommendation_id.in_(ids))
    ).mappings()
    return {r["recommendation_id"]: _applied(r) for r in rows}


def _applied(r: Any) -> Applied:
    return Applied(
        r["recommendation_id"], r["action"], r["detail"], r["applied_by"], r["applied_at"]
    )


def apply(uow: UnitOfWork, principal: Principal, recommendation_id: str) -> Applied:
    """Apply one recommendation now; a second call returns the first application."""
    done = applied(uow, principal.tenant_id, [recommendation_id])
    if recommendation_id in done:
        return done[recommendation_id]
    recs = {r.id: r for w in outlook(uow, principal.tenant_id) for r in w.recommendations}
    rec = recs.get(recommendation_id)
    if rec is None:
        raise NotFound(
            f"no current recommendation {recommendation_id!r} (they hold for the hour)",
            resource="recommendation",
        )
    detail = _do(uow, principal, rec)
    now = uow.clock.now()
    insert_ignore(
        uow.conn,
        tables.warning_actions,
        {
            "tenant_id": principal.tenant_id,
            "recommendation_id": rec.id,
            "action": rec.action.value,
            "detail": detail,
            "applied_by": principal.user_id,
            "applied_at": now,
        },
    )
    return applied(uow, principal.tenant_id, [rec.id])[rec.id]


def _do(uow: UnitOfWork, principal: Principal, rec: Recommendation) -> str:
    if rec.action is Action.CALL_STANDBY:
        return _call_standby(uow, principal.tenant_id, rec)
    if rec.action is Action.EXTEND_PROMISE:
        t = tables.tenants.c
        current = uow.conn.execute(
            select(t.promise_buffer_minutes).where(t.id == principal.tenant_id)
        ).scalar_one()
        uow.conn.execute(
            tables.tenants.update()
            .where(t.id == principal.tenant_id)
            .values(promise_buffer_minutes=current + rec.extra_minutes)
        )
        return f"promise buffer {current} -> {current + rec.extra_minutes} min"
    return _pause(uow, principal, rec)


def _call_standby(uow: UnitOfWork, tenant_id: str, rec: Recommendation) -> str:
    now = uow.clock.now()
    people = roster.on_call(uow, tenant_id, now)
    for entry in people:
        zh = entry.language.startswith("zh")
        title = "骑手短缺预警：请求待命骑手" if zh else "Rider shortfall: standby riders needed"
        body = (
            f"预计缺少 {rec.riders_wanted} 名骑手。{rec.why}"
            if zh
            else f"{rec.riders_wanted} more riders needed. {rec.why}"
        )
        insert_ignore(
            uow.conn,
            tables.notifications,
            {
                "id": new_id("ntf"),
                "tenant_id": tenant_id,
                "recipient": f"roster:{entry.id}",
                "address": entry.address,
                "customer_id": None,
                "order_id": None,
                "anomaly_id": None,
                "incident_id": None,
                "dedupe_key": f"early_warning:{rec.id}:{entry.id}",
                "language": entry.language,
                "title": title,
                "body": body,
                "priority": 600,
                "channels": [entry.channel.value],
                "channel_index": 0,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            },
        )
    return f"{len(people)} on call notified for {rec.riders_wanted} riders"


def _pause(uow: UnitOfWork, principal: Principal, rec: Recommendation) -> str:
    zones = zones_of(uow, principal.tenant_id)
    zone = next((z for z in zones if z.id == rec.zone_id), None)
    if zone is None:
        raise NotFound(f"no zone {rec.zone_id!r}", resource="zone")
    here = centroid(zone.polygon)
    others = sorted(
        (z for z in zones if z.id != zone.id), key=lambda z: distance_m(here, centroid(z.polygon))
    )
    if not others:
        raise Conflict(
            "the zone has no neighbour to hand its orders over in; extend the promise instead",
            code="no_handoff_zone",
        )
    now = uow.clock.now()
    closed = service.close_zone(
        uow,
        principal,
        name=f"{zone.name} (paused)",
        polygon=zone.polygon,
        handoff=centroid(others[0].polygon),
        closed_from=now,
        closed_until=now + HORIZON,
        reason=f"early warning: {rec.why}",
    )
    return f"risk zone {closed.id} closes {zone.name} until {closed.closed_until.isoformat()}"

"""Early warning: each served zone's outlook, and applying a recommendation in one step through
a mechanism tiffin already has:
- ``call_standby``: a message to everyone on the emergency roster now (the roster's outbox);
- ``extend_promise``: the tenant's promise extension set (not added) to the minutes, at most
  ``MAX_EXTRA_MINUTES``, until the horizon ends, when the promise falls back by itself;
- ``pause_zone``: new orders to addresses in the zone refused at checkout (409 ``zone_paused``)
  until the horizon ends; orders already placed are delivered, riders still ride there and
  its canteens still cook for the other zones. Never every zone of a tenant at once.
Both are columns checkout already keeps copies of (the tenant's and the zone's rows), so the
catalog version moves and every checkout sees them with no extra read.
Applying is idempotent: a recommendation id is applied once, recorded with who applied it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from tiffin.domain.ids import new_id
from tiffin.domain.principals import Principal
from tiffin.errors import Conflict, NotFound
from tiffin.safety.aid import roster
from tiffin.safety.warning.model import (
    MAX_EXTRA_MINUTES,
    Action,
    Recommendation,
    Warning,
    bound_pauses,
    warn,
)
from tiffin.safety.warning.signals import carried_rate, gather
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
    """Each zone's warning at the tenant's own rider rate, less what is in force already and
    any pause that would leave no zone open (``model.bound_pauses``)."""
    now = uow.clock.now()
    hours = horizon.total_seconds() / 3600
    rate = carried_rate(uow, tenant_id, now)
    zones = zones_of(uow, tenant_id)
    warnings = [warn(s, hours, window(now), rate) for s in gather(uow, tenant_id, now, horizon)]
    bounded = bound_pauses(
        warnings,
        paused={z.id for z in zones if z.orders_paused(now)},
        promise_extra=_extra_in_force(uow, tenant_id, now),
        zones=len(zones),
    )
    # What was applied this hour stays listed with its application (it is what is in force).
    done = applied(uow, tenant_id, [r.id for w in warnings for r in w.recommendations])
    return [
        replace(
            b,
            recommendations=tuple(
                r for r in w.recommendations if r in b.recommendations or r.id in done
            ),
        )
        for w, b in zip(warnings, bounded, strict=True)
    ]


def _extra_in_force(uow: UnitOfWork, tenant_id: str, now: datetime) -> int:
    t = tables.tenants.c
    minutes, until = uow.conn.execute(
        select(t.promise_extra_minutes, t.promise_extra_until).where(t.id == tenant_id)
    ).one()
    return int(minutes) if until is not None and now < until else 0


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
        return _extend(uow, principal.tenant_id, rec)
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


def _extend(uow: UnitOfWork, tenant_id: str, rec: Recommendation) -> str:
    """Set the extension to the recommendation's minutes (capped) until the horizon ends. One
    at least as long still in force is kept: another zone needs it."""
    now = uow.clock.now()
    current = _extra_in_force(uow, tenant_id, now)
    minutes = min(MAX_EXTRA_MINUTES, max(current, rec.extra_minutes))
    until = now + HORIZON
    t = tables.tenants.c
    uow.conn.execute(
        tables.tenants.update()
        .where(t.id == tenant_id)
        .values(promise_extra_minutes=minutes, promise_extra_until=until)
    )
    return f"promise extension {current} -> {minutes} min until {until.isoformat()}"


def _pause(uow: UnitOfWork, principal: Principal, rec: Recommendation) -> str:
    zones = zones_of(uow, principal.tenant_id)
    zone = next((z for z in zones if z.id == rec.zone_id), None)
    if zone is None:
        raise NotFound(f"no zone {rec.zone_id!r}", resource="zone")
    now = uow.clock.now()
    if all(z.orders_paused(now) for z in zones if z.id != zone.id):
        raise Conflict(
            f"pausing {zone.name} would stop every zone; call standby riders or lengthen the"
            " promise instead",
            code="last_open_zone",
        )
    until = now + HORIZON
    z = tables.zones.c
    uow.conn.execute(
        tables.zones.update()
        .where(z.id == zone.id, z.tenant_id == principal.tenant_id)
        .values(orders_paused_until=until)
    )
    return f"new orders to {zone.name} paused until {until.isoformat()}"

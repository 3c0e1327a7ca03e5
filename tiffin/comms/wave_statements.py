"""Anomaly waves in the database: find them in the tenant's anomalies, gather one wave's facts
for a statement, and tell its audience when a statement about it is published.

A wave is named by its definition, ``{"type", "dimension", "key", "since", "until"}``: the
anomalies of that type detected in that window in that scope. The statement keeps the
definition, so publishing reaches the same orders' customers the draft counted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from tiffin.comms.waves import (
    SCOPES,
    STEP_WORDS,
    TYPE_COMPONENT,
    AnomalyWave,
    Sighting,
    WaveFacts,
    WaveRules,
    find_waves,
)
from tiffin.domain.anomalies import AnomalyType
from tiffin.domain.geo import LatLon
from tiffin.errors import Invalid, NotFound
from tiffin.incidents.subscribers import BOTH, announce
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

a, o = tables.anomalies.c, tables.orders.c
MAX_SPAN = timedelta(days=7)
ACTIVE = ("open", "escalated")


def sightings(
    uow: UnitOfWork, tenant_id: str, *, since: datetime, until: datetime, kind: str | None = None
) -> list[tuple[Sighting, str, str]]:
    """The tenant's anomalies detected in [since, until], each with its status and customer."""
    query = (
        select(
            a.id,
            a.order_id,
            a.type,
            a.status,
            a.since_at,
            a.detected_at,
            o.merchant_id,
            o.customer_id,
            o.dropoff_lat,
            o.dropoff_lon,
        )
        .join(tables.orders, o.id == a.order_id)
        .where(a.tenant_id == tenant_id, a.detected_at >= since, a.detected_at <= until)
    )
    if kind is not None:
        query = query.where(a.type == kind)
    zones = uow.zones.find(tables.zones.c.tenant_id == tenant_id)
    found = []
    for r in uow.conn.execute(query):
        point = LatLon(r.dropoff_lat, r.dropoff_lon)
        zone = next((z.name[:60] for z in zones if z.covers(point)), None)
        sighting = Sighting(
            r.id, r.order_id, r.type, r.merchant_id, zone, r.since_at, r.detected_at
        )
        found.append((sighting, r.status, r.customer_id))
    return found


def detect(uow: UnitOfWork, tenant_id: str, *, hours: int, rules: WaveRules) -> list[AnomalyWave]:
    """The waves in the tenant's last ``hours`` of anomalies, newest first."""
    now = uow.clock.now()
    rows = sightings(uow, tenant_id, since=now - timedelta(hours=hours), until=now)
    return find_waves([s for s, _, _ in rows], rules)


def check_definition(definition: dict[str, Any]) -> dict[str, Any]:
    """A wave's definition, refused with a code when it cannot name one."""
    try:
        kind = AnomalyType(definition["type"]).value
    except ValueError:
        raise Invalid(f"no anomaly type {definition['type']!r}", code="bad_wave") from None
    since, until = definition["since"], definition["until"]
    if definition["dimension"] not in SCOPES:
        raise Invalid(f"a wave's dimension is one of {', '.join(SCOPES)}", code="bad_wave")
    key = definition.get("key") or ""
    if (definition["dimension"] == "all") != (key == ""):
        raise Invalid(
            "a zone or merchant wave names its key; a tenant-wide one does not", code="bad_wave"
        )
    if not since <= until or until - since > MAX_SPAN:
        raise Invalid(
            "a wave's window ends when or after it starts, within 7 days", code="bad_wave"
        )
    return {
        "type": kind,
        "dimension": definition["dimension"],
        "key": key,
        "since": since.isoformat(),
        "until": until.isoformat(),
    }


def members(
    uow: UnitOfWork, tenant_id: str, definition: dict[str, Any]
) -> list[tuple[Sighting, str, str]]:
    """The anomalies a wave's definition takes in: (sighting, status, customer id)."""
    dimension, key = definition["dimension"], definition["key"]
    if dimension == "merchant":
        m = tables.merchants.c
        owner = uow.conn.execute(select(m.tenant_id).where(m.id == key)).scalar_one_or_none()
        if owner != tenant_id:
            raise NotFound(f"no merchant with id {key!r}", resource="merchant")
    rows = sightings(
        uow,
        tenant_id,
        since=_aware(definition["since"]),
        until=_aware(definition["until"]),
        kind=definition["type"],
    )
    if dimension == "zone":
        return [r for r in rows if r[0].zone == key]
    if dimension == "merchant":
        return [r for r in rows if r[0].merchant == key]
    return rows


def _aware(value: datetime | str) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def facts_of(uow: UnitOfWork, tenant_id: str, definition: dict[str, Any]) -> WaveFacts:
    """What the tenant's record says about the wave, for a draft."""
    rows = members(uow, tenant_id, definition)
    if not rows:
        raise Invalid(
            "no anomalies of that type there in that window: there is no wave to speak of",
            code="no_anomalies",
        )
    ids = [s.anomaly_id for s, _, _ in rows]
    act = tables.anomaly_actions.c
    done: dict[str, int] = dict(
        uow.conn.execute(
            select(act.step, func.count(func.distinct(act.anomaly_id)))
            .where(act.anomaly_id.in_(ids), act.step.in_(list(STEP_WORDS["en"])))
            .group_by(act.step)
        ).all()
    )
    g = tables.grants.c
    paid = uow.conn.execute(
        select(
            func.coalesce(func.sum(g.amount_cents + g.refund_cents), 0),
            func.count(func.distinct(g.order_id)),
        ).where(g.anomaly_id.in_(ids), g.status != "reversed")
    ).one()
    return WaveFacts(
        type=definition["type"],
        dimension=definition["dimension"],
        place=_place(uow, definition),
        since=min(s.since for s, _, _ in rows),
        until=max(s.detected_at for s, _, _ in rows),
        affected_orders=len({s.order_id for s, _, _ in rows}),
        still_open=sum(status in ACTIVE for _, status, _ in rows),
        actions=tuple((step, int(done[step])) for step in STEP_WORDS["en"] if done.get(step)),
        compensation_cents=int(paid[0]),
        compensated_orders=int(paid[1]),
    )


def _place(uow: UnitOfWork, definition: dict[str, Any]) -> str:
    if definition["dimension"] == "merchant":
        m = tables.merchants.c
        name = uow.conn.execute(select(m.name).where(m.id == definition["key"])).scalar_one()
        return str(name)
    return str(definition["key"])


def customers_of(uow: UnitOfWork, tenant_id: str, definition: dict[str, Any]) -> set[str]:
    """The customers whose orders the wave took in."""
    return {customer for _, _, customer in members(uow, tenant_id, definition)}


def tell_subscribers(
    uow: UnitOfWork,
    statement: dict[str, Any],
    version: int,
    texts: dict[str, dict[str, str]],
) -> int:
    """The status page's subscribers of the component the wave hurt (in-app, email, webhook)."""

    def words_for(language: str) -> tuple[str, str]:
        if language == BOTH:
            zh, en = texts["zh-CN"], texts["en"]
            return f"{zh['title']} / {en['title']}"[:200], f"{zh['body']}\n\n{en['body']}"
        text = texts.get(language, texts["en"])
        return text["title"], text["body"]

    return announce(
        uow,
        tenant_id=statement["tenant_id"],
        components=[TYPE_COMPONENT[statement["wave"]["type"]]],
        key=f"statement:{statement['id']}:v{version}",
        words_for=words_for,
    )

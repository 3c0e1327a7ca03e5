"""Contact tracing for the health authority: given a person (rider, customer, merchant) or a place
and a time window, the orders, hand-overs and riders co-located with them (from orders and
telemetry). Every query is recorded first (who asked and why): personal data leaves only
through a recorded trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, select

from tiffin.domain.geo import LatLon, distance_m
from tiffin.domain.ids import new_id
from tiffin.domain.people import Customer, Merchant, Rider
from tiffin.domain.principals import Principal, Role
from tiffin.errors import Forbidden, Invalid, NotFound
from tiffin.store import tables
from tiffin.store.repositories import tenant_owned
from tiffin.store.uow import UnitOfWork

MAX_WINDOW = timedelta(days=14)
MAX_ROWS = 500
CO_LOCATED_WINDOW = timedelta(minutes=5)


class Subject(StrEnum):
    RIDER = "rider"
    CUSTOMER = "customer"
    MERCHANT = "merchant"
    PLACE = "place"


@dataclass(frozen=True)
class TraceRequest:
    subject: Subject
    subject_id: str | None
    place: LatLon | None
    since: datetime
    until: datetime
    radius_m: float
    why: str


@dataclass(frozen=True)
class Trace:
    id: str
    request: TraceRequest
    orders: list[dict[str, Any]]
    handovers: list[dict[str, Any]]
    co_located_riders: list[dict[str, Any]]


def _check(uow: UnitOfWork, tenant_id: str, r: TraceRequest) -> None:
    if not r.why.strip():
        raise Invalid("say why this trace is needed", code="reason_required")
    if not (timedelta(0) < r.until - r.since <= MAX_WINDOW):
        raise Invalid("the window must be positive and at most 14 days", code="bad_trace")
    if r.subject is Subject.PLACE:
        if r.place is None:
            raise Invalid("a place trace needs a location", code="bad_trace")
        return
    key = r.subject_id or ""
    found: Rider | Customer | Merchant | None
    if r.subject is Subject.RIDER:
        found = uow.riders.get(key)
    elif r.subject is Subject.CUSTOMER:
        found = uow.customers.get(key)
    else:
        found = uow.merchants.get(key)
    if found is None or found.tenant_id != tenant_id:
        raise NotFound(f"no {r.subject.value} with id {r.subject_id!r}", resource=r.subject.value)


def run_trace(uow: UnitOfWork, principal: Principal, request: TraceRequest) -> Trace:
    """Record the query, then gather what the authority needs (one tenant, bounded rows)."""
    _check(uow, principal.tenant_id, request)
    trace_id = new_id("trc")
    uow.conn.execute(
        tables.trace_queries.insert().values(
            id=trace_id,
            tenant_id=principal.tenant_id,
            asked_by=principal.user_id,
            why=request.why,
            subject=request.subject.value,
            subject_id=request.subject_id,
            lat=request.place.lat if request.place else None,
            lon=request.place.lon if request.place else None,
            since=request.since,
            until=request.until,
            radius_m=request.radius_m,
            asked_at=uow.clock.now(),
        )
    )
    return _gather(uow, principal.tenant_id, trace_id, request)


def _gather(uow: UnitOfWork, tenant_id: str, trace_id: str, request: TraceRequest) -> Trace:
    orders = _orders(uow, tenant_id, request)
    handovers = [
        h
        for o in orders
        for h in (
            {
                "order_id": o["id"],
                "at": o["picked_up_at"],
                "from": o["merchant_id"],
                "to": o["rider_id"],
            },
            {
                "order_id": o["id"],
                "at": o["finished_at"],
                "from": o["rider_id"],
                "to": o["customer_id"],
            },
        )
        if h["at"] is not None and h["to"] is not None and h["from"] is not None
    ]
    return Trace(trace_id, request, orders, handovers, _co_located(uow, tenant_id, request, orders))


def replay(uow: UnitOfWork, tenant_id: str, trace_id: str) -> Trace:
    """A recorded trace gathered again from its recorded question (to release it to a partner:
    the query is already on record, so nothing new is asked)."""
    row = tenant_owned(uow.conn, tables.trace_queries, trace_id, tenant_id)
    if row is None:
        raise NotFound(f"no trace {trace_id!r}", resource="trace")
    place = None if row["lat"] is None else LatLon(row["lat"], row["lon"])
    request = TraceRequest(
        Subject(row["subject"]),
        row["subject_id"],
        place,
        row["since"],
        row["until"],
        row["radius_m"],
        row["why"],
    )
    return _gather(uow, tenant_id, trace_id, request)


def _orders(uow: UnitOfWork, tenant_id: str, r: TraceRequest) -> list[dict[str, Any]]:
    o = tables.orders.c
    window = and_(
        o.tenant_id == tenant_id, o.placed_at < r.until, o.placed_at >= r.since - timedelta(hours=3)
    )
    column = {
        Subject.RIDER: o.rider_id,
        Subject.CUSTOMER: o.customer_id,
        Subject.MERCHANT: o.merchant_id,
    }
    query = (
        select(
            o.id,
            o.customer_id,
            o.merchant_id,
            o.rider_id,
            o.status,
            o.dropoff_lat,
            o.dropoff_lon,
            o.placed_at,
            o.picked_up_at,
            o.finished_at,
        )
        .where(window)
        .order_by(o.placed_at, o.id)
        .limit(MAX_ROWS)
    )
    if r.subject is not Subject.PLACE:
        query = query.where(column[r.subject] == r.subject_id)
    rows = [dict(x) for x in uow.conn.execute(query).mappings()]
    rows = [x for x in rows if (x["finished_at"] or x["placed_at"]) >= r.since]
    if r.place is not None:
        rows = [
            x
            for x in rows
            if distance_m(LatLon(x["dropoff_lat"], x["dropoff_lon"]), r.place) <= r.radius_m
        ]
    return rows


def _co_located(
    uow: UnitOfWork, tenant_id: str, r: TraceRequest, orders: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Riders whose telemetry put them within ``radius_m`` of the subject's positions (or of the
    place) within five minutes, in the window."""
    t = tables.rider_telemetry.c
    base = and_(t.tenant_id == tenant_id, t.at >= r.since, t.at < r.until)
    fixes = [
        dict(x)
        for x in uow.conn.execute(
            select(t.rider_id, t.at, t.lat, t.lon).where(base).order_by(t.at).limit(20 * MAX_ROWS)
        ).mappings()
    ]
    if r.subject is Subject.PLACE and r.place is not None:
        anchors = [(r.place, None)]
    elif r.subject is Subject.RIDER:
        anchors = [
            (LatLon(f["lat"], f["lon"]), f["at"]) for f in fixes if f["rider_id"] == r.subject_id
        ]
    else:  # a customer's door or a merchant's shop, at the times of their orders' hand-overs
        anchors = [
            (LatLon(o["dropoff_lat"], o["dropoff_lon"]), o["finished_at"] or o["placed_at"])
            for o in orders
        ]
    met: dict[str, dict[str, Any]] = {}
    for f in fixes:
        if f["rider_id"] == r.subject_id or f["rider_id"] in met:
            continue
        here = LatLon(f["lat"], f["lon"])
        for where, when in anchors:
            near = distance_m(here, where) <= r.radius_m
            close = when is None or abs(f["at"] - when) <= CO_LOCATED_WINDOW
            if near and close:
                met[f["rider_id"]] = {
                    "rider_id": f["rider_id"],
                    "at": f["at"],
                    "lat": f["lat"],
                    "lon": f["lon"],
                }
                break
    return list(met.values())


def traces_asked(
    uow: UnitOfWork, tenant_id: str, *, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    """The audit of tracing queries: who asked, why, about whom, newest first."""
    q = tables.trace_queries.c
    rows = uow.conn.execute(
        select(tables.trace_queries)
        .where(q.tenant_id == tenant_id)
        .order_by(q.asked_at.desc(), q.id)
        .limit(limit)
        .offset(offset)
    ).mappings()
    return [dict(x) for x in rows]


def as_operator(uow: UnitOfWork, tenant_slug: str, email: str) -> Principal:
    """The operator a command-line trace is recorded under (the CLI has no bearer token)."""
    tenant = uow.tenants.with_slug(tenant_slug)
    if tenant is None:
        raise NotFound(f"no tenant {tenant_slug!r}", resource="tenant")
    row = uow.users.with_email(tenant.id, email)
    if row is None or row["role"] != Role.OPERATOR.value:
        raise Forbidden(f"{email} is not an operator of {tenant_slug}", code="operator_only")
    return Principal(row["id"], tenant.id, Role.OPERATOR, row["subject_id"])


def export(trace: Trace) -> dict[str, Any]:
    """The trace as the JSON the health authority receives."""
    r = trace.request
    return {
        "trace_id": trace.id,
        "subject": r.subject.value,
        "subject_id": r.subject_id,
        "place": None if r.place is None else {"lat": r.place.lat, "lon": r.place.lon},
        "since": r.since.isoformat(),
        "until": r.until.isoformat(),
        "radius_m": r.radius_m,
        "why": r.why,
        "orders": [_json(o) for o in trace.orders],
        "handovers": [_json(h) for h in trace.handovers],
        "co_located_riders": [_json(c) for c in trace.co_located_riders],
    }


def _json(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}

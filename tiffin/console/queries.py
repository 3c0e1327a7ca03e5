"""What the operator's console reads: the map, the dispatch board and the KPI strip of one
tenant, each in a few queries on one read-only unit of work."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import and_, func, select

from tiffin.domain.geo import LatLon
from tiffin.domain.order_status import TERMINAL, OrderStatus
from tiffin.resilience import drill_schedule
from tiffin.resilience.drill_model import DrillRun
from tiffin.safety.service import closures
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork
from tiffin.tenancy.service import zones_of

_o = tables.orders.c
_r = tables.riders.c
_m = tables.merchants.c
_f = tables.offers.c
_a = tables.anomalies.c
OPEN = [s.value for s in OrderStatus if s not in TERMINAL]
# Not yet on a rider: new (the kitchen has still to accept), cooking or cooked.
WAITING = [OrderStatus.PLACED.value, OrderStatus.ACCEPTED.value, OrderStatus.READY.value]
ACTIVE_ANOMALIES = ("open", "escalated")
BOARD_ROWS = 50  # the board shows the oldest waiting orders first; more would not fit a screen


@dataclass(frozen=True)
class Dot:
    """Something drawn on the map: an id, a label, where, and a state that picks its colour."""

    id: str
    label: str
    at: LatLon
    state: str


@dataclass(frozen=True)
class Area:
    name: str
    polygon: tuple[LatLon, ...]
    closed: bool  # a risk zone closed now (hatched) rather than one announced for later


@dataclass(frozen=True)
class MapState:
    zones: list[Area]
    risk_zones: list[Area]
    merchants: list[Dot]
    riders: list[Dot]
    orders: list[Dot]
    riders_off_map: list[Dot]  # on the roster with no known location (drawn in a lane below)


def rider_state(on_shift: bool, carrying: set[str]) -> str:
    """idle, to_pickup, to_customer or off_shift: the legend's colours."""
    if not on_shift:
        return "off_shift"
    if OrderStatus.PICKED_UP.value in carrying:
        return "to_customer"
    if OrderStatus.ASSIGNED.value in carrying:
        return "to_pickup"
    return "idle"


def map_state(uow: UnitOfWork, tenant_id: str, now: datetime) -> MapState:
    """Everything the live map draws for one tenant."""
    zones = [Area(z.name, z.polygon, False) for z in zones_of(uow, tenant_id)]
    risk = [
        Area(z.name, z.polygon, z.closed_from <= now) for z in closures(uow, tenant_id, now=now)
    ]
    merchants = [
        Dot(r.id, r.name, LatLon(r.lat, r.lon), "open" if r.is_open else "closed")
        for r in uow.conn.execute(
            select(_m.id, _m.name, _m.lat, _m.lon, _m.is_open).where(_m.tenant_id == tenant_id)
        )
    ]
    open_orders = uow.conn.execute(
        select(_o.id, _o.status, _o.rider_id, _o.dropoff_lat, _o.dropoff_lon)
        .where(_o.tenant_id == tenant_id, _o.status.in_(OPEN))
        .order_by(_o.placed_at)
        .limit(500)
    ).all()
    carrying: dict[str, set[str]] = {}
    for o in open_orders:
        if o.rider_id:
            carrying.setdefault(o.rider_id, set()).add(o.status)
    riders: list[Dot] = []
    off_map: list[Dot] = []
    for r in uow.conn.execute(
        select(_r.id, _r.name, _r.lat, _r.lon, _r.shift_started_at)
        .where(_r.tenant_id == tenant_id)
        .order_by(_r.name)
    ):
        state = rider_state(r.shift_started_at is not None, carrying.get(r.id, set()))
        if r.lat is None or r.lon is None:
            off_map.append(Dot(r.id, r.name, LatLon(0.0, 0.0), state))
        else:
            riders.append(Dot(r.id, r.name, LatLon(r.lat, r.lon), state))
    orders = [
        Dot(o.id, o.id[-6:], LatLon(o.dropoff_lat, o.dropoff_lon), o.status) for o in open_orders
    ]
    return MapState(zones, risk, merchants, riders, orders, off_map)


@dataclass(frozen=True)
class Waiting:
    order_id: str
    merchant: str
    status: str
    waited_seconds: float
    offers_out: int
    last_rejection: str


@dataclass(frozen=True)
class RiderLoad:
    rider_id: str
    name: str
    on_shift: bool
    delivered_today: int
    carrying: int


@dataclass(frozen=True)
class Board:
    waiting: list[Waiting]
    offers_out: int
    riders: list[RiderLoad]


def board(uow: UnitOfWork, tenant_id: str, now: datetime, day_start: datetime) -> Board:
    """Orders waiting for a rider (oldest first), offers out, and each rider's load today."""
    waiting_rows = uow.conn.execute(
        select(_o.id, _o.status, _o.placed_at, _m.name)
        .join(tables.merchants, _m.id == _o.merchant_id)
        .where(_o.tenant_id == tenant_id, _o.status.in_(WAITING), _o.rider_id.is_(None))
        .order_by(_o.placed_at)
        .limit(BOARD_ROWS)
    ).all()
    ids = [r.id for r in waiting_rows]
    pending: dict[str, int] = {}
    rejected: dict[str, str] = {}
    if ids:
        for f in uow.conn.execute(
            select(_f.order_id, _f.status, _f.reason, _f.answered_at)
            .where(_f.order_id.in_(ids))
            .order_by(_f.created_at)
        ):
            if f.status == "pending":
                pending[f.order_id] = pending.get(f.order_id, 0) + 1
            elif f.status == "rejected":
                rejected[f.order_id] = f.reason
    waiting = [
        Waiting(
            r.id,
            r.name,
            r.status,
            (now - r.placed_at).total_seconds(),
            pending.get(r.id, 0),
            rejected.get(r.id, ""),
        )
        for r in waiting_rows
    ]
    offers_out = uow.conn.execute(
        select(func.count())
        .select_from(tables.offers)
        .where(_f.tenant_id == tenant_id, _f.status == "pending")
    ).scalar_one()
    delivered: dict[str, int] = dict(
        uow.conn.execute(
            select(_o.rider_id, func.count())
            .where(
                _o.tenant_id == tenant_id,
                _o.status == OrderStatus.DELIVERED.value,
                _o.finished_at >= day_start,
            )
            .group_by(_o.rider_id)
        ).all()
    )
    carried: dict[str, int] = dict(
        uow.conn.execute(
            select(_o.rider_id, func.count())
            .where(_o.tenant_id == tenant_id, _o.status.in_(OPEN), _o.rider_id.is_not(None))
            .group_by(_o.rider_id)
        ).all()
    )
    riders = [
        RiderLoad(
            r.id,
            r.name,
            r.shift_started_at is not None,
            int(delivered.get(r.id, 0)),
            int(carried.get(r.id, 0)),
        )
        for r in uow.conn.execute(
            select(_r.id, _r.name, _r.shift_started_at)
            .where(_r.tenant_id == tenant_id)
            .order_by(_r.name)
            .limit(200)
        )
    ]
    return Board(waiting, int(offers_out), riders)


@dataclass(frozen=True)
class Kpis:
    orders_today: int
    delivered_today: int
    on_time_percent: float | None  # of orders delivered today; None before the first
    median_click_to_door_seconds: float | None
    open_anomalies: int


def kpis(uow: UnitOfWork, tenant_id: str, day_start: datetime) -> Kpis:
    """The strip above the map: today (from the tenant's local midnight) and right now."""
    orders_today = uow.conn.execute(
        select(func.count())
        .select_from(tables.orders)
        .where(_o.tenant_id == tenant_id, _o.placed_at >= day_start)
    ).scalar_one()
    done = uow.conn.execute(
        select(_o.placed_at, _o.promised_at, _o.finished_at).where(
            and_(
                _o.tenant_id == tenant_id,
                _o.status == OrderStatus.DELIVERED.value,
                _o.finished_at >= day_start,
            )
        )
    ).all()
    on_time = sum(1 for d in done if d.finished_at <= d.promised_at)
    durations = [(d.finished_at - d.placed_at).total_seconds() for d in done]
    open_anomalies = uow.conn.execute(
        select(func.count())
        .select_from(tables.anomalies)
        .where(_a.tenant_id == tenant_id, _a.status.in_(ACTIVE_ANOMALIES))
    ).scalar_one()
    return Kpis(
        int(orders_today),
        len(done),
        100.0 * on_time / len(done) if done else None,
        statistics.median(durations) if durations else None,
        int(open_anomalies),
    )


def local_midnight(now: datetime, tz: tzinfo) -> datetime:
    """The start of the tenant's day containing ``now`` (an aware datetime)."""
    return now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)


def rated(uow: UnitOfWork, anomaly_ids: list[str]) -> set[str]:
    """Which of these anomalies their customer has rated already (a rating is given once)."""
    if not anomaly_ids:
        return set()
    f = tables.feedback.c
    return set(
        uow.conn.execute(select(f.anomaly_id).where(f.anomaly_id.in_(anomaly_ids))).scalars()
    )


def delivered_today(uow: UnitOfWork, rider_id: str, day_start: datetime) -> int:
    """Orders the rider has handed over since the tenant's midnight."""
    return int(
        uow.conn.execute(
            select(func.count())
            .select_from(tables.orders)
            .where(
                _o.rider_id == rider_id,
                _o.status == OrderStatus.DELIVERED.value,
                _o.finished_at >= day_start,
            )
        ).scalar_one()
    )


@dataclass(frozen=True)
class RiderDay:
    """One rider's day as the operator reads it: offers (with refusals) and orders carried."""

    offers: list[dict[str, object]]
    orders: list[dict[str, object]]


def rider_day(uow: UnitOfWork, rider_id: str, day_start: datetime) -> RiderDay:
    """The rider's offers and orders since the tenant's midnight, newest first (50 of each)."""
    offers = uow.conn.execute(
        select(_f.order_id, _f.status, _f.reason, _f.created_at, _f.answered_at)
        .where(_f.rider_id == rider_id, _f.created_at >= day_start)
        .order_by(_f.created_at.desc())
        .limit(50)
    ).mappings()
    orders = uow.conn.execute(
        select(_o.id, _o.status, _o.placed_at, _o.picked_up_at, _o.finished_at, _o.promised_at)
        .where(_o.rider_id == rider_id, _o.placed_at >= day_start)
        .order_by(_o.placed_at.desc())
        .limit(50)
    ).mappings()
    return RiderDay([dict(r) for r in offers], [dict(r) for r in orders])


# The last drill on the incidents page: its headline figures, by kind, in the order an operator
# reads them (the whole report is at /v1/drills/runs/{id}). Labels are catalogue msgids.
DRILL_FIGURES: dict[str, tuple[tuple[str, str], ...]] = {
    "crash": (
        ("kills", "Kills"),
        ("acknowledged", "Orders acknowledged"),
        ("lost", "Lost"),
        ("duplicated", "Duplicated"),
        ("effects_lost", "Side effects lost"),
        ("effects_duplicated", "Side effects duplicated"),
        ("recovery_s_median", "Recovery, median (s)"),
        ("recovery_s_max", "Recovery, max (s)"),
    ),
    "failover": (
        ("takeover_s", "Takeover (s)"),
        ("double_assignments", "Double assignments"),
        ("orders_assigned", "Orders assigned"),
        ("acknowledged", "Orders acknowledged"),
        ("lost", "Lost"),
        ("duplicated", "Duplicated"),
    ),
    "overload": (
        ("core_capacity_per_s", "Core capacity (orders/s)"),
        ("core_success_pct", "Core success (%)"),
        ("core_p99_ms", "Core p99 (ms)"),
        ("core_p99_ms_unloaded", "Core p99 unloaded (ms)"),
        ("important_success_pct", "Important success (%)"),
        ("deferrable_shed_pct", "Deferrable shed (%)"),
        ("lost", "Lost"),
        ("duplicated", "Duplicated"),
        ("recovery_s", "Back to normal (s)"),
    ),
}


@dataclass(frozen=True)
class LastDrill:
    run: DrillRun
    figures: list[tuple[str, str]]  # (label msgid, value)


def last_drill(uow: UnitOfWork, tenant_id: str) -> LastDrill | None:
    """The tenant's most recently finished drill and its headline figures."""
    run = drill_schedule.last_finished(uow, tenant_id)
    if run is None:
        return None
    report = run.figures or {}
    shown = [
        (label, "-" if report[key] is None else str(report[key]))
        for key, label in DRILL_FIGURES[run.kind.value]
        if key in report
    ]
    return LastDrill(run, shown)


def rider_names(uow: UnitOfWork, tenant_id: str, rider_ids: set[str]) -> dict[str, str]:
    """The names of these riders of the tenant (one query for a page's lists)."""
    if not rider_ids:
        return {}
    rows = uow.conn.execute(
        select(_r.id, _r.name).where(_r.tenant_id == tenant_id, _r.id.in_(sorted(rider_ids)))
    )
    return {rider_id: name for rider_id, name in rows}

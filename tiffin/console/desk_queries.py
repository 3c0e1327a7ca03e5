"""What the operator's desks read beyond the map: the day's curves for the KPI strip, the
notification delay, the caps' change log, the compensation ledger and the policies' versions.

Each function is a few queries on the caller's read-only unit of work, for one tenant.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import func, select

from tiffin.domain.events import WorkloadCapsChanged
from tiffin.domain.order_status import OrderStatus
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

_o = tables.orders.c
_n = tables.notifications.c
_g = tables.grants.c
_x = tables.outbox.c
_p = tables.tenant_policies.c
LEDGER_ROWS = 200  # a screen's worth; the totals cover more
LEDGER_SUMMED = 20_000  # grants summed into the totals: a month of a large tenant
CAPS_LOG_ROWS = 20
VERSION_ROWS = 30


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (``share`` in 0..1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))  # ceil without float surprises at 1.0
    return ordered[int(rank) - 1]


def notification_delay_p99(uow: UnitOfWork, tenant_id: str, day_start: datetime) -> float | None:
    """Seconds from a notification being created to being sent, 99th percentile, today."""
    rows = uow.conn.execute(
        select(_n.created_at, _n.delivered_at).where(
            _n.tenant_id == tenant_id, _n.created_at >= day_start, _n.delivered_at.is_not(None)
        )
    ).all()
    return percentile([(r.delivered_at - r.created_at).total_seconds() for r in rows], 0.99)


@dataclass(frozen=True)
class DayCurves:
    """Hour by hour since the tenant's midnight: orders placed, and on-time % of deliveries
    (None for an hour with none)."""

    orders: list[int]
    on_time: list[float | None]


def day_curves(uow: UnitOfWork, tenant_id: str, day_start: datetime, now: datetime) -> DayCurves:
    hours = max(1, min(24, int((now - day_start).total_seconds() // 3600) + 1))
    orders = [0] * hours
    for (placed,) in uow.conn.execute(
        select(_o.placed_at).where(
            _o.tenant_id == tenant_id, _o.placed_at >= day_start, _o.placed_at <= now
        )
    ):
        orders[min(hours - 1, int((placed - day_start).total_seconds() // 3600))] += 1
    done = [0] * hours
    on_time = [0] * hours
    for row in uow.conn.execute(
        select(_o.finished_at, _o.promised_at).where(
            _o.tenant_id == tenant_id,
            _o.status == OrderStatus.DELIVERED.value,
            _o.finished_at >= day_start,
            _o.finished_at <= now,
        )
    ):
        h = min(hours - 1, int((row.finished_at - day_start).total_seconds() // 3600))
        done[h] += 1
        on_time[h] += row.finished_at <= row.promised_at
    return DayCurves(
        orders, [100.0 * on_time[h] / done[h] if done[h] else None for h in range(hours)]
    )


def sparkline(values: list[float | None], width: int = 120, height: int = 28) -> str:
    """An SVG polyline ``points`` attribute for the values (gaps skipped), scaled to the box."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    top = max(max(known), 1e-9)
    step = width / max(len(values) - 1, 1)
    return " ".join(
        f"{round(i * step, 1)},{round(height - 2 - (height - 4) * v / top, 1)}"
        for i, v in enumerate(values)
        if v is not None
    )


@dataclass(frozen=True)
class CapsChange:
    at: datetime
    actor: str
    reason: str
    max_orders_per_hour: int
    max_continuous_minutes: int
    max_carried: int


def caps_log(uow: UnitOfWork, tenant_id: str) -> list[CapsChange]:
    """Every change of the tenant's workload caps, newest first: who, when, why, to what (the
    ``WorkloadCapsChanged`` events in the outbox, which is kept)."""
    rows = uow.conn.execute(
        select(_x.payload)
        .where(_x.tenant_id == tenant_id, _x.topic == WorkloadCapsChanged.topic)
        .order_by(_x.id.desc())
        .limit(CAPS_LOG_ROWS)
    ).scalars()
    payloads = list(rows)
    ids = {(p.get("actor") or {}).get("id") for p in payloads} - {None}
    u = tables.users.c
    emails = dict(uow.conn.execute(select(u.id, u.email).where(u.id.in_(ids))).all()) if ids else {}
    found = []
    for p in payloads:
        data: dict[str, Any] = p.get("data") or p
        actor = p.get("actor") or {}
        found.append(
            CapsChange(
                datetime.fromisoformat(p["at"]),
                emails.get(actor.get("id"), actor.get("id") or actor.get("role", "")),
                p.get("reason") or "",
                int(data.get("max_orders_per_hour", 0)),
                int(data.get("max_continuous_minutes", 0)),
                int(data.get("max_carried", 0)),
            )
        )
    return found


@dataclass(frozen=True)
class LedgerFilter:
    reason: str = ""  # the anomaly type or incident that caused the grant (``cause`` prefix)
    liable: str = ""
    day: date | None = None


@dataclass(frozen=True)
class Ledger:
    grants: list[dict[str, Any]]
    count: int
    total_cents: int
    by_reason: dict[str, int]
    by_liable: dict[str, int]
    by_day: dict[str, int]


def _reason_of(cause: str, anomaly_type: str | None) -> str:
    return anomaly_type or cause.split(":", 1)[0]


def ledger(uow: UnitOfWork, tenant_id: str, wanted: LedgerFilter, tz: tzinfo) -> Ledger:
    """The tenant's goodwill grants, filtered, newest first, with totals per reason (anomaly
    type, or ``incident``), liable party and local day; only paid grants count (not held,
    refused or reversed ones)."""
    a = tables.anomalies.c
    query = (
        select(
            _g.id,
            _g.order_id,
            _g.cause,
            _g.amount_cents,
            _g.refund_cents,
            _g.liable,
            _g.status,
            _g.created_at,
            _g.policy_version,
            a.type,
        )
        .outerjoin(tables.anomalies, a.id == _g.anomaly_id)
        .where(_g.tenant_id == tenant_id)
        .order_by(_g.created_at.desc())
    )
    if wanted.reason == "incident":
        query = query.where(_g.cause.startswith("incident:"))
    elif wanted.reason:
        query = query.where(a.type == wanted.reason)
    if wanted.liable:
        query = query.where(_g.liable == wanted.liable)
    if wanted.day is not None:
        start = datetime.combine(wanted.day, datetime.min.time(), tzinfo=tz)
        query = query.where(_g.created_at >= start, _g.created_at < start + timedelta(days=1))
    by_reason: dict[str, int] = defaultdict(int)
    by_liable: dict[str, int] = defaultdict(int)
    by_day: dict[str, int] = defaultdict(int)
    shown: list[dict[str, Any]] = []
    count = total = 0
    for row in uow.conn.execute(query.limit(LEDGER_SUMMED)).mappings():
        reason = _reason_of(row["cause"], row["type"])
        amount = int(row["amount_cents"]) if row["status"] == "granted" else 0  # paid out
        count += 1
        total += amount
        by_reason[reason] += amount
        by_liable[row["liable"]] += amount
        by_day[row["created_at"].astimezone(tz).date().isoformat()] += amount
        if len(shown) < LEDGER_ROWS:
            shown.append({**row, "reason": reason, "counted_cents": amount})
    return Ledger(shown, count, total, dict(by_reason), dict(by_liable), dict(by_day))


def versions(uow: UnitOfWork, tenant_id: str, kind: str) -> list[dict[str, Any]]:
    """The saved versions of the tenant's playbook or compensation policy, newest first."""
    return [
        dict(r)
        for r in uow.conn.execute(
            select(_p.version, _p.created_by, _p.created_at, _p.document)
            .where(_p.tenant_id == tenant_id, _p.kind == kind)
            .order_by(_p.version.desc())
            .limit(VERSION_ROWS)
        ).mappings()
    ]


def grants_today_count(uow: UnitOfWork, tenant_id: str, day_start: datetime) -> int:
    return int(
        uow.conn.execute(
            select(func.count())
            .select_from(tables.grants)
            .where(_g.tenant_id == tenant_id, _g.created_at >= day_start)
        ).scalar_one()
    )


def order_story(
    uow: UnitOfWork, order_id: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The offers made for an order (with refusals) and the anomalies raised on it, in order."""
    f, a = tables.offers.c, tables.anomalies.c
    offers = uow.conn.execute(
        select(f.rider_id, f.status, f.reason, f.created_at, f.answered_at)
        .where(f.order_id == order_id)
        .order_by(f.created_at)
        .limit(50)
    ).mappings()
    raised = uow.conn.execute(
        select(a.id, a.type, a.status, a.detected_at)
        .where(a.order_id == order_id)
        .order_by(a.detected_at)
        .limit(20)
    ).mappings()
    return [dict(r) for r in offers], [dict(r) for r in raised]

"""The monthly transparency report (透明度报告): what happened, from the database, as JSON.

Every figure is one query over the month [first day, first day of the next month) in UTC, for
one tenant or all: orders and on-time rate, anomalies by type, incidents with their recovery
times, compensation by reason and liable party, complaints (item problems) and how long they
took to close, and sentiment day by day. ``tiffin.trust.render`` draws it as HTML with charts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from statistics import median
from typing import Any

from sqlalchemy import Select, select

from tiffin.errors import Invalid
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """'2026-11' -> (2026-11-01, 2026-12-01), in UTC."""
    try:
        start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    except ValueError:
        raise Invalid("a month is written YYYY-MM, e.g. 2026-11", code="bad_month") from None
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, end


def _scoped(query: Select[Any], column: Any, tenant_id: str | None) -> Select[Any]:
    return query if tenant_id is None else query.where(column == tenant_id)


def _minutes(later: datetime, earlier: datetime) -> float:
    return round((later - earlier).total_seconds() / 60, 1)


def transparency(uow: UnitOfWork, month: str, *, tenant_id: str | None = None) -> dict[str, Any]:
    """The month's figures, JSON-ready."""
    start, end = month_bounds(month)
    o, a, g = tables.orders.c, tables.anomalies.c, tables.grants.c
    i, s = tables.incidents.c, tables.sentiment_records.c

    orders = uow.conn.execute(
        _scoped(
            select(o.status, o.promised_at, o.finished_at).where(
                o.placed_at >= start, o.placed_at < end
            ),
            o.tenant_id,
            tenant_id,
        )
    ).all()
    delivered = [r for r in orders if r.status == "delivered" and r.finished_at is not None]
    on_time = sum(1 for r in delivered if r.finished_at <= r.promised_at)

    anomalies = uow.conn.execute(
        _scoped(
            select(a.type, a.detected_at, a.closed_at).where(
                a.detected_at >= start, a.detected_at < end
            ),
            a.tenant_id,
            tenant_id,
        )
    ).all()
    complaints = [r for r in anomalies if r.type == "item_problem"]
    closed = [_minutes(r.closed_at, r.detected_at) for r in complaints if r.closed_at]

    incident_query = select(i.id, i.title, i.started_at, i.resolved_at, i.made_good_cents).where(
        i.opened_at >= start, i.opened_at < end
    )
    if tenant_id is not None:
        incident_query = incident_query.where((i.tenant_id == tenant_id) | i.tenant_id.is_(None))
    incidents = [
        {
            "id": r.id,
            "title": r.title,
            "started_at": r.started_at.isoformat(),
            "resolved_at": r.resolved_at.isoformat() if r.resolved_at else None,
            "recovery_minutes": _minutes(r.resolved_at, r.started_at) if r.resolved_at else None,
            "made_good_cents": int(r.made_good_cents),
        }
        for r in uow.conn.execute(incident_query.order_by(i.opened_at))
    ]

    grants = uow.conn.execute(
        _scoped(
            select(g.cause, g.liable, g.amount_cents, g.refund_cents, a.type)
            .outerjoin(tables.anomalies, a.id == g.anomaly_id)
            .where(g.created_at >= start, g.created_at < end, g.status != "reversed"),
            g.tenant_id,
            tenant_id,
        )
    ).all()
    by_reason: Counter[str] = Counter()
    by_liable: Counter[str] = Counter()
    for r in grants:
        reason = r.type or ("incident" if str(r.cause).startswith("incident:") else "other")
        cents = int(r.amount_cents) + int(r.refund_cents)
        by_reason[reason] += cents
        by_liable[r.liable] += cents

    days: dict[str, Counter[str]] = defaultdict(Counter)
    for r in uow.conn.execute(
        _scoped(
            select(s.label, s.created_at).where(s.created_at >= start, s.created_at < end),
            s.tenant_id,
            tenant_id,
        )
    ):
        days[r.created_at.date().isoformat()][r.label] += 1

    return {
        "month": month,
        "tenant_id": tenant_id,
        "orders": len(orders),
        "delivered": len(delivered),
        "cancelled": sum(1 for r in orders if r.status == "cancelled"),
        "on_time_pct": round(100 * on_time / len(delivered), 1) if delivered else None,
        "anomalies_by_type": dict(sorted(Counter(r.type for r in anomalies).items())),
        "incidents": incidents,
        "compensation_cents_by_reason": dict(sorted(by_reason.items())),
        "compensation_cents_by_liable": dict(sorted(by_liable.items())),
        "compensation_cents": sum(by_reason.values()),
        "complaints": len(complaints),
        "complaints_closed": len(closed),
        "complaint_resolution_minutes_median": round(median(closed), 1) if closed else None,
        "sentiment_by_day": {
            day: {k: days[day][k] for k in ("negative", "neutral", "positive")}
            for day in sorted(days)
        },
        "risk_blocks": None,  # risk control is another capability; filled in when it exists
    }

"""Features from the database: what the customer (and their device, address and riders) did
over the last hour, day and 30 days, read in a handful of indexed aggregate queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, distinct, func, select

from tiffin.domain.anomalies import AnomalyType
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork
from tiffin.store.upsert import insert_ignore

o = tables.orders.c
an = tables.anomalies.c
g = tables.grants.c
cp = tables.coupons.c
dv = tables.risk_devices.c
NEAR_DEGREES = 0.0003  # about 30 m: the same door
CLAIM = AnomalyType.ITEM_PROBLEM.value


@dataclass(frozen=True)
class Subject:
    """Who and what a checkpoint asks about."""

    tenant_id: str
    customer_id: str
    order_id: str | None = None
    device_id: str | None = None
    order_total_cents: int = 0
    claim_cents: int = 0
    counts_this_claim: bool = False  # at the claim checkpoint the claim is not yet recorded


def remember_device(uow: UnitOfWork, tenant_id: str, device_id: str, customer_id: str) -> None:
    """Note that ``customer_id`` was seen on ``device_id`` (once per pair)."""
    insert_ignore(
        uow.conn,
        tables.risk_devices,
        {
            "tenant_id": tenant_id,
            "device_id": device_id,
            "customer_id": customer_id,
            "first_seen_at": uow.clock.now(),
        },
    )


def _windows(column: ColumnElement[datetime], now: datetime) -> list[ColumnElement[int]]:
    """count() over the last hour, day and 30 days of a timestamp column."""
    return [
        func.coalesce(func.sum(case((column >= now - span, 1), else_=0)), 0)
        for span in (timedelta(hours=1), timedelta(days=1), timedelta(days=30))
    ]


def read(uow: UnitOfWork, subject: Subject) -> dict[str, float | bool]:
    """Every feature in ``model.FEATURES`` for ``subject`` at the clock's now."""
    now = uow.clock.now()
    month = now - timedelta(days=30)
    conn = uow.conn
    mine = o.customer_id == subject.customer_id
    delivered_count = func.coalesce(func.sum(case((o.status == "delivered", 1), else_=0)), 0)
    placed = conn.execute(
        select(*_windows(o.placed_at, now), delivered_count).where(mine, o.placed_at >= month)
    ).one()
    orders_1h, orders_24h, orders_30d, delivered = (int(x) for x in placed)
    claims = conn.execute(
        select(*_windows(an.detected_at, now))
        .select_from(tables.anomalies)
        .join(tables.orders, o.id == an.order_id)
        .where(mine, an.type == CLAIM, an.detected_at >= month)
    ).one()
    extra = 1 if subject.counts_this_claim else 0
    claims_1h, claims_24h, claims_30d = (int(c) + extra for c in claims)
    grants = conn.execute(
        select(
            *_windows(g.created_at, now)[1:],
            func.coalesce(func.sum(g.amount_cents + g.refund_cents), 0),
        ).where(g.customer_id == subject.customer_id, g.created_at >= month, g.status != "refused")
    ).one()
    coupon_uses = conn.execute(
        select(*_windows(cp.used_at, now)[1:]).where(
            cp.customer_id == subject.customer_id, cp.used_at >= month
        )
    ).one()
    u = tables.users.c
    created = conn.execute(
        select(func.min(u.created_at)).where(u.subject_id == subject.customer_id)
    ).scalar_one()
    age_days = (now - created).total_seconds() / 86_400 if created else 0.0
    features: dict[str, float | bool] = {
        "orders_1h": int(orders_1h),
        "orders_24h": int(orders_24h),
        "orders_30d": int(orders_30d),
        "delivered_30d": int(delivered),
        "claims_1h": claims_1h,
        "claims_24h": claims_24h,
        "claims_30d": claims_30d,
        "claims_per_delivered_30d": claims_30d / int(delivered) if int(delivered) else 0.0,
        "grants_24h": int(grants[0]),
        "grants_30d": int(grants[1]),
        "granted_cents_30d": int(grants[2]),
        "coupon_uses_24h": int(coupon_uses[0]),
        "coupon_uses_30d": int(coupon_uses[1]),
        "account_age_days": round(age_days, 3),
        "new_account": age_days < 7,
        "order_total_cents": subject.order_total_cents,
        "claim_cents": subject.claim_cents,
    }
    features.update(_shared(uow, subject, month, extra))
    return features


def _shared(uow: UnitOfWork, subject: Subject, month: datetime, extra: int) -> dict[str, float]:
    """The features that look past the one account: its door, its device, its riders."""
    conn = uow.conn
    shared: dict[str, float] = {
        "accounts_on_address": 1,
        "accounts_on_device": 0,
        "device_claims_30d": 0,
        "rider_pair_claims_30d": 0,
    }
    if subject.order_id is not None:
        order = conn.execute(
            select(o.dropoff_lat, o.dropoff_lon, o.rider_id).where(o.id == subject.order_id)
        ).first()
        if order is not None:
            near = and_(
                o.tenant_id == subject.tenant_id,
                o.placed_at >= month,
                o.dropoff_lat.between(
                    order.dropoff_lat - NEAR_DEGREES, order.dropoff_lat + NEAR_DEGREES
                ),
                o.dropoff_lon.between(
                    order.dropoff_lon - NEAR_DEGREES, order.dropoff_lon + NEAR_DEGREES
                ),
            )
            shared["accounts_on_address"] = int(
                conn.execute(select(func.count(distinct(o.customer_id))).where(near)).scalar_one()
            )
            if order.rider_id is not None:
                pair = conn.execute(
                    select(func.count())
                    .select_from(tables.anomalies)
                    .join(tables.orders, o.id == an.order_id)
                    .where(
                        o.customer_id == subject.customer_id,
                        o.rider_id == order.rider_id,
                        an.type == CLAIM,
                        an.detected_at >= month,
                    )
                ).scalar_one()
                shared["rider_pair_claims_30d"] = int(pair) + extra
    if subject.device_id is not None:
        accounts = select(dv.customer_id).where(
            dv.tenant_id == subject.tenant_id, dv.device_id == subject.device_id
        )
        shared["accounts_on_device"] = int(
            conn.execute(select(func.count()).select_from(accounts.subquery())).scalar_one()
        )
        device_claims = conn.execute(
            select(func.count())
            .select_from(tables.anomalies)
            .join(tables.orders, o.id == an.order_id)
            .where(o.customer_id.in_(accounts), an.type == CLAIM, an.detected_at >= month)
        ).scalar_one()
        shared["device_claims_30d"] = int(device_claims) + extra
    return shared

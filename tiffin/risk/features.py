"""Features from the database: what the customer (and their device, address and riders) did
over the last hour, day and 30 days, read in a handful of indexed aggregate queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    bindparam,
    case,
    distinct,
    func,
    select,
    true,
)

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


def _windows(column: ColumnElement[datetime], prefix: str) -> list[ColumnElement[int]]:
    """count() over the last hour, day and 30 days of a timestamp column (bound per read)."""
    return [
        func.coalesce(func.sum(case((column >= bindparam(name), 1), else_=0)), 0).label(
            f"{prefix}_{name}"
        )
        for name in ("hour", "day", "month")
    ]


# Built once: constructing SQLAlchemy expressions costs more than running these on SQLite.
_CUSTOMER: BindParameter[str] = bindparam("customer")
_MONTH: BindParameter[datetime] = bindparam("month")
_DELIVERED = func.coalesce(func.sum(case((o.status == "delivered", 1), else_=0)), 0)
ORDERS = select(*_windows(o.placed_at, "orders"), _DELIVERED.label("delivered")).where(
    o.customer_id == _CUSTOMER, o.placed_at >= _MONTH
)
CLAIMS = (
    select(*_windows(an.detected_at, "claims"))
    .select_from(tables.anomalies)
    .join(tables.orders, o.id == an.order_id)
    .where(o.customer_id == _CUSTOMER, an.type == CLAIM, an.detected_at >= _MONTH)
)
GRANTS = select(
    *_windows(g.created_at, "grants")[1:],
    func.coalesce(func.sum(g.amount_cents + g.refund_cents), 0).label("granted_cents"),
).where(g.customer_id == _CUSTOMER, g.created_at >= _MONTH, g.status != "refused")
COUPON_USES = select(*_windows(cp.used_at, "coupons")[1:]).where(
    cp.customer_id == _CUSTOMER, cp.used_at >= _MONTH
)
BORN = select(func.min(tables.users.c.created_at).label("born")).where(
    tables.users.c.subject_id == _CUSTOMER
)
# One round trip for the customer's own features: each part is an aggregate of one row.
_PARTS = [part.subquery() for part in (ORDERS, CLAIMS, GRANTS, COUPON_USES, BORN)]
_CROSS = _PARTS[0]
for _part in _PARTS[1:]:
    _CROSS = _CROSS.join(_part, true())  # type: ignore[assignment]
OWN = select(*_PARTS).select_from(_CROSS)
ORDER = select(o.dropoff_lat, o.dropoff_lon, o.rider_id).where(o.id == bindparam("order"))
NEAR = select(func.count(distinct(o.customer_id))).where(
    o.tenant_id == bindparam("tenant"),
    o.placed_at >= _MONTH,
    o.dropoff_lat.between(bindparam("lat_low"), bindparam("lat_high")),
    o.dropoff_lon.between(bindparam("lon_low"), bindparam("lon_high")),
)
PAIR = (
    select(func.count())
    .select_from(tables.anomalies)
    .join(tables.orders, o.id == an.order_id)
    .where(
        o.customer_id == _CUSTOMER,
        o.rider_id == bindparam("rider"),
        an.type == CLAIM,
        an.detected_at >= _MONTH,
    )
)
_ON_DEVICE = select(dv.customer_id).where(
    dv.tenant_id == bindparam("tenant"), dv.device_id == bindparam("device")
)
DEVICE_ACCOUNTS = select(func.count()).select_from(_ON_DEVICE.subquery())
DEVICE_CLAIMS = (
    select(func.count())
    .select_from(tables.anomalies)
    .join(tables.orders, o.id == an.order_id)
    .where(o.customer_id.in_(_ON_DEVICE), an.type == CLAIM, an.detected_at >= _MONTH)
)


def read(uow: UnitOfWork, subject: Subject) -> dict[str, float | bool]:
    """Every feature in ``model.FEATURES`` for ``subject`` at the clock's now."""
    now = uow.clock.now()
    month = now - timedelta(days=30)
    conn = uow.conn
    at = {
        "customer": subject.customer_id,
        "hour": now - timedelta(hours=1),
        "day": now - timedelta(days=1),
        "month": month,
    }
    own = conn.execute(OWN, at).one()
    orders_1h, orders_24h, orders_30d, delivered = (int(x) for x in own[0:4])
    extra = 1 if subject.counts_this_claim else 0
    claims_1h, claims_24h, claims_30d = (int(c) + extra for c in own[4:7])
    grants = own[7:10]
    coupon_uses = own[10:12]
    created = own[12]
    age_days = (now - created).total_seconds() / 86_400 if created else 0.0
    features: dict[str, float | bool] = {
        "orders_1h": orders_1h,
        "orders_24h": orders_24h,
        "orders_30d": orders_30d,
        "delivered_30d": delivered,
        "claims_1h": claims_1h,
        "claims_24h": claims_24h,
        "claims_30d": claims_30d,
        "claims_per_delivered_30d": claims_30d / delivered if delivered else 0.0,
        "grants_24h": int(grants[0]),
        "grants_30d": int(grants[1]),
        "granted_cents_30d": int(grants[2]),
        "coupon_uses_24h": int(coupon_uses[0]),
        "coupon_uses_30d": int(coupon_uses[1]),
        "account_age_days": round(age_days, 3),
        "new_account": age_days < 7,
        "order_total_cents": subject.order_total_cents,
        "claim_cents": subject.claim_cents,
        "device_orders_24h": 0,  # a counter of the hot checkpoints, not read here
    }
    features.update(_shared(uow, subject, at, extra))
    return features


def _shared(
    uow: UnitOfWork, subject: Subject, at: dict[str, object], extra: int
) -> dict[str, float]:
    """The features that look past the one account: its door, its device, its riders."""
    conn = uow.conn
    shared: dict[str, float] = {
        "accounts_on_address": 1,
        "accounts_on_device": 0,
        "device_claims_30d": 0,
        "rider_pair_claims_30d": 0,
    }
    bound = {**at, "tenant": subject.tenant_id}
    if subject.order_id is not None:
        order = conn.execute(ORDER, {"order": subject.order_id}).first()
        if order is not None:
            near = {
                **bound,
                "lat_low": order.dropoff_lat - NEAR_DEGREES,
                "lat_high": order.dropoff_lat + NEAR_DEGREES,
                "lon_low": order.dropoff_lon - NEAR_DEGREES,
                "lon_high": order.dropoff_lon + NEAR_DEGREES,
            }
            shared["accounts_on_address"] = int(conn.execute(NEAR, near).scalar_one())
            if order.rider_id is not None:
                pair = conn.execute(PAIR, {**bound, "rider": order.rider_id}).scalar_one()
                shared["rider_pair_claims_30d"] = int(pair) + extra
    if subject.device_id is not None:
        device = {**bound, "device": subject.device_id}
        shared["accounts_on_device"] = int(conn.execute(DEVICE_ACCOUNTS, device).scalar_one())
        claims = conn.execute(DEVICE_CLAIMS, device).scalar_one()
        shared["device_claims_30d"] = int(claims) + extra
    return shared

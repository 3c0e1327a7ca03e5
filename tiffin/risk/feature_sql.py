"""The feature reads as SQL: one single-row aggregate per group of features ("part"), and one
statement per set of parts, built once, that cross-joins them, so a decision reads every
feature its rules name in one round trip.

Every part is bound by the same named parameters (``customer``, ``tenant``, ``order``,
``device``, ``instrument``, ``rider`` and the window starts ``hour``, ``day``, ``month``);
facts about the order (its door, its rider, the card that paid for it) are scalar subqueries
on the order's id rather than a read before the read.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    String,
    bindparam,
    case,
    cast,
    distinct,
    func,
    select,
    text,
    true,
)

from tiffin.domain.anomalies import AnomalyType
from tiffin.store import tables

o = tables.orders.c
an = tables.anomalies.c
g = tables.grants.c
cp = tables.coupons.c
dv = tables.risk_devices.c
pay = tables.order_payments.c
cu = tables.customers.c
tr = tables.order_transitions.c
NEAR_DEGREES = 0.0003  # about 30 m: the same door
CLAIM = AnomalyType.ITEM_PROBLEM.value

CUSTOMER: BindParameter[str] = bindparam("customer")
TENANT: BindParameter[str] = bindparam("tenant")
ORDER: BindParameter[str] = bindparam("order")
MONTH: BindParameter[datetime] = bindparam("month")
DAY: BindParameter[datetime] = bindparam("day")


def _windows(column: ColumnElement[datetime], prefix: str, *names: str) -> list[Any]:
    """count() over the named windows (hour, day, month) of a timestamp column."""
    return [
        func.coalesce(func.sum(case((column >= bindparam(name), 1), else_=0)), 0).label(
            f"{prefix}_{name}"
        )
        for name in names or ("hour", "day", "month")
    ]


def _claims_of(customers: Any) -> Select[Any]:
    """Claims in 30 days on orders of ``customers`` (an IN-able select of customer ids)."""
    return (
        select(func.count().label("n"))
        .select_from(tables.anomalies)
        .join(tables.orders, o.id == an.order_id)
        .where(o.customer_id.in_(customers), an.type == CLAIM, an.detected_at >= MONTH)
    )


_this = tables.orders.alias("this_order")
_THIS_RIDER = select(_this.c.rider_id).where(_this.c.id == ORDER).scalar_subquery()
# The card given at checkout, else the one that paid for the order asked about.
_paid = tables.order_payments.alias("this_payment")
_INSTRUMENT = func.coalesce(
    func.nullif(cast(bindparam("instrument", type_=String()), String()), ""),
    select(_paid.c.instrument).where(_paid.c.order_id == ORDER).scalar_subquery(),
)
_me = tables.customers.alias("me")
_MY_PHONE = select(_me.c.phone_key).where(_me.c.id == CUSTOMER).scalar_subquery()
_ON_PHONE = select(cu.id).where(cu.tenant_id == TENANT, cu.phone_key == _MY_PHONE)
_ON_DEVICE = select(dv.customer_id).where(
    dv.tenant_id == TENANT, dv.device_id == bindparam("device")
)
_PAID_WITH = (pay.tenant_id == TENANT, pay.instrument == _INSTRUMENT, pay.placed_at >= MONTH)
_RIDER_STEPS = text("order_transitions.action IN ('assign', 'unassign')")  # the index's own words
_UNASSIGN = tr.action == "unassign"
_step = tables.order_transitions.alias("this_step")
_ASSIGN = tr.action == "assign"


def _rider_window(kind: ColumnElement[bool], since: str) -> Any:
    return func.coalesce(func.sum(case((kind & (tr.at >= bindparam(since)), 1), else_=0)), 0)


# name -> the part's single-row select; its labels are what ``features.read`` turns into features
PARTS: dict[str, Select[Any]] = {
    "orders": select(
        *_windows(o.placed_at, "orders"),
        func.coalesce(func.sum(case((o.status == "delivered", 1), else_=0)), 0).label("delivered"),
    ).where(o.customer_id == CUSTOMER, o.placed_at >= MONTH),
    "claims": select(*_windows(an.detected_at, "claims"))
    .select_from(tables.anomalies)
    .join(tables.orders, o.id == an.order_id)
    .where(o.customer_id == CUSTOMER, an.type == CLAIM, an.detected_at >= MONTH),
    "grants": select(
        *_windows(g.created_at, "grants", "day", "month"),
        func.coalesce(func.sum(g.amount_cents + g.refund_cents), 0).label("granted_cents"),
    ).where(g.customer_id == CUSTOMER, g.created_at >= MONTH, g.status != "refused"),
    "coupons": select(*_windows(cp.used_at, "coupons", "day", "month")).where(
        cp.customer_id == CUSTOMER, cp.used_at >= MONTH
    ),
    "born": select(func.min(tables.users.c.created_at).label("born")).where(
        tables.users.c.subject_id == CUSTOMER
    ),
    # From the order asked about to the orders at its door (a band of latitude, by index): no
    # order, no rows to look from.
    "address": select(func.count(distinct(o.customer_id)).label("near"))
    .select_from(_this)
    .join(
        tables.orders,
        (o.tenant_id == _this.c.tenant_id)
        & o.dropoff_lat.between(
            _this.c.dropoff_lat - NEAR_DEGREES, _this.c.dropoff_lat + NEAR_DEGREES
        )
        & o.dropoff_lon.between(
            _this.c.dropoff_lon - NEAR_DEGREES, _this.c.dropoff_lon + NEAR_DEGREES
        ),
    )
    .where(_this.c.id == ORDER, o.placed_at >= MONTH),
    "pair": select(
        func.count(an.id).label("pair"),
        case((_THIS_RIDER.is_(None), 0), else_=1).label("has_rider"),
    )
    .select_from(tables.anomalies)
    .join(tables.orders, o.id == an.order_id)
    .where(
        o.customer_id == CUSTOMER,
        o.rider_id == _THIS_RIDER,
        an.type == CLAIM,
        an.detected_at >= MONTH,
    ),
    "device": select(
        select(func.count())
        .select_from(_ON_DEVICE.subquery())
        .scalar_subquery()
        .label("on_device"),
        _claims_of(_ON_DEVICE).scalar_subquery().label("device_claims"),
    ),
    "phone": select(
        select(func.count()).select_from(_ON_PHONE.subquery()).scalar_subquery().label("on_phone"),
        _claims_of(_ON_PHONE).scalar_subquery().label("phone_claims"),
    ),
    "instrument": select(
        *_windows(pay.placed_at, "paid"),
        func.count(distinct(pay.customer_id)).label("payers"),
        func.coalesce(func.max(case((pay.customer_id == CUSTOMER, 1), else_=0)), 0).label(
            "paid_before"
        ),
        select(func.count())
        .select_from(tables.anomalies)
        .join(tables.order_payments, pay.order_id == an.order_id)
        .where(*_PAID_WITH, an.type == CLAIM)
        .correlate(None)
        .scalar_subquery()
        .label("paid_claims"),
        select(func.count())
        .select_from(tables.grants)
        .join(tables.order_payments, pay.order_id == g.order_id)
        .where(*_PAID_WITH, g.refund_cents > 0, g.status != "refused")
        .correlate(None)
        .scalar_subquery()
        .label("paid_refunds"),
    ).where(*_PAID_WITH),
    "rider": select(
        _rider_window(_UNASSIGN, "day").label("handbacks_day"),
        _rider_window(_UNASSIGN, "month").label("handbacks_month"),
        _rider_window(_ASSIGN, "day").label("assigned_day"),
        _rider_window(_ASSIGN, "month").label("assigned_month"),
        select(func.max(_step.c.at))
        .where(_step.c.order_id == ORDER, _step.c.action == "assign")
        .scalar_subquery()
        .label("assigned_at"),
    ).where(tr.actor_id == bindparam("rider"), _RIDER_STEPS, tr.at >= MONTH),
}

# Not a feature: the tenant's rules' stamp and thresholds (``service.assess``), read with the
# features so that a decision makes one round trip for everything it reads.
_rr, _rs = tables.risk_rules.c, tables.risk_settings.c
PARTS["stamp"] = select(
    func.count(_rr.id).label("rule_rows"),
    func.max(_rr.created_at).label("newest_rule"),
    *(
        select(column).where(_rs.tenant_id == TENANT).scalar_subquery().label(column.name)
        for column in (_rs.review_score, _rs.block_score, _rs.grant_threshold_cents, _rs.hold_hours)
    ),
).where(_rr.tenant_id == TENANT)
THRESHOLDS = ("review_score", "block_score", "grant_threshold_cents", "hold_hours")

_built: dict[frozenset[str], Select[Any]] = {}
_lock = threading.Lock()


def statement(parts: Iterable[str]) -> Select[Any]:
    """One select of every column of ``parts``, cross-joined (each part is one row); built
    once per set of parts (building costs more than running it on SQLite)."""
    key = frozenset(parts)
    found = _built.get(key)
    if found is not None:
        return found
    subqueries = [PARTS[name].subquery(name) for name in sorted(key)]
    joined: Any = subqueries[0]
    for part in subqueries[1:]:
        joined = joined.join(part, true())
    built = select(*subqueries).select_from(joined)
    with _lock:
        _built[key] = built
    return built

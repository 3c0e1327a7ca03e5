"""The keyed reads of the hot checkpoints: how many accounts share the order's device, its card
and the customer's phone, and how far the drop-off is from the customer's usual ones. Only
those the rules in force name are read, all in one statement of scalar subqueries, each an
index lookup; a count whose input the order lacks (no device, no
card) is not read at all: on the order's path a round trip saved beats a statement shape spared
(``service.warm`` compiles each shape the rules in force can take)."""

from __future__ import annotations

import math
import threading
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, Select, bindparam, distinct, func, select

from tiffin.risk.features import Subject
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

dv = tables.risk_devices.c
pay = tables.order_payments.c
cu = tables.customers.c
o = tables.orders.c
_me = tables.customers.alias("me")

_PAID = (
    pay.tenant_id == bindparam("tenant"),
    pay.instrument == bindparam("instrument"),
    pay.placed_at >= bindparam("month"),
)
READS: dict[str, Any] = {
    "accounts_on_device": select(func.count())
    .where(dv.tenant_id == bindparam("tenant"), dv.device_id == bindparam("device"))
    .scalar_subquery(),
    "accounts_on_instrument": select(func.count(distinct(pay.customer_id)))
    .where(*_PAID)
    .scalar_subquery(),
    "paid_before": select(func.count())
    .where(*_PAID, pay.customer_id == bindparam("customer"))
    .scalar_subquery(),
    "accounts_on_phone": select(func.count())
    .where(
        cu.tenant_id == bindparam("tenant"),
        cu.phone_key
        == select(_me.c.phone_key).where(_me.c.id == bindparam("customer")).scalar_subquery(),
    )
    .scalar_subquery(),
}
# The customer's delivered drop-offs of the last 90 days ("usual") and the squared distance, in
# degrees of latitude, from the nearest to this drop-off: equirectangular (longitude scaled by
# cos(latitude), computed in Python and bound: SQLite has no trigonometry), exact to well under
# 1 % at a city's scale. NULL when there is no such order.
USUAL_DAYS = 90
KM_PER_DEGREE = 6_371.0 * math.pi / 180
_LAT, _LON = bindparam("lat", type_=Float()), bindparam("lon", type_=Float())
_dlat = o.dropoff_lat - _LAT
_dlon = (o.dropoff_lon - _LON) * bindparam("coslat", type_=Float())
READS["usual_d2"] = (
    select(func.min(_dlat * _dlat + _dlon * _dlon))
    .where(
        o.tenant_id == bindparam("tenant"),
        o.customer_id == bindparam("customer"),
        o.status == "delivered",
        o.placed_at >= bindparam("quarter"),
    )
    .scalar_subquery()
)
KEYED = frozenset({"accounts_on_device", "accounts_on_instrument", "accounts_on_phone"})
_built: dict[frozenset[str], Select[Any]] = {}
_lock = threading.Lock()


def _statement(names: frozenset[str]) -> Select[Any]:
    found = _built.get(names)
    if found is None:
        found = select(*(READS[name].label(name) for name in sorted(names)))
        with _lock:
            _built[names] = found
    return found


def read(
    uow: UnitOfWork, subject: Subject, wanted: frozenset[str], *, month: datetime
) -> dict[str, float | bool]:
    """The keyed features in ``wanted`` (0 where the subject gives nothing to look up), and
    ``dropoff_km_from_usual``: km from the subject's drop-off to the nearest of the customer's
    delivered drop-offs in 90 days, 0 without a drop-off or without such an order (a first
    order is "new", not "far": rules pair it with ``new_account`` for that)."""
    names = set(wanted) & KEYED
    out: dict[str, float | bool] = dict.fromkeys(names, 0)
    if "dropoff_km_from_usual" in wanted:
        out["dropoff_km_from_usual"] = 0.0
        if subject.dropoff is not None:
            names.add("usual_d2")
    if subject.device_id is None:  # nothing to look up: no round trip on the order's path
        names.discard("accounts_on_device")
    if subject.instrument is None:
        names.discard("accounts_on_instrument")
    if not names:
        return out
    if "accounts_on_instrument" in names:
        names.add("paid_before")
    bound: dict[str, Any] = {
        "tenant": subject.tenant_id,
        "customer": subject.customer_id,
        "device": subject.device_id,
        "instrument": subject.instrument,
        "month": month,
    }
    if subject.dropoff is not None:
        lat = subject.dropoff.lat
        bound |= {
            "lat": lat,
            "lon": subject.dropoff.lon,
            "coslat": math.cos(math.radians(lat)),
            "quarter": month - timedelta(days=USUAL_DAYS - 30),  # ``month`` is 30 days back
        }
    row = uow.conn.execute(_statement(frozenset(names)), bound).mappings().one()
    for name in names - {"paid_before", "usual_d2"}:
        out[name] = int(row[name])
    if row.get("usual_d2") is not None:
        km = math.sqrt(max(0.0, float(row["usual_d2"]))) * KM_PER_DEGREE
        out["dropoff_km_from_usual"] = round(km, 3)
    if subject.instrument is not None and "paid_before" in names and not row["paid_before"]:
        out["accounts_on_instrument"] = int(out["accounts_on_instrument"]) + 1  # paying now
    return out

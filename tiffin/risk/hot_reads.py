"""The keyed reads of the hot checkpoints: how many accounts share the order's device, its card
and the customer's phone. Only those the rules in force name are read, all in one statement
of scalar subqueries, each an index lookup; a count whose input the order lacks (no device, no
card) is not read at all: on the order's path a round trip saved beats a statement shape spared
(``service.warm`` compiles each shape the rules in force can take)."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, distinct, func, select

from tiffin.risk.features import Subject
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

dv = tables.risk_devices.c
pay = tables.order_payments.c
cu = tables.customers.c
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
    """The keyed features in ``wanted`` (0 where the subject gives nothing to look up)."""
    names = set(wanted) & {"accounts_on_device", "accounts_on_instrument", "accounts_on_phone"}
    out: dict[str, float | bool] = dict.fromkeys(names, 0)
    if subject.device_id is None:  # nothing to look up: no round trip on the order's path
        names.discard("accounts_on_device")
    if subject.instrument is None:
        names.discard("accounts_on_instrument")
    if not names:
        return out
    if "accounts_on_instrument" in names:
        names.add("paid_before")
    bound = {
        "tenant": subject.tenant_id,
        "customer": subject.customer_id,
        "device": subject.device_id,
        "instrument": subject.instrument,
        "month": month,
    }
    row = uow.conn.execute(_statement(frozenset(names)), bound).mappings().one()
    for name in names - {"paid_before"}:
        out[name] = int(row[name])
    if subject.instrument is not None and "paid_before" in names and not row["paid_before"]:
        out["accounts_on_instrument"] = int(out["accounts_on_instrument"]) + 1  # paying now
    return out

"""Telling customers whose orders are in flight that an incident touches them, and when it ends.

When an incident opens, every customer with an order in flight that depends on a hit component
is told once (their language, their order, what to expect): dispatch and notifications carry
every order until it is delivered; ordering and payments only those not yet accepted. At
resolution, those told who get no make-good message (their order came through unharmed) hear
that it is over; the others hear it in the make-good itself (``incidents.make_good``). Both go
through ``care.notify`` keyed per incident and customer, so a replay never tells anyone twice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tiffin.care import notify
from tiffin.domain.order_status import OrderStatus
from tiffin.domain.people import clock_time
from tiffin.incidents.model import Component, Impact
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

S = OrderStatus
IN_FLIGHT = (S.PLACED, S.ACCEPTED, S.READY, S.ASSIGNED, S.PICKED_UP)
NOT_YET_ACCEPTED = (S.PLACED,)
OPEN_PRIORITY = 450  # before single-order trouble, after the status page's subscribers

# {incident}: the incident's title; {merchant}: the order's merchant; {promise}: HH:MM in the
# tenant's time zone.
OPENED: dict[str, tuple[str, str]] = {
    "en": (
        "We have a problem that may affect your order",
        "{incident}. Your order from {merchant} (promised by {promise}) may be delayed. "
        "We are working on it, will tell you when it is fixed, and will make it good if your "
        "order is affected.",
    ),
    "zh-CN": (
        "平台故障可能影响您的订单",
        "{incident}。您在{merchant}的订单（原定{promise}前送达）可能延误。我们正在处理，"
        "修复后会通知您；如订单受影响，我们会给予补偿。",
    ),
}
RESOLVED: dict[str, tuple[str, str]] = {
    "en": ("The problem is fixed", "{incident}: fixed. Your order was not affected."),
    "zh-CN": ("故障已修复", "{incident}：已修复。您的订单未受影响。"),
}


def statuses_at_risk(components: dict[str, str]) -> set[OrderStatus]:
    """The order statuses that depend on the hit components."""
    hit = {c for c, impact in components.items() if impact != Impact.NONE.value}
    at_risk: set[OrderStatus] = set()
    if hit & {Component.DISPATCH.value, Component.NOTIFICATIONS.value}:
        at_risk.update(IN_FLIGHT)
    if hit & {Component.ORDERING.value, Component.PAYMENTS.value}:
        at_risk.update(NOT_YET_ACCEPTED)
    return at_risk


def _orders_at_risk(uow: UnitOfWork, incident: dict[str, Any]) -> list[Any]:
    """One row per customer (their earliest order at risk), with what the message needs."""
    statuses = sorted(s.value for s in statuses_at_risk(incident["components"]))
    if not statuses:
        return []
    o, c, m = tables.orders.c, tables.customers.c, tables.merchants.c
    query = (
        select(
            o.id,
            o.tenant_id,
            o.customer_id,
            o.promised_at,
            m.name.label("merchant"),
            c.language,
            tables.tenants.c.time_zone,
        )
        .add_columns(c.contact_channel, c.phone)
        .join(tables.customers, c.id == o.customer_id)
        .join(tables.tenants, tables.tenants.c.id == o.tenant_id)
        .join(tables.merchants, m.id == o.merchant_id)
        .where(o.status.in_(statuses))
        .order_by(o.placed_at, o.id)
    )
    if incident["tenant_id"] is not None:
        query = query.where(o.tenant_id == incident["tenant_id"])
    first: dict[str, Any] = {}
    for row in uow.conn.execute(query):
        first.setdefault(row.customer_id, row)
    return list(first.values())


def tell_opened(uow: UnitOfWork, incident: dict[str, Any]) -> int:
    """Tell each customer with an order at risk, once; returns how many were newly told."""
    told = 0
    for row in _orders_at_risk(uow, incident):
        lang = row.language if row.language in OPENED else "en"
        title, body = OPENED[lang]
        text = body.format(
            incident=incident["title"],
            merchant=row.merchant,
            promise=clock_time(row.promised_at, row.time_zone),
        )
        queued = notify.notify_customer(
            uow,
            tenant_id=row.tenant_id,
            customer_id=row.customer_id,
            order_id=row.id,
            dedupe_key=f"incident:{incident['id']}:opened",
            title=title,
            body=text,
            language=row.language,
            contact_channel=row.contact_channel,
            phone=row.phone,
            priority=OPEN_PRIORITY,
            incident_id=incident["id"],
        )
        told += queued is not None
    return told


def tell_resolved(uow: UnitOfWork, incident: dict[str, Any]) -> int:
    """Those told at the opening who got no make-good message hear that it is over."""
    n = tables.notifications.c
    opened = uow.conn.execute(
        select(n.customer_id, n.order_id, n.tenant_id).where(
            n.incident_id == incident["id"], n.dedupe_key == f"incident:{incident['id']}:opened"
        )
    ).all()
    made_good = set(
        uow.conn.execute(
            select(n.customer_id).where(
                n.incident_id == incident["id"],
                n.dedupe_key.like(f"incident:{incident['id']}:%"),
                n.dedupe_key != f"incident:{incident['id']}:opened",
            )
        ).scalars()
    )
    told = 0
    for row in opened:
        if row.customer_id in made_good:
            continue
        customer = uow.customers.require(row.customer_id)
        lang = customer.language if customer.language in RESOLVED else "en"
        title, body = RESOLVED[lang]
        queued = notify.notify_customer(
            uow,
            tenant_id=row.tenant_id,
            customer_id=row.customer_id,
            order_id=row.order_id,
            dedupe_key=f"incident:{incident['id']}:resolved",
            title=title,
            body=body.format(incident=incident["title"]),
            language=customer.language,
            contact_channel=customer.contact_channel,
            phone=customer.phone,
            priority=OPEN_PRIORITY,
            incident_id=incident["id"],
        )
        told += queued is not None
    return told

"""The make-good after an incident: every order it touched compensated once, its customer told.

The grant's cause is ``incident:<id>``, so a second resolve or a crash-and-retry grants nothing
more and tells nobody twice. The tenant's compensation policy decides (its make-good tiers, under
the same daily budget and per-customer caps as anomalies); the platform pays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select, update

from tiffin.care import notify
from tiffin.care import service as care
from tiffin.care.policy import CompensationPolicy
from tiffin.care.queries import policy_for
from tiffin.incidents import confirmation
from tiffin.incidents.model import Component, Impact
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

i = tables.incidents.c


@dataclass(frozen=True)
class MadeGood:
    orders: int
    cents: int


def affected_orders(uow: UnitOfWork, incident: dict[str, Any]) -> list[Any]:
    """Orders the incident touched, in its window [started, resolved]: cancelled ones; placed
    ones when ordering or payments were hit; late or undelivered ones promised in the window
    when dispatch was hit; those whose customers got a message in it when notifications were."""
    start, end = incident["started_at"], incident["resolved_at"] or uow.clock.now()
    hit = {c for c, impact in incident["components"].items() if impact != Impact.NONE.value}
    o = tables.orders.c
    within = [
        and_(o.status == "cancelled", o.finished_at >= start, o.finished_at <= end),
    ]
    if hit & {Component.ORDERING.value, Component.PAYMENTS.value}:
        within.append(and_(o.placed_at >= start, o.placed_at <= end))
    if Component.DISPATCH.value in hit:
        late = or_(o.finished_at.is_(None), o.finished_at > o.promised_at)
        within.append(and_(o.promised_at >= start, o.promised_at <= end, late))
    if Component.NOTIFICATIONS.value in hit:
        n = tables.notifications.c
        told = select(n.order_id).where(
            n.created_at >= start, n.created_at <= end, n.order_id.is_not(None)
        )
        within.append(o.id.in_(told))
    query = select(tables.orders).where(or_(*within))
    if incident["tenant_id"] is not None:
        query = query.where(o.tenant_id == incident["tenant_id"])
    return list(uow.conn.execute(query.order_by(o.placed_at)).mappings())


def make_good(uow: UnitOfWork, incident_id: str) -> MadeGood:
    """Compensate every affected order of the tenants whose operators confirmed the incident
    once, and tell its customer (idempotent)."""
    incident = dict(
        uow.conn.execute(select(tables.incidents).where(i.id == incident_id)).mappings().one()
    )
    confirmed = confirmation.confirmed_tenants(uow, incident_id)
    cause = f"incident:{incident_id}"
    orders, cents = 0, 0
    now = uow.clock.now()
    policies: dict[str, CompensationPolicy] = {}  # per tenant, read once
    for row in affected_orders(uow, incident):
        tenant_id = row["tenant_id"]
        if tenant_id not in confirmed:
            continue  # nobody vouched for it there: a signal alone grants nothing
        if tenant_id not in policies:
            policies[tenant_id] = policy_for(uow, tenant_id)
        grant = care.make_good_order(
            uow,
            policies[tenant_id],
            tenant_id=tenant_id,
            customer_id=row["customer_id"],
            order_id=row["id"],
            order_total_cents=int(row["items_cents"]) + int(row["delivery_fee_cents"]),
            cause=cause,
            payer=f"platform:{tenant_id}:incidents",
            words=lambda language, given: notify.render_make_good(
                incident["title"], language, given
            ),
            incident_id=incident_id,
        )
        if grant is None:
            continue
        orders += 1
        cents += grant.amount_cents
    uow.conn.execute(
        update(tables.incidents)
        .where(i.id == incident_id)
        .values(
            made_good_at=now,
            made_good_orders=i.made_good_orders + orders,
            made_good_cents=i.made_good_cents + cents,
        )
    )
    return MadeGood(orders, cents)

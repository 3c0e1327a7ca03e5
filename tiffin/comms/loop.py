"""Closing the loop: a customer whose complaint led to a change is told what changed.

An operator records the change a complaint (an anomaly on the customer's order) led to: the
merchant charged for it, the rider re-trained, a policy changed. The customer is told once per
change, in their language, in the inbox and on their channel. "Merchant charged" must be true in
the ledger: a grant for that anomaly paid from the merchant's account.
"""

from __future__ import annotations

from sqlalchemy import select

from tiffin.care import notify
from tiffin.comms.model import CHANGE_WORDS, loop_words
from tiffin.domain.ids import new_id
from tiffin.domain.principals import Principal
from tiffin.errors import Conflict, Invalid, NotFound
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork
from tiffin.store.upsert import insert_ignore

LOOP_PRIORITY = 100  # news, not trouble: after everything urgent


def close_loop(
    uow: UnitOfWork, operator: Principal, anomaly_id: str, *, change: str, detail: str
) -> tuple[str, bool]:
    """Record the change and tell the complainant; returns (closure id, newly told)."""
    if change not in CHANGE_WORDS:
        raise Invalid(f"change is one of {', '.join(CHANGE_WORDS)}", code="bad_change")
    a, o = tables.anomalies.c, tables.orders.c
    row = uow.conn.execute(
        select(a.id, a.tenant_id, a.order_id, o.customer_id)
        .join(tables.orders, o.id == a.order_id)
        .where(a.id == anomaly_id)
    ).first()
    if row is None or row.tenant_id != operator.tenant_id:
        raise NotFound(f"no anomaly with id {anomaly_id!r}", resource="anomaly")
    if change == "merchant_charged" and not _merchant_paid(uow, anomaly_id):
        raise Conflict(
            "no grant for this anomaly was charged to the merchant", code="merchant_not_charged"
        )
    closure_id = new_id("lop")
    created = insert_ignore(
        uow.conn,
        tables.loop_closures,
        {
            "id": closure_id,
            "tenant_id": row.tenant_id,
            "anomaly_id": anomaly_id,
            "customer_id": row.customer_id,
            "change": change,
            "words": detail,
            "created_by": str(operator.actor),
            "created_at": uow.clock.now(),
        },
    )
    if not created:
        lc = tables.loop_closures.c
        existing = uow.conn.execute(
            select(lc.id).where(lc.anomaly_id == anomaly_id, lc.change == change)
        ).scalar_one()
        return str(existing), False
    customer = uow.customers.require(row.customer_id)
    title, body = loop_words(change, customer.language, detail)
    notify.notify_customer(
        uow,
        tenant_id=row.tenant_id,
        customer_id=customer.id,
        order_id=row.order_id,
        dedupe_key=f"loop:{anomaly_id}:{change}",
        title=title,
        body=body,
        language=customer.language,
        contact_channel=customer.contact_channel,
        phone=customer.phone,
        priority=LOOP_PRIORITY,
        anomaly_id=anomaly_id,
    )
    return closure_id, True


def _merchant_paid(uow: UnitOfWork, anomaly_id: str) -> bool:
    g = tables.grants.c
    payers = uow.conn.execute(
        select(g.payer).where(g.anomaly_id == anomaly_id, g.status != "reversed")
    ).scalars()
    return any(str(p).startswith("merchant:") for p in payers)

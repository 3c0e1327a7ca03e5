"""The in-app inbox: every step of a customer's order becomes a message they can read.

Messages are keyed by the outbox event id, so replaying an event after a crash never sends
a customer the same message twice. Trouble (a rejection, a rider handing back, a cancellation by
anyone but the customer, a failure) is not worded here: the anomaly engine tells the customer
once, with the reason, the new ETA and what we give them (``care.notify``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select

from tiffin.domain.events import (
    CustomerMessaged,
    DomainEvent,
    OrderAccepted,
    OrderAssigned,
    OrderCancelled,
    OrderDelivered,
    OrderMarkedReady,
    OrderPickedUp,
    OrderPlaced,
    OrderStatusChanged,
)
from tiffin.domain.ids import new_id
from tiffin.domain.people import clock_time
from tiffin.domain.principals import ActorRole
from tiffin.store import tables
from tiffin.store.outbox import Envelope
from tiffin.store.uow import UnitOfWork
from tiffin.store.upsert import insert_all_new

TEMPLATES: dict[str, dict[type[OrderStatusChanged], tuple[str, str]]] = {
    "en": {
        OrderPlaced: ("Order placed", "{merchant} has your order. We promise it by {promise}."),
        OrderAccepted: ("Order accepted", "{merchant} accepted your order and is cooking it."),
        OrderMarkedReady: ("Food ready", "Your food is ready at {merchant}."),
        OrderAssigned: ("Rider on the way", "A rider is heading to {merchant} for your order."),
        OrderPickedUp: ("Picked up", "Your rider has your food and is on the way."),
        OrderDelivered: ("Delivered", "Your order was delivered. Enjoy!"),
        OrderCancelled: ("Order cancelled", "Your order was cancelled: {reason}."),
    },
    "zh-CN": {
        OrderPlaced: ("下单成功", "{merchant}已收到您的订单，预计{promise}前送达。"),
        OrderAccepted: ("商家已接单", "{merchant}已接单，正在为您备餐。"),
        OrderMarkedReady: ("出餐完成", "{merchant}已出餐。"),
        OrderAssigned: ("骑手已接单", "骑手正前往{merchant}取餐。"),
        OrderPickedUp: ("骑手已取餐", "骑手已取餐，正在赶来。"),
        OrderDelivered: ("已送达", "您的订单已送达，祝您用餐愉快！"),
        OrderCancelled: ("订单已取消", "您的订单已取消：{reason}。"),
    },
}


class InboxConsumer:
    """Tells each customer every step of their order, once per outbox event."""

    name = "care.inbox"
    wants: tuple[type[DomainEvent], ...] = (OrderStatusChanged,)
    batch: int | None = None

    def handle_batch(self, uow: UnitOfWork, envelopes: Sequence[Envelope]) -> None:
        """Every order event passes through here, so a batch costs two statements: one read
        of what the messages need, one multi-row insert (each row ignored if already there).
        Each message written is recorded for the audit chain (``CustomerMessaged``), in the
        outbox with this batch's offset: appended later, never on an order's path."""
        speaking = [
            (e.id, e.event)
            for e in envelopes
            if isinstance(e.event, OrderStatusChanged) and _speaks_for(e.event)
        ]
        if not speaking:
            return
        ids = sorted({event.aggregate_id for _, event in speaking})
        found = {r.order_id: r for r in uow.conn.execute(_ADDRESSEES, {"order_ids": ids})}
        now = uow.clock.now()
        rows = []
        for event_id, event in speaking:
            to = found.get(event.aggregate_id)
            if to is None:
                continue
            templates = TEMPLATES.get(to.language, TEMPLATES["en"])
            if type(event) not in templates:
                continue
            title, body = templates[type(event)]
            text = body.format(
                merchant=to.merchant,
                promise=clock_time(to.promised_at, to.time_zone),
                reason=event.reason or "-",
            )
            rows.append(
                {
                    "id": new_id("msg"),
                    "tenant_id": to.tenant_id,
                    "customer_id": to.customer_id,
                    "order_id": event.aggregate_id,
                    "event_id": event_id,
                    "title": title,
                    "body": text,
                    "created_at": now,
                }
            )
        inserted = insert_all_new(uow.conn, tables.inbox_messages, rows)
        for row in rows:
            if row["id"] in inserted:  # a replayed event told nobody twice, so records nothing
                uow.emit(
                    CustomerMessaged(
                        aggregate_id=row["id"],
                        tenant_id=row["tenant_id"],
                        at=now,
                        recipient=f"customer:{row['customer_id']}",
                        order_id=row["order_id"],
                        channels=("inbox",),
                        dedupe_key=f"event:{row['event_id']}",
                        title=row["title"],
                        body=row["body"],
                    )
                )


def _speaks_for(event: OrderStatusChanged) -> bool:
    """A cancellation by anyone but the customer is the anomaly engine's to tell."""
    return not isinstance(event, OrderCancelled) or event.actor.role is ActorRole.CUSTOMER


_o, _c, _m = tables.orders.c, tables.customers.c, tables.merchants.c
_ADDRESSEES = (
    select(
        _o.id.label("order_id"),
        _o.tenant_id,
        _o.customer_id,
        _o.promised_at,
        _c.language,
        _m.name.label("merchant"),
        tables.tenants.c.time_zone,
    )
    .join(tables.customers, _c.id == _o.customer_id)
    .join(tables.tenants, tables.tenants.c.id == _o.tenant_id)
    .join(tables.merchants, _m.id == _o.merchant_id)
    .where(_o.id.in_(bindparam("order_ids", expanding=True)))
)


def messages_for(uow: UnitOfWork, customer_id: str, limit: int = 50) -> list[dict[str, object]]:
    m = tables.inbox_messages.c
    query = (
        select(m.id, m.order_id, m.title, m.body, m.created_at)
        .where(m.customer_id == customer_id)
        .order_by(m.created_at.desc(), m.event_id.desc())
        .limit(limit)
    )
    return [dict(r) for r in uow.conn.execute(query).mappings()]

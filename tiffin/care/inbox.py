"""The in-app inbox: every step of a customer's order becomes a message they can read.

Messages are keyed by the outbox event id, so replaying an event after a crash never sends
a customer the same message twice. Trouble (a rejection, a rider handing back, a cancellation by
anyone but the customer, a failure) is not worded here: the anomaly engine tells the customer
once, with the reason, the new ETA and what we give them (``care.notify``).
"""

from __future__ import annotations

from sqlalchemy import bindparam, select

from tiffin.domain.ids import new_id
from tiffin.store import tables
from tiffin.store.outbox import OutboxEvent
from tiffin.store.uow import UnitOfWork
from tiffin.store.upsert import insert_ignore

TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "placed": ("Order placed", "{merchant} has your order. We promise it by {promise}."),
        "accept": ("Order accepted", "{merchant} accepted your order and is cooking it."),
        "mark_ready": ("Food ready", "Your food is ready at {merchant}."),
        "assign": ("Rider on the way", "A rider is heading to {merchant} for your order."),
        "pick_up": ("Picked up", "Your rider has your food and is on the way."),
        "deliver": ("Delivered", "Your order was delivered. Enjoy!"),
        "cancel": ("Order cancelled", "Your order was cancelled: {reason}."),
    },
    "zh-CN": {
        "placed": ("下单成功", "{merchant}已收到您的订单，预计{promise}前送达。"),
        "accept": ("商家已接单", "{merchant}已接单，正在为您备餐。"),
        "mark_ready": ("出餐完成", "{merchant}已出餐。"),
        "assign": ("骑手已接单", "骑手正前往{merchant}取餐。"),
        "pick_up": ("骑手已取餐", "骑手已取餐，正在赶来。"),
        "deliver": ("已送达", "您的订单已送达，祝您用餐愉快！"),
        "cancel": ("订单已取消", "您的订单已取消：{reason}。"),
    },
}


class InboxConsumer:
    name = "care.inbox"

    def wants(self, topic: str) -> bool:
        return topic.startswith("order.")

    def handle(self, uow: UnitOfWork, event: OutboxEvent) -> None:
        action = event.payload.get("action", "")
        if action == "cancel" and event.payload.get("actor", {}).get("role") != "customer":
            return  # the anomaly engine speaks for it
        found = uow.conn.execute(_ADDRESSEE, {"order_id": event.aggregate_id}).first()
        if found is None:
            return
        templates = TEMPLATES.get(found.language, TEMPLATES["en"])
        if action not in templates:
            return
        title, body = templates[action]
        text = body.format(
            merchant=found.merchant,
            promise=found.promised_at.strftime("%H:%M UTC"),
            reason=event.payload.get("reason") or "-",
        )
        row = {
            "id": new_id("msg"),
            "tenant_id": found.tenant_id,
            "customer_id": found.customer_id,
            "order_id": event.aggregate_id,
            "event_id": event.id,
            "title": title,
            "body": text,
            "created_at": uow.clock.now(),
        }
        insert_ignore(uow.conn, tables.inbox_messages, row)


_o, _c, _m = tables.orders.c, tables.customers.c, tables.merchants.c
# Every order event passes through here: one query for what the message needs, not a whole
# order with its lines and history plus two lookups.
_ADDRESSEE = (
    select(_o.tenant_id, _o.customer_id, _o.promised_at, _c.language, _m.name.label("merchant"))
    .join(tables.customers, _c.id == _o.customer_id)
    .join(tables.merchants, _m.id == _o.merchant_id)
    .where(_o.id == bindparam("order_id"))
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

"""Telling people what happened: the words (per anomaly type and language), and the queue.

``render`` is pure: anomaly type + reason + new ETA + grant → a title and a body in the customer's
language. ``notify_customer`` writes the message to the customer's in-app inbox *and* queues it
for their preferred channel (push or SMS, with fallbacks; or the operator call list for customers
who want a phone call) in the caller's transaction, so a message exists exactly when the anomaly
that caused it does. Both rows carry a dedupe key (the anomaly or incident): a replay after a
crash, or a second detection of the same trouble, never reaches a customer twice. Each message
queued is recorded for the audit chain (``CustomerMessaged``) in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update

from tiffin.care.coalesce import Action, CoalesceRules, Plan, Sent, is_final, plan_push
from tiffin.care.policy import Segment
from tiffin.care.reasons import plain_words
from tiffin.domain.anomalies import AnomalyType, Reason, Severity
from tiffin.domain.events import CustomerMessaged
from tiffin.domain.ids import new_id
from tiffin.domain.people import clock_time
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork
from tiffin.store.upsert import insert_ignore

A = AnomalyType

# (title, body): {reason} is the plain-words reason, {eta} the time the dispatcher now believes,
# {compensation} a sentence about what we gave (or nothing).
TEMPLATES: dict[str, dict[AnomalyType, tuple[str, str]]] = {
    "en": {
        A.MERCHANT_SLOW_ACCEPT: (
            "Waiting for the restaurant",
            "The restaurant has not confirmed your order yet: {reason}. We are chasing them; "
            "expected delivery {eta}.{compensation}",
        ),
        A.FOOD_LATE: (
            "Your food is running late",
            "Sorry: {reason}. Expected delivery is now {eta}.{compensation}",
        ),
        A.NO_RIDER: (
            "Finding you a rider",
            "Sorry for the wait: {reason}. Your order has priority for the next free rider; "
            "expected delivery {eta}.{compensation}",
        ),
        A.RIDER_LOST: (
            "New rider for your order",
            "Sorry: {reason}. We have sent your order to another rider straight away; "
            "expected delivery {eta}.{compensation}",
        ),
        A.ETA_SLIP: (
            "Your order is running late",
            "Sorry: {reason}. Expected delivery is now {eta}.{compensation}",
        ),
        A.DELIVERED_LATE: (
            "Sorry we were late",
            "Your order arrived later than we promised: {reason}.{compensation}",
        ),
        A.CANCELLED: (
            "Your order was cancelled",
            "We are sorry: your order was cancelled because {reason}.{compensation}",
        ),
        A.ITEM_PROBLEM: (
            "We received your report",
            "Thank you for telling us: {reason}. An operator will look at it.{compensation}",
        ),
    },
    "zh-CN": {
        A.MERCHANT_SLOW_ACCEPT: (
            "等待商家接单",
            "商家尚未确认您的订单：{reason}。我们正在催促商家，预计{eta}送达。{compensation}",
        ),
        A.FOOD_LATE: ("出餐延迟", "抱歉，{reason}。预计送达时间更新为{eta}。{compensation}"),
        A.NO_RIDER: (
            "正在为您安排骑手",
            "抱歉让您久等：{reason}。您的订单将优先分配给下一位空闲骑手，预计{eta}送达。"
            "{compensation}",
        ),
        A.RIDER_LOST: (
            "已为您更换骑手",
            "抱歉，{reason}。我们已立即将订单改派给其他骑手，预计{eta}送达。{compensation}",
        ),
        A.ETA_SLIP: ("订单可能延误", "抱歉，{reason}。预计送达时间更新为{eta}。{compensation}"),
        A.DELIVERED_LATE: ("抱歉送晚了", "您的订单比承诺时间晚到：{reason}。{compensation}"),
        A.CANCELLED: ("订单已取消", "非常抱歉，您的订单因{reason}被取消。{compensation}"),
        A.ITEM_PROBLEM: ("已收到您的反馈", "感谢反馈：{reason}。客服将尽快处理。{compensation}"),
    },
}

# The make-good after an incident, (title, body): {incident} is the incident's title, {reason}
# the plain-words reason (a fault on our side), {compensation} the sentence about what we gave.
INCIDENT_TEMPLATES: dict[str, tuple[str, str]] = {
    "en": ("Making it good", "Sorry: {incident} ({reason}) affected your order.{compensation}"),
    "zh-CN": ("我们的补偿", "抱歉：{incident}（{reason}）影响了您的订单。{compensation}"),
}

# An order addressed inside a zone closed to riders (疫情封控区), (title, body): {zone} is the
# zone's name, {reason} why it is closed, {handoff} where to collect, {until} when it reopens.
ZONE_TEMPLATES: dict[str, tuple[str, str]] = {
    "en": (
        "Collect your order at the hand-off point",
        "Your address is in {zone}, closed to riders until {until} ({reason}). Your rider "
        "will leave your order, contactless, at the hand-off point {handoff}; please collect "
        "it there.",
    ),
    "zh-CN": (
        "请到无接触取餐点取餐",
        "您的地址位于{zone}，该区域因{reason}暂停配送至{until}。骑手将把您的订单无接触放在"
        "取餐点 {handoff}，请前往领取。",
    ),
}


# Appended when the order has a drop-off code: the rider asks for it instead of a hand-over.
ZONE_CODE_SENTENCE: dict[str, str] = {
    "en": " Your drop-off code is {code}: the rider asks for it when leaving the order.",
    "zh-CN": "您的取餐码为 {code}，骑手放下订单时会向您核对。",
}


def render_zone_handoff(
    *,
    zone: str,
    reason: str,
    handoff: tuple[float, float],
    until: datetime,
    language: str,
    code: str | None = None,
) -> tuple[str, str]:
    """Why the delivery changed and where to collect, in the customer's language (with the
    order's drop-off code when it has one)."""
    lang = language if language in ZONE_TEMPLATES else "en"
    title, body = ZONE_TEMPLATES[lang]
    where = f"({handoff[0]:.5f}, {handoff[1]:.5f})"
    text = body.format(
        zone=zone, reason=reason, handoff=where, until=until.strftime("%Y-%m-%d %H:%M UTC")
    )
    if code:
        text += ZONE_CODE_SENTENCE[lang].format(code=code)
    return title, text


MERCHANT_TEMPLATES: dict[AnomalyType, str] = {
    A.MERCHANT_SLOW_ACCEPT: "Order {order} has waited {minutes} min for you to accept it.",
    A.FOOD_LATE: "Order {order} is past its ready time; mark it ready as soon as it is.",
    A.CANCELLED: "Order {order} was cancelled ({reason}); the customer has been compensated.",
    A.ITEM_PROBLEM: "The customer reported a problem with order {order}: {reason}.",
}

_COMPENSATION = {
    "en": {
        "credit": " We have added {amount} credit to your account.",
        "coupon": " Here is a {amount} coupon for your next order.",
        "points": " Your next order earns {multiplier}x points.",
        "refund": " {refund} is on its way back to you.",
    },
    "zh-CN": {
        "credit": "已向您的账户发放{amount}红包。",
        "coupon": "送您一张{amount}优惠券，下次下单可用。",
        "points": "您的下一单可获得{multiplier}倍积分。",
        "refund": "{refund}将原路退回。",
    },
}

# A customer's channel preference → the delivery plan: first choice, then fallbacks. The inbox
# always has the message already, so it is the last resort that cannot fail.
CHANNEL_PLANS: dict[str, list[str]] = {
    "push": ["push", "sms", "inbox"],
    "sms": ["sms", "push", "inbox"],
    "inbox": ["inbox"],
    "phone": ["call"],
}


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


@dataclass(frozen=True)
class Given:
    """What a message says was given: the grant's instrument and amounts (or nothing)."""

    instrument: str | None = None
    amount_cents: int = 0
    refund_cents: int = 0
    points_multiplier: int = 0


def compensation_sentence(offer: Given | None, language: str) -> str:
    if offer is None:
        return ""
    words = _COMPENSATION.get(language, _COMPENSATION["en"])
    text = ""
    if offer.instrument in ("credit", "coupon") and offer.amount_cents:
        text += words[offer.instrument].format(amount=money(offer.amount_cents))
    elif offer.instrument == "points" and offer.points_multiplier:
        text += words["points"].format(multiplier=offer.points_multiplier)
    if offer.refund_cents:
        text += words["refund"].format(refund=money(offer.refund_cents))
    return text


def render(
    kind: AnomalyType,
    reason: Reason,
    language: str,
    *,
    eta: datetime | None,
    offer: Given | None = None,
    time_zone: str = "UTC",
) -> tuple[str, str]:
    """The customer's message: (title, body) in their language (English if we lack theirs)."""
    templates = TEMPLATES.get(language, TEMPLATES["en"])
    lang = language if language in TEMPLATES else "en"
    title, body = templates[kind]
    unknown = "尽快" if lang == "zh-CN" else "as soon as we can"
    return title, body.format(
        reason=plain_words(reason, lang),
        eta=clock_time(eta, time_zone) if eta else unknown,
        compensation=compensation_sentence(offer, lang),
    ).strip()


def render_make_good(incident_title: str, language: str, offer: Given | None) -> tuple[str, str]:
    """The make-good message after an incident: (title, body) in the customer's language."""
    lang = language if language in INCIDENT_TEMPLATES else "en"
    title, body = INCIDENT_TEMPLATES[lang]
    return title, body.format(
        incident=incident_title,
        reason=plain_words(Reason.PLATFORM_FAULT, lang),
        compensation=compensation_sentence(offer, lang),
    )


SEGMENT_WEIGHT = {
    Segment.HIGH_VALUE: 40,
    Segment.FREQUENT: 25,
    Segment.NEW: 20,
    Segment.REGULAR: 10,
}


def priority(severity: Severity, segment: Segment, minutes_late: float) -> int:
    """Order of sending when many are affected at once: impact first, then customer value."""
    return int(severity) * 100 + SEGMENT_WEIGHT[segment] + min(int(max(minutes_late, 0)), 60)


def notify_customer(
    uow: UnitOfWork,
    *,
    tenant_id: str,
    customer_id: str,
    order_id: str | None,
    dedupe_key: str,
    title: str,
    body: str,
    language: str,
    contact_channel: str,
    phone: str,
    priority: int,
    anomaly_id: str | None = None,
    incident_id: str | None = None,
    kind: AnomalyType | None = None,
    rules: CoalesceRules | None = None,
) -> str | None:
    """Write the inbox message and queue the notification; returns the notification id, or
    None when this customer was already told about ``dedupe_key``.

    With ``kind`` and ``rules`` (an anomaly on an order), the push is coalesced with the order's
    earlier ones (``care.coalesce``): held, superseding a held one, or left in the inbox only.
    """
    now = uow.clock.now()
    insert_ignore(
        uow.conn,
        tables.inbox_messages,
        {
            "id": new_id("msg"),
            "tenant_id": tenant_id,
            "customer_id": customer_id,
            "order_id": order_id,
            "event_id": None,
            "dedupe_key": dedupe_key,
            "title": title,
            "body": body,
            "created_at": now,
        },
    )
    plan = CHANNEL_PLANS.get(contact_channel, CHANNEL_PLANS["push"])
    notification_id = new_id("ntf")
    push = Plan(Action.PUSH_NOW, now)
    if kind is not None and rules is not None and order_id is not None and plan != ["call"]:
        push = _coalesced(uow, customer_id, order_id, kind, rules)
    inbox_only = push.action is Action.INBOX_ONLY
    queued = insert_ignore(
        uow.conn,
        tables.notifications,
        {
            "id": notification_id,
            "tenant_id": tenant_id,
            "recipient": f"customer:{customer_id}",
            "customer_id": customer_id,
            "order_id": order_id,
            "anomaly_id": anomaly_id,
            "incident_id": incident_id,
            "dedupe_key": dedupe_key,
            "language": language,
            "title": title,
            "body": body,
            "priority": priority,
            "channels": ["inbox"] if inbox_only else plan,
            "channel_index": 0,
            "status": "inbox_only" if inbox_only else "pending",
            "attempts": 0,
            "next_attempt_at": push.at,
            "created_at": now,
            "delivered_at": now if inbox_only else None,
            "delivered_via": "inbox" if inbox_only else None,
        },
    )
    if not queued:
        return None
    uow.emit(
        CustomerMessaged(
            aggregate_id=notification_id,
            tenant_id=tenant_id,
            at=now,
            recipient=f"customer:{customer_id}",
            order_id=order_id,
            channels=("inbox",) if inbox_only else tuple(dict.fromkeys(["inbox", *plan])),
            dedupe_key=dedupe_key,
            title=title,
            body=body,
        )
    )
    if push.replaces is not None:
        uow.conn.execute(
            update(tables.notifications)
            .where(tables.notifications.c.id == push.replaces)
            .values(status="superseded", last_error=f"superseded by {notification_id}")
        )
    if plan == ["call"]:
        uow.conn.execute(
            insert(tables.call_list).values(
                id=new_id("cal"),
                tenant_id=tenant_id,
                notification_id=notification_id,
                customer_id=customer_id,
                phone=phone,
                priority=priority,
                created_at=now,
            )
        )
    return notification_id


PUSHED = ("pending", "sending", "delivered", "failed", "on_call_list")


def _coalesced(
    uow: UnitOfWork, customer_id: str, order_id: str, kind: AnomalyType, rules: CoalesceRules
) -> Plan:
    """The coalescing plan for a new message on ``order_id``, from the order's earlier pushes
    (incident news and make-goods do not count: they are about the incident). A held push is
    one still pending, never tried, and due later than now."""
    n, a = tables.notifications.c, tables.anomalies.c
    now = uow.clock.now()
    rows = uow.conn.execute(
        select(n.id, n.status, n.attempts, n.next_attempt_at, n.delivered_at, a.type)
        .outerjoin(tables.anomalies, a.id == n.anomaly_id)
        .where(
            n.recipient == f"customer:{customer_id}",
            n.order_id == order_id,
            n.incident_id.is_(None),
            n.status.in_(PUSHED),
        )
        .order_by(n.created_at, n.id)
    ).all()
    earlier = [
        Sent(
            id=r.id,
            at=r.delivered_at or r.next_attempt_at,
            held=r.status == "pending" and r.attempts == 0 and r.next_attempt_at > now,
            final=r.type is not None and is_final(AnomalyType(r.type)),
        )
        for r in rows
    ]
    return plan_push(earlier, now, final=is_final(kind), rules=rules)


def notify_merchant(
    uow: UnitOfWork,
    *,
    tenant_id: str,
    merchant_id: str,
    order_id: str,
    dedupe_key: str,
    text: str,
    priority: int,
    anomaly_id: str | None = None,
) -> str | None:
    """A notice in the merchant's app (read through ``/v1/me/notifications``)."""
    now = uow.clock.now()
    notification_id = new_id("ntf")
    queued = insert_ignore(
        uow.conn,
        tables.notifications,
        {
            "id": notification_id,
            "tenant_id": tenant_id,
            "recipient": f"merchant:{merchant_id}",
            "customer_id": None,
            "order_id": order_id,
            "anomaly_id": anomaly_id,
            "incident_id": None,
            "dedupe_key": dedupe_key,
            "language": "en",
            "title": "Order needs attention",
            "body": text,
            "priority": priority,
            "channels": ["inbox"],
            "channel_index": 0,
            "status": "delivered",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "delivered_at": now,
            "delivered_via": "inbox",
        },
    )
    return notification_id if queued else None


def notifications_for(uow: UnitOfWork, recipient: str, limit: int = 50) -> list[dict[str, object]]:
    n = tables.notifications.c
    query = (
        select(n.id, n.order_id, n.anomaly_id, n.title, n.body, n.status, n.created_at)
        .where(n.recipient == recipient)
        .order_by(n.created_at.desc())
        .limit(limit)
    )
    return [dict(r) for r in uow.conn.execute(query).mappings()]

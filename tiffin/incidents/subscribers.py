"""Status-page subscribers: who asked to hear about a component, and telling them of updates.

Every public update goes to each subscriber of the affected components once (a subscriber of two
affected components is not told twice), through the notification queue, so a provider outage
delays them and never loses them. Each update queued is recorded for the audit chain.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from tiffin.domain.events import CustomerMessaged
from tiffin.domain.ids import new_id
from tiffin.errors import Invalid
from tiffin.incidents.model import Component, State
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork
from tiffin.store.upsert import insert_ignore

i = tables.incidents.c


def tell_subscribers(
    uow: UnitOfWork,
    incident_id: str,
    update_id: int,
    state: State,
    components: dict[str, str],
    message: str,
) -> None:
    """Queue ``message`` for every subscriber of the affected components, once per update."""
    incident = (
        uow.conn.execute(select(tables.incidents).where(i.id == incident_id)).mappings().one()
    )
    announce(
        uow,
        tenant_id=incident["tenant_id"],
        components=list(components),
        key=f"incident:{incident_id}:update:{update_id}",
        words_for=lambda language: words(language, state, incident["title"], message),
        incident_id=incident_id,
    )


def announce(
    uow: UnitOfWork,
    *,
    tenant_id: str | None,
    components: list[str],
    key: str,
    words_for: Callable[[str], tuple[str, str]],
    incident_id: str | None = None,
) -> int:
    """Queue news for every subscriber of ``components`` (of ``tenant_id``; all tenants' when
    None) once per ``key``, in each subscriber's language (``BOTH`` when unknown): the
    in-app inbox, email, and webhooks, which the webhook lane sends after checking the URL.
    Returns how many subscribers were told."""
    s = tables.status_subscribers.c
    query = select(tables.status_subscribers).where(s.component.in_(components))
    if tenant_id is not None:
        query = query.where(s.tenant_id == tenant_id)
    languages = _customer_languages(uow, tenant_id)
    now = uow.clock.now()
    told: set[tuple[str, str]] = set()
    for sub in uow.conn.execute(query).mappings():
        target = (sub["channel"], sub["address"])
        if target in told:
            continue  # subscribed to two affected components: told once per update
        told.add(target)
        language = languages.get(sub["customer_id"] or "", BOTH)
        title, body = words_for(language)
        if sub["channel"] == "inbox" and sub["customer_id"]:
            insert_ignore(
                uow.conn,
                tables.inbox_messages,
                {
                    "id": new_id("msg"),
                    "tenant_id": sub["tenant_id"],
                    "customer_id": sub["customer_id"],
                    "order_id": None,
                    "event_id": None,
                    "dedupe_key": key,
                    "title": title,
                    "body": body,
                    "created_at": now,
                },
            )
        notification_id = new_id("ntf")
        queued = insert_ignore(
            uow.conn,
            tables.notifications,
            {
                "id": notification_id,
                "tenant_id": sub["tenant_id"],
                "recipient": f"subscriber:{sub['id']}",
                "address": sub["address"],
                "customer_id": sub["customer_id"],
                "order_id": None,
                "anomaly_id": None,
                "incident_id": incident_id,
                "dedupe_key": key,
                "language": language,
                "title": title,
                "body": body,
                "priority": 500,  # platform news goes before single-order trouble
                "channels": [sub["channel"]],
                "channel_index": 0,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            },
        )
        if queued:
            recipient = (
                f"customer:{sub['customer_id']}"
                if sub["customer_id"]
                else f"subscriber:{sub['id']}"
            )
            uow.emit(
                CustomerMessaged(
                    aggregate_id=notification_id,
                    tenant_id=sub["tenant_id"],
                    at=now,
                    recipient=recipient,
                    order_id=None,
                    channels=(sub["channel"],),
                    dedupe_key=key,
                    title=title,
                    body=body,
                )
            )
    return len(told)


BOTH = "zh-CN+en"  # email and webhook subscribers: no known language, so both
STATE_WORDS: dict[str, dict[State, str]] = {
    "en": {
        State.INVESTIGATING: "Investigating",
        State.IDENTIFIED: "Identified",
        State.MONITORING: "Monitoring",
        State.RESOLVED: "Resolved",
    },
    "zh-CN": {
        State.INVESTIGATING: "调查中",
        State.IDENTIFIED: "已定位原因",
        State.MONITORING: "修复观察中",
        State.RESOLVED: "已解决",
    },
}


def words(language: str, state: State, title: str, message: str) -> tuple[str, str]:
    """A subscriber's (title, body): the state in their language (both when unknown) and the
    operator's words as written."""
    zh = (f"【{STATE_WORDS['zh-CN'][state]}】{title}", f"状态：{STATE_WORDS['zh-CN'][state]}。")
    en = (f"[{state.value}] {title}", f"Status: {STATE_WORDS['en'][state]}.")
    if language == "zh-CN":
        return zh[0], f"{zh[1]}{message}"
    if language == BOTH:
        return f"{zh[0]} / {en[0]}"[:200], f"{zh[1]} {en[1]}\n{message}"
    return en[0], f"{en[1]} {message}"


def _customer_languages(uow: UnitOfWork, tenant_id: str | None) -> dict[str, str]:
    """Subscribed customers' languages (their in-app messages speak it)."""
    s, c = tables.status_subscribers.c, tables.customers.c
    query = select(c.id, c.language).join(tables.status_subscribers, s.customer_id == c.id)
    if tenant_id is not None:
        query = query.where(s.tenant_id == tenant_id)
    return {row.id: row.language for row in uow.conn.execute(query)}


def subscribe(
    uow: UnitOfWork,
    *,
    tenant_id: str,
    component: str,
    channel: str,
    address: str | None,
    customer_id: str | None,
) -> str:
    try:
        Component(component)
    except ValueError:
        raise Invalid(f"no component {component!r}", code="unknown_component") from None
    if channel == "inbox":
        if customer_id is None:
            raise Invalid("in-app subscriptions are for customers", code="customer_only")
        address = customer_id
    elif channel == "webhook":
        if not address or not address.startswith(("http://", "https://")):
            raise Invalid("a webhook subscription needs an http(s) URL", code="bad_address")
    elif channel == "email":
        if not address or "@" not in address:
            raise Invalid("an email subscription needs an address", code="bad_address")
    else:
        raise Invalid("channel is inbox, email or webhook", code="bad_channel")
    sub_id = new_id("sub")
    created = insert_ignore(
        uow.conn,
        tables.status_subscribers,
        {
            "id": sub_id,
            "tenant_id": tenant_id,
            "component": component,
            "channel": channel,
            "address": address,
            "customer_id": customer_id,
            "created_at": uow.clock.now(),
        },
    )
    if not created:
        s = tables.status_subscribers.c
        sub_id = uow.conn.execute(
            select(s.id).where(
                s.tenant_id == tenant_id,
                s.component == component,
                s.channel == channel,
                s.address == address,
            )
        ).scalar_one()
    return sub_id

"""Incidents: open, update, resolve; subscribers told of every update; make good on resolve.

An incident belongs to a tenant (an operator opened it) or to the whole platform (a health
signal opened it). Every public update goes to the subscribers of the affected components, through
the notification queue (so a provider outage delays them, never loses them). Resolving runs the
make-good: every order the incident touched, in the tenants whose operator confirmed it
(``confirmation``), is compensated once under the tenant's policy
(cause ``incident:<id>``, so a second resolve or a crash-and-retry grants nothing more), and its
customer is told, with the incident as the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select, update

from tiffin.anomalies import records
from tiffin.anomalies.model import AnomalyType, Liability, Severity
from tiffin.care import ledger, notify
from tiffin.care.policy import CompensationPolicy, Context, decide_make_good
from tiffin.care.reasons import Reason, plain_words
from tiffin.domain.ids import new_id
from tiffin.errors import Conflict, Invalid, NotFound
from tiffin.incidents import confirmation
from tiffin.incidents.model import Component, Impact, State
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork
from tiffin.store.upsert import insert_ignore

i = tables.incidents.c


@dataclass(frozen=True)
class MadeGood:
    orders: int
    cents: int


def _components(raw: dict[str, str]) -> dict[str, str]:
    try:
        parsed = {Component(k).value: Impact(v).value for k, v in raw.items()}
    except ValueError:
        raise Invalid(
            "components map ordering, dispatch, notifications or payments to an impact: "
            "none, minor, major or critical",
            code="bad_components",
        ) from None
    if not parsed:
        raise Invalid("name at least one affected component", code="bad_components")
    return parsed


def open_incident(
    uow: UnitOfWork,
    *,
    tenant_id: str | None,
    title: str,
    components: dict[str, str],
    message: str,
    author: str,
    source: str = "operator",
    started_at: datetime | None = None,
) -> str:
    now = uow.clock.now()
    if started_at is not None and started_at > now:
        raise Invalid("an incident cannot start in the future", code="bad_started_at")
    incident_id = new_id("inc")
    parsed = _components(components)
    uow.conn.execute(
        insert(tables.incidents).values(
            id=incident_id,
            tenant_id=tenant_id,
            title=title,
            state=State.INVESTIGATING.value,
            components=parsed,
            source=source,
            started_at=started_at or now,
            opened_at=now,
            opened_by=author,
        )
    )
    _add_update(uow, incident_id, State.INVESTIGATING, parsed, message, author)
    if source == "operator" and tenant_id is not None:  # an operator's word confirms it
        confirmation.confirm(uow, incident_id, tenant_id=tenant_id, by=author)
    return incident_id


def get(uow: UnitOfWork, incident_id: str, *, tenant_id: str | None) -> dict[str, Any]:
    """An incident the caller may see: their tenant's, or the platform's."""
    row = uow.conn.execute(select(tables.incidents).where(i.id == incident_id)).mappings().first()
    if row is None or row["tenant_id"] not in (None, tenant_id):
        raise NotFound(f"no incident with id {incident_id!r}", resource="incident")
    return dict(row)


def post_update(
    uow: UnitOfWork,
    incident_id: str,
    *,
    tenant_id: str | None,
    state: State,
    message: str,
    author: str,
    components: dict[str, str] | None = None,
    internal: bool = False,
) -> MadeGood | None:
    """A new state and words for the status page (or an internal note). Resolving makes good."""
    row = get(uow, incident_id, tenant_id=tenant_id)
    if row["state"] == State.RESOLVED.value:
        raise Conflict("this incident is resolved; open a new one", code="incident_resolved")
    parsed = _components(components) if components else dict(row["components"])
    now = uow.clock.now()
    values: dict[str, Any] = {"state": state.value, "components": parsed}
    if state is State.RESOLVED:
        values["resolved_at"] = now
    uow.conn.execute(update(tables.incidents).where(i.id == incident_id).values(**values))
    _add_update(uow, incident_id, state, parsed, message, author, internal=internal)
    if state is State.RESOLVED:
        return make_good(uow, incident_id)
    return None


def _add_update(
    uow: UnitOfWork,
    incident_id: str,
    state: State,
    components: dict[str, str],
    message: str,
    author: str,
    *,
    internal: bool = False,
) -> None:
    result = uow.conn.execute(
        insert(tables.incident_updates)
        .values(
            incident_id=incident_id,
            at=uow.clock.now(),
            state=state.value,
            components=components,
            message=message,
            author=author,
            internal=internal,
        )
        .returning(tables.incident_updates.c.id)
    )
    update_id = int(result.scalar_one())
    if not internal:
        _tell_subscribers(uow, incident_id, update_id, state, components, message)


def _tell_subscribers(
    uow: UnitOfWork,
    incident_id: str,
    update_id: int,
    state: State,
    components: dict[str, str],
    message: str,
) -> None:
    incident = (
        uow.conn.execute(select(tables.incidents).where(i.id == incident_id)).mappings().one()
    )
    s = tables.status_subscribers.c
    query = select(tables.status_subscribers).where(s.component.in_(list(components)))
    if incident["tenant_id"] is not None:
        query = query.where(s.tenant_id == incident["tenant_id"])
    title = f"[{state.value}] {incident['title']}"
    now = uow.clock.now()
    told: set[tuple[str, str]] = set()
    for sub in uow.conn.execute(query).mappings():
        target = (sub["channel"], sub["address"])
        if target in told:
            continue  # subscribed to two affected components: told once per update
        told.add(target)
        key = f"incident:{incident_id}:update:{update_id}"
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
                    "body": message,
                    "created_at": now,
                },
            )
        insert_ignore(
            uow.conn,
            tables.notifications,
            {
                "id": new_id("ntf"),
                "tenant_id": sub["tenant_id"],
                "recipient": f"subscriber:{sub['id']}",
                "address": sub["address"],
                "customer_id": sub["customer_id"],
                "order_id": None,
                "anomaly_id": None,
                "incident_id": incident_id,
                "dedupe_key": key,
                "language": "en",
                "title": title,
                "body": message,
                "priority": 500,  # platform news goes before single-order trouble
                "channels": [sub["channel"]],
                "channel_index": 0,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            },
        )


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


# --- make-good ------------------------------------------------------------------------------


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
    policies: dict[str, CompensationPolicy] = {}  # per tenant, read (and budget locked) once
    for row in affected_orders(uow, incident):
        if row["tenant_id"] not in confirmed:
            continue  # nobody vouched for it there: a signal alone grants nothing
        if row["tenant_id"] not in policies:
            policies[row["tenant_id"]] = records.policy_for(uow, row["tenant_id"])
            ledger.lock_budget(uow, row["tenant_id"])
        policy = policies[row["tenant_id"]]
        segment = ledger.segment_of(uow, row["customer_id"], now)
        granted, count = ledger.customer_history(uow, row["customer_id"], now, policy.period_days)
        decision = decide_make_good(
            policy,
            Context(
                kind=AnomalyType.CANCELLED,  # unused by make-good
                liable=Liability.PLATFORM,
                minutes_late=0,
                segment=segment,
                order_total_cents=int(row["items_cents"]) + int(row["delivery_fee_cents"]),
                customer_granted_cents=granted,
                customer_grants=count,
                budget_used_cents=ledger.budget_used(uow, row["tenant_id"], now),
            ),
        )
        grant, created = ledger.grant(
            uow,
            tenant_id=row["tenant_id"],
            customer_id=row["customer_id"],
            order_id=row["id"],
            cause=cause,
            decision=decision,
            liable=Liability.PLATFORM,
            payer=f"platform:{row['tenant_id']}:incidents",
            policy_version=policy.version,
        )
        if not created or grant is None:
            continue
        orders += 1
        cents += grant.amount_cents
        customer = uow.customers.require(row["customer_id"])
        offer = notify.Given(grant.instrument, grant.amount_cents, 0, grant.points_multiplier)
        words = plain_words(Reason.PLATFORM_FAULT, customer.language)
        apology = (
            f"抱歉：{incident['title']}（{words}）影响了您的订单。"
            if customer.language == "zh-CN"
            else f"Sorry: {incident['title']} ({words}) affected your order."
        )
        notify.notify_customer(
            uow,
            tenant_id=row["tenant_id"],
            customer_id=customer.id,
            order_id=row["id"],
            dedupe_key=f"{cause}:{row['id']}",
            title="我们的补偿" if customer.language == "zh-CN" else "Making it good",
            body=apology + notify.compensation_sentence(offer, customer.language),
            language=customer.language,
            contact_channel=customer.contact_channel,
            phone=customer.phone,
            priority=notify.priority(Severity.MEDIUM, segment, 0),
            incident_id=incident_id,
        )
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


def open_in_force(uow: UnitOfWork, tenant_id: str, component: Component) -> bool:
    """Is a platform incident (major or worse) hurting ``component`` for this tenant now?"""
    rows = uow.conn.execute(
        select(i.components).where(
            i.state != State.RESOLVED.value,
            or_(i.tenant_id.is_(None), i.tenant_id == tenant_id),
        )
    ).scalars()
    return any(Impact(c.get(component.value, "none")).rank >= Impact.MAJOR.rank for c in rows)

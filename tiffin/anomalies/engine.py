"""The anomaly engine: a detection in, the tenant's playbook carried out, in one transaction.

``handle`` opens (or merges) the anomaly record and runs the playbook's steps in order inside the
caller's unit of work: re-dispatch, compensate, tell the customer, tell the merchant, escalate.
Because it is one transaction, the customer's message quotes the ETA computed *after* the
re-dispatch and the grant actually made, and a crash anywhere before commit leaves nothing
behind, so the retry after restart does everything exactly once.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text

from tiffin.anomalies import records
from tiffin.anomalies.detectors import NEEDS_RIDER
from tiffin.anomalies.dispatch_priorities import anomaly_priorities
from tiffin.anomalies.eta import EtaModel
from tiffin.anomalies.facts_db import facts_for
from tiffin.anomalies.model import AnomalyType, Detection
from tiffin.anomalies.playbook import ONE_SHOT, Playbook, Step
from tiffin.care import ledger, notify
from tiffin.care.policy import CompensationPolicy, Context, decide
from tiffin.dispatch.service import dispatch_tenant
from tiffin.domain.events import SYSTEM
from tiffin.domain.ids import new_id
from tiffin.domain.order import Action, Order, OrderStatus
from tiffin.optimiser.model import DispatchParams
from tiffin.ordering.service import withdraw_open_offers
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork
from tiffin.store.upsert import insert_ignore

S = OrderStatus


@dataclass
class Engine:
    """What the engine needs besides the database: the ETA model and dispatch settings."""

    eta: EtaModel = field(default_factory=EtaModel)
    dispatch_params: DispatchParams = field(default_factory=DispatchParams)


def handle(
    uow: UnitOfWork,
    engine: Engine,
    detection: Detection,
    *,
    playbook: Playbook | None = None,
    policy: CompensationPolicy | None = None,
) -> str | None:
    """Record ``detection`` and, if it is new, carry out the playbook; returns the new
    anomaly's id, or None when it merged into an earlier one."""
    order = uow.orders.require(detection.order_id, for_update=True)
    tenant_id = order.tenant_id
    playbook = playbook or records.playbook_for(uow, tenant_id)
    opened = records.open_or_merge(
        uow, tenant_id, detection, playbook_version=playbook.version, t=playbook.thresholds
    )
    if not opened.new:
        return None
    grant: ledger.Grant | None = None
    escalate = False
    for step in playbook.steps(detection.type):
        if step is Step.REDISPATCH:
            outcome, escalate_now = redispatch(uow, engine, order, detection)
            escalate = escalate or escalate_now
            records.log_action(uow, opened.id, step.value, outcome)
        elif step is Step.COMPENSATE:
            grant = compensate(uow, order, detection, opened.id, policy)
            records.log_action(
                uow,
                opened.id,
                step.value,
                f"granted {grant.tier or 'refund'}" if grant else "policy granted nothing",
                data={"grant_id": grant.id} if grant else {},
            )
        elif step is Step.NOTIFY_CUSTOMER:
            eta = eta_of(uow, engine, order)
            queued = tell_customer(
                uow, order, detection, f"anomaly:{opened.id}", eta, grant, anomaly_id=opened.id
            )
            records.log_action(
                uow,
                opened.id,
                step.value,
                "queued" if queued else "already told",
                data={"eta": eta.isoformat() if eta else None},
            )
        elif step is Step.NOTIFY_MERCHANT:
            tell_merchant(uow, order, detection, f"anomaly:{opened.id}", anomaly_id=opened.id)
            records.log_action(uow, opened.id, step.value, "notice sent")
        elif step is Step.ESCALATE:
            escalate = True
    if escalate:
        records.set_status(uow, opened.id, records.ESCALATED)
        records.log_action(uow, opened.id, Step.ESCALATE.value, "in the operator queue")
    elif detection.type in ONE_SHOT:
        records.set_status(uow, opened.id, records.HANDLED)
    return opened.id


def redispatch(uow: UnitOfWork, engine: Engine, order: Order, d: Detection) -> tuple[str, bool]:
    """Put the order back into the pool with a boost and plan it now. Returns (what happened,
    whether an operator must step in)."""
    now = uow.clock.now()
    if order.status is S.PICKED_UP:
        return "the rider has the food: an operator must reach them", True
    lost = d.facts.get("rider_id")
    if order.status is S.ASSIGNED and d.type is AnomalyType.RIDER_LOST and order.rider_id == lost:
        why = str(d.facts.get("why", "lost contact"))
        order.apply(Action.UNASSIGN, actor=SYSTEM, at=now, reason=f"rider lost: {why}")
        withdraw_open_offers(uow, order.id, reason="rider lost")
    if order.status not in NEEDS_RIDER:
        return f"nothing to re-dispatch: the order is {order.status.value}", False
    uow.flush()  # the dispatcher reads the order back from the database
    tenant = uow.tenants.require(order.tenant_id)
    if uow.db.is_postgres:
        key = zlib.crc32(tenant.id.encode())
        got = uow.conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key})
        if not got.scalar():
            return "back in the pool; the running dispatch cycle will plan it", False
    made = dispatch_tenant(uow, tenant, engine.dispatch_params, priorities=anomaly_priorities)
    offered = uow.offers.find(
        tables.offers.c.order_id == order.id, tables.offers.c.status == "pending"
    )
    if offered:
        return f"offered to rider {offered[0].rider_id} at once ({made} offers this cycle)", False
    return "back in the pool with priority; no free rider right now", False


def eta_of(uow: UnitOfWork, engine: Engine, order: Order) -> datetime | None:
    """When the order will now reach the door, from the facts as they stand after re-dispatch."""
    facts = facts_for(uow, [order], weather=False)[0]
    return engine.eta.predict(facts, uow.clock.now())


def compensate(
    uow: UnitOfWork,
    order: Order,
    d: Detection,
    anomaly_id: str,
    policy: CompensationPolicy | None,
) -> ledger.Grant | None:
    policy = policy or records.policy_for(uow, order.tenant_id)
    now = uow.clock.now()
    cause = f"anomaly:{anomaly_id}"
    existing = ledger.find_grant(uow, order.id, cause)
    if existing is not None:
        return existing
    ledger.lock_budget(uow, order.tenant_id)
    granted_cents, grants = ledger.customer_history(uow, order.customer_id, now, policy.period_days)
    minutes_late = float(d.facts.get("minutes_late", 0) or 0)
    decision = decide(
        policy,
        Context(
            kind=d.type,
            liable=d.liable,
            minutes_late=minutes_late,
            segment=ledger.segment_of(uow, order.customer_id, now),
            order_total_cents=order.total_cents,
            customer_granted_cents=granted_cents,
            customer_grants=grants,
            budget_used_cents=ledger.budget_used(uow, order.tenant_id, now),
        ),
    )
    if decision.budget_hit:
        _tell_operator(
            uow,
            order.tenant_id,
            kind="budget_hit",
            key=f"budget:{now.date().isoformat()}",
            words=f"The daily compensation budget ({policy.daily_budget_cents} cents) is "
            "reached: grants now degrade to cheaper tiers.",
        )
    made, _ = ledger.grant(
        uow,
        tenant_id=order.tenant_id,
        customer_id=order.customer_id,
        order_id=order.id,
        cause=cause,
        decision=decision,
        liable=d.liable,
        payer=ledger.payer_account(
            d.liable, tenant_id=order.tenant_id, merchant_id=order.merchant_id
        ),
        policy_version=policy.version,
        anomaly_id=anomaly_id,
    )
    return made


def tell_customer(
    uow: UnitOfWork,
    order: Order,
    d: Detection,
    dedupe_key: str,
    eta: datetime | None,
    grant: ledger.Grant | None,
    *,
    anomaly_id: str | None,
) -> str | None:
    customer = uow.customers.require(order.customer_id)
    offer = (
        notify.Given(
            grant.instrument, grant.amount_cents, grant.refund_cents, grant.points_multiplier
        )
        if grant
        else None
    )
    title, body = notify.render(d.type, d.reason, customer.language, eta=eta, offer=offer)
    minutes_late = float(d.facts.get("minutes_late", 0) or 0)
    segment = ledger.segment_of(uow, customer.id, uow.clock.now())
    return notify.notify_customer(
        uow,
        tenant_id=order.tenant_id,
        customer_id=customer.id,
        order_id=order.id,
        dedupe_key=dedupe_key,
        title=title,
        body=body,
        language=customer.language,
        contact_channel=customer.contact_channel,
        phone=customer.phone,
        priority=notify.priority(d.severity, segment, minutes_late),
        anomaly_id=anomaly_id,
    )


def tell_merchant(
    uow: UnitOfWork, order: Order, d: Detection, dedupe_key: str, *, anomaly_id: str | None
) -> None:
    template = notify.MERCHANT_TEMPLATES.get(d.type, "Order {order} needs attention: {reason}.")
    minutes = round((uow.clock.now() - order.placed_at).total_seconds() / 60)
    notify.notify_merchant(
        uow,
        tenant_id=order.tenant_id,
        merchant_id=order.merchant_id,
        order_id=order.id,
        dedupe_key=dedupe_key,
        text=template.format(order=order.id, minutes=minutes, reason=d.reason.value),
        priority=int(d.severity) * 100,
        anomaly_id=anomaly_id,
    )


def _tell_operator(uow: UnitOfWork, tenant_id: str, *, kind: str, key: str, words: str) -> None:
    """A notice for the tenant's operators, once per key (the budget: once a day)."""
    insert_ignore(
        uow.conn,
        tables.operator_notices,
        {
            "id": new_id("ntc"),
            "tenant_id": tenant_id,
            "kind": kind,
            "text": words,
            "dedupe_key": key,
            "created_at": uow.clock.now(),
        },
    )

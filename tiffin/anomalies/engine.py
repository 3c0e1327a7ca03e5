"""The anomaly engine: a detection in, the tenant's playbook carried out, in one transaction.

``handle`` opens (or merges) the anomaly record and runs the playbook's steps in order inside the
caller's unit of work: re-dispatch, compensate, tell the customer, tell the merchant, escalate.
Because it is one transaction, the customer's message quotes the ETA computed *after* the
re-dispatch and the grant actually made, and a crash anywhere before commit leaves nothing
behind, so the retry after restart does everything exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tiffin.anomalies import queries
from tiffin.anomalies.detectors import NEEDS_RIDER
from tiffin.anomalies.dispatch_priorities import anomaly_priorities
from tiffin.anomalies.eta import EtaModel
from tiffin.anomalies.fact_queries import facts_for
from tiffin.anomalies.playbook import Playbook, Step
from tiffin.anomalies.runner import Compensated, Redispatched, Told, run_playbook
from tiffin.care import ledger, notify
from tiffin.care import service as care
from tiffin.care.notify import Given
from tiffin.care.policy import CompensationPolicy
from tiffin.care.queries import policy_for
from tiffin.dispatch.service import dispatch_tenant, take_dispatch_lock
from tiffin.domain.anomalies import AnomalyType, Detection
from tiffin.domain.events import SYSTEM
from tiffin.domain.order import Action, Order, OrderStatus
from tiffin.optimiser.model import DispatchParams
from tiffin.ordering.service import withdraw_open_offers
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

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
    hold_case_id: str | None = None,
) -> str | None:
    """Record ``detection`` and, if it is new, carry out the playbook; returns the new
    anomaly's id, or None when it merged into an earlier one. ``hold_case_id``: a risk
    review holds the grant until that case is settled."""
    order = uow.orders.require(detection.order_id, for_update=True)
    tenant_id = order.tenant_id
    playbook = playbook or queries.playbook_for(uow, tenant_id)
    opened = queries.open_or_merge(
        uow, tenant_id, detection, playbook_version=playbook.version, t=playbook.thresholds
    )
    if not opened.new:
        return None
    ports = DatabasePorts(uow, engine, order, opened.id, policy, hold_case_id)
    run_playbook(playbook.steps(detection.type), detection, ports)
    return opened.id


@dataclass
class DatabasePorts:
    """The playbook's ports over the database, in the caller's unit of work."""

    uow: UnitOfWork
    engine: Engine
    order: Order
    anomaly_id: str
    policy: CompensationPolicy | None = None
    hold_case_id: str | None = None

    def redispatch(self, d: Detection) -> Redispatched:
        outcome, escalate = redispatch(self.uow, self.engine, self.order, d)
        return Redispatched(outcome, escalate)

    def compensate(self, d: Detection) -> Compensated | None:
        grant = compensate(
            self.uow, self.order, d, self.anomaly_id, self.policy, hold_case_id=self.hold_case_id
        )
        what = care.given(grant)
        if grant is None or what is None:
            return None
        return Compensated(what, tier=grant.tier, grant_id=grant.id)

    def tell_customer(self, d: Detection, given: Given | None) -> Told:
        eta = eta_of(self.uow, self.engine, self.order)
        key = f"anomaly:{self.anomaly_id}"
        queued = tell_customer(self.uow, self.order, d, key, eta, given, anomaly_id=self.anomaly_id)
        return Told(queued is not None, eta)

    def tell_merchant(self, d: Detection) -> None:
        key = f"anomaly:{self.anomaly_id}"
        tell_merchant(self.uow, self.order, d, key, anomaly_id=self.anomaly_id)

    def record(self, step: Step, outcome: str, data: dict[str, Any]) -> None:
        queries.log_action(self.uow, self.anomaly_id, step.value, outcome, data=data)

    def escalate(self) -> None:
        queries.set_status(self.uow, self.anomaly_id, queries.ESCALATED)

    def mark_handled(self) -> None:
        queries.set_status(self.uow, self.anomaly_id, queries.HANDLED)


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
    if not take_dispatch_lock(uow, tenant.id):
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
    facts = facts_for(uow, [order])[0]
    return engine.eta.predict(facts, uow.clock.now())


def compensate(
    uow: UnitOfWork,
    order: Order,
    d: Detection,
    anomaly_id: str,
    policy: CompensationPolicy | None,
    *,
    hold_case_id: str | None = None,
) -> ledger.Grant | None:
    """The anomaly's grant under the tenant's policy, made once (cause ``anomaly:<id>``)."""
    claim = care.Claim(
        tenant_id=order.tenant_id,
        customer_id=order.customer_id,
        order_id=order.id,
        order_total_cents=order.total_cents,
        cause=f"anomaly:{anomaly_id}",
        kind=d.type,
        liable=d.liable,
        payer=ledger.payer_account(
            d.liable, tenant_id=order.tenant_id, merchant_id=order.merchant_id
        ),
        minutes_late=float(d.facts.get("minutes_late", 0) or 0),
        anomaly_id=anomaly_id,
        hold_case_id=hold_case_id,
    )
    grant, _ = care.compensate(uow, claim, policy or policy_for(uow, order.tenant_id))
    return grant


def tell_customer(
    uow: UnitOfWork,
    order: Order,
    d: Detection,
    dedupe_key: str,
    eta: datetime | None,
    given: Given | None,
    *,
    anomaly_id: str | None,
) -> str | None:
    """The customer's message for this anomaly, with the new ETA and what was given."""
    return care.tell(
        uow,
        tenant_id=order.tenant_id,
        customer_id=order.customer_id,
        order_id=order.id,
        dedupe_key=dedupe_key,
        words=lambda language: notify.render(
            d.type,
            d.reason,
            language,
            eta=eta,
            offer=given,
            time_zone=uow.tenants.require(order.tenant_id).time_zone,
        ),
        severity=d.severity,
        minutes_late=float(d.facts.get("minutes_late", 0) or 0),
        anomaly_id=anomaly_id,
        kind=d.type,
        rules=care.coalesce_rules(policy_for(uow, order.tenant_id)),
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

"""Use cases around anomalies: the operator's exception queue, customers' reports and ratings,
and the care report that compares policies.

Operators see only their tenant; customers only their own orders (anything else is 404, as for
orders). Every change is logged as an action on the anomaly, so its detail page is its history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from tiffin.anomalies import queries
from tiffin.anomalies.detectors import ITEM_PROBLEMS, item_problem
from tiffin.anomalies.engine import (
    Engine,
    compensate,
    eta_of,
    handle,
    redispatch,
    tell_customer,
    tell_merchant,
)
from tiffin.anomalies.playbook import Step
from tiffin.care import holds
from tiffin.domain.anomalies import AnomalyType, Detection, Liability, Reason, Severity
from tiffin.domain.events import FeedbackGiven, ProblemReported
from tiffin.domain.order import OrderStatus
from tiffin.domain.principals import Principal, Role
from tiffin.errors import Conflict, Forbidden, Invalid, NotFound
from tiffin.ordering.service import visible_order
from tiffin.risk import features as risk_features
from tiffin.risk import service as risk
from tiffin.risk.model import Checkpoint, RiskBlocked, Verdict
from tiffin.risk.service import Assessment
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork
from tiffin.store.upsert import insert_ignore

a = tables.anomalies.c


def _row(uow: UnitOfWork, principal: Principal, anomaly_id: str, *, lock: bool = False) -> Any:
    query = select(tables.anomalies).where(a.id == anomaly_id)
    if lock:
        query = query.with_for_update()
    row = uow.conn.execute(query).mappings().first()
    if row is None or row["tenant_id"] != principal.tenant_id:
        raise NotFound(f"no anomaly with id {anomaly_id!r}", resource="anomaly")
    return row


def detection_of(row: Any) -> Detection:
    return Detection(
        row["order_id"],
        AnomalyType(row["type"]),
        Severity(row["severity"]),
        Liability(row["liable"]),
        Reason(row["reason"]),
        row["since_at"],
        row["detected_at"],
        dict(row["facts"] or {}),
    )


def queue(uow: UnitOfWork, operator: Principal, *, status: str | None) -> list[dict[str, Any]]:
    """Anomalies that still need someone, soonest SLA first (or all of one status)."""
    statuses = (status,) if status else queries.ACTIVE
    query = (
        select(tables.anomalies)
        .where(a.tenant_id == operator.tenant_id, a.status.in_(statuses))
        .order_by(a.sla_due_at, a.severity.desc())
        .limit(500)
    )
    return [dict(r) for r in uow.conn.execute(query).mappings()]


def detail(uow: UnitOfWork, operator: Principal, anomaly_id: str) -> dict[str, Any]:
    """Everything about one anomaly: facts, actions taken, messages sent, grants made."""
    row = dict(_row(uow, operator, anomaly_id))
    act = tables.anomaly_actions.c
    row["actions"] = [
        dict(r)
        for r in uow.conn.execute(
            select(act.at, act.actor, act.step, act.outcome, act.data)
            .where(act.anomaly_id == anomaly_id)
            .order_by(act.id)
        ).mappings()
    ]
    n = tables.notifications.c
    row["messages"] = [
        dict(r)
        for r in uow.conn.execute(
            select(
                n.id,
                n.recipient,
                n.title,
                n.body,
                n.status,
                n.delivered_via,
                n.attempts,
                n.created_at,
                n.delivered_at,
            )
            .where(n.anomaly_id == anomaly_id)
            .order_by(n.created_at)
        ).mappings()
    ]
    g = tables.grants.c
    row["grants"] = [
        dict(r)
        for r in uow.conn.execute(
            select(
                g.id,
                g.instrument,
                g.tier,
                g.amount_cents,
                g.refund_cents,
                g.liable,
                g.payer,
                g.policy_version,
                g.reason,
                g.status,
            ).where(g.anomaly_id == anomaly_id)
        ).mappings()
    ]
    f = tables.feedback.c
    rating = uow.conn.execute(select(f.rating, f.comment).where(f.anomaly_id == anomaly_id)).first()
    row["feedback"] = {"rating": rating.rating, "comment": rating.comment} if rating else None
    return row


def take(uow: UnitOfWork, operator: Principal, anomaly_id: str) -> None:
    row = _row(uow, operator, anomaly_id, lock=True)
    if row["status"] == queries.CLOSED:
        raise Conflict("this anomaly is closed", code="anomaly_closed")
    if row["taken_by"] not in (None, operator.user_id):
        raise Conflict("another operator has taken this anomaly", code="already_taken")
    uow.conn.execute(
        update(tables.anomalies).where(a.id == anomaly_id).values(taken_by=operator.user_id)
    )
    queries.log_action(uow, anomaly_id, "take", "taken", actor=str(operator.actor))


def note(uow: UnitOfWork, operator: Principal, anomaly_id: str, text: str) -> None:
    _row(uow, operator, anomaly_id)
    queries.log_action(uow, anomaly_id, "note", text, actor=str(operator.actor))


def trigger(
    uow: UnitOfWork, engine: Engine, operator: Principal, anomaly_id: str, step: Step
) -> str:
    """Run one playbook step by hand; returns what happened. A hand-sent message gets its own
    dedupe key (the operator meant to send another), a hand-made grant does not (still one per
    anomaly)."""
    row = _row(uow, operator, anomaly_id, lock=True)
    if row["status"] == queries.CLOSED:
        raise Conflict("this anomaly is closed; nothing more to do", code="anomaly_closed")
    d = detection_of(row)
    order = uow.orders.require(d.order_id, for_update=True)
    actor = str(operator.actor)
    count = uow.conn.execute(
        select(func.count()).where(tables.anomaly_actions.c.anomaly_id == anomaly_id)
    ).scalar_one()
    key = f"anomaly:{anomaly_id}:by:{operator.user_id}:{count}"
    if step is Step.REDISPATCH:
        outcome, _ = redispatch(uow, engine, order, d)
    elif step is Step.COMPENSATE:
        grant = compensate(uow, order, d, anomaly_id, None)
        outcome = f"grant {grant.id} ({grant.tier or 'refund'})" if grant else "policy: nothing"
    elif step is Step.NOTIFY_CUSTOMER:
        eta = eta_of(uow, engine, order)
        tell_customer(uow, order, d, key, eta, None, anomaly_id=anomaly_id)
        outcome = "customer told again"
    elif step is Step.NOTIFY_MERCHANT:
        tell_merchant(uow, order, d, key, anomaly_id=anomaly_id)
        outcome = "merchant told"
    else:
        queries.set_status(uow, anomaly_id, queries.ESCALATED)
        outcome = "escalated"
    queries.log_action(uow, anomaly_id, step.value, outcome, actor=actor)
    return outcome


def close(uow: UnitOfWork, operator: Principal, anomaly_id: str, resolution: str) -> None:
    row = _row(uow, operator, anomaly_id, lock=True)
    if row["status"] == queries.CLOSED:
        raise Conflict("this anomaly is already closed", code="anomaly_closed")
    queries.close(uow, anomaly_id, by=str(operator.actor), resolution=resolution)


def report_problem(
    uow: UnitOfWork,
    engine: Engine,
    customer: Principal,
    order_id: str,
    *,
    problem: str,
    photo_ref: str | None,
    note: str,
    device_id: str | None = None,
) -> Reported:
    """A customer reports missing, wrong or damaged items on a delivered order. The claim
    passes the risk checkpoint first: block refuses it (nothing opens; the caller commits the
    recorded decision and answers 403), review holds its payout and opens a case."""
    if customer.role is not Role.CUSTOMER:
        raise Forbidden("only the customer who ordered can report a problem", code="customer_only")
    if problem not in ITEM_PROBLEMS:
        raise Invalid(f"problem must be one of: {', '.join(ITEM_PROBLEMS)}", code="bad_problem")
    order = visible_order(uow, customer, order_id)
    if order.status is not OrderStatus.DELIVERED:
        raise Conflict("only a delivered order can have item problems", code="not_delivered")
    now = uow.clock.now()
    claimed = select(a.id).where(a.order_id == order.id, a.type == AnomalyType.ITEM_PROBLEM.value)
    if device_id is not None:
        risk_features.remember_device(uow, order.tenant_id, device_id, order.customer_id)
    verdict = None
    if uow.conn.execute(claimed).first() is None:  # a repeated report merges, unassessed
        subject = risk_features.Subject(
            order.tenant_id,
            order.customer_id,
            order.id,
            device_id,
            order_total_cents=order.total_cents,
            claim_cents=order.total_cents,
            counts_this_claim=True,
        )
        verdict = risk.assess(uow, Checkpoint.CLAIM, subject)
        if verdict.verdict is Verdict.BLOCK:
            return Reported(None, verdict)
    detection = item_problem(order.id, now, problem=problem, photo_ref=photo_ref, note=note)
    hold = verdict.case_id if verdict else None
    handle(uow, engine, detection, hold_case_id=hold)
    if verdict is not None and hold is not None and verdict.due_at is not None:
        holds.tell_checking(
            uow,
            tenant_id=order.tenant_id,
            customer_id=order.customer_id,
            order_id=order.id,
            case_id=hold,
            due=verdict.due_at,
        )
    found = str(uow.conn.execute(claimed).scalar_one())
    uow.emit(
        ProblemReported(
            aggregate_id=found,
            tenant_id=order.tenant_id,
            at=now,
            actor=customer.actor,
            order_id=order.id,
            text=f"{problem}: {note}" if note else problem,
        )
    )
    return Reported(found, verdict)


@dataclass(frozen=True)
class Reported:
    """A problem report's outcome: the anomaly opened (None when blocked), and the risk call."""

    anomaly_id: str | None
    risk: Assessment | None

    def raise_if_blocked(self) -> None:
        if self.risk is not None and self.risk.verdict is Verdict.BLOCK:
            raise RiskBlocked(
                "this claim cannot be accepted automatically; contact support "
                f"(reason {self.risk.reason_code})",
                reason_code=self.risk.reason_code,
            )


def give_feedback(
    uow: UnitOfWork, customer: Principal, anomaly_id: str, *, rating: int, comment: str
) -> None:
    """The customer rates how an anomaly on their order was handled (once)."""
    row = uow.conn.execute(select(tables.anomalies).where(a.id == anomaly_id)).mappings().first()
    order = uow.orders.get(row["order_id"]) if row else None
    if row is None or order is None or order.customer_id != customer.subject_id:
        raise NotFound(f"no anomaly with id {anomaly_id!r}", resource="anomaly")
    if not 1 <= rating <= 5:
        raise Invalid("rate from 1 to 5", code="bad_rating")
    f = tables.feedback.c
    if uow.conn.execute(select(f.anomaly_id).where(f.anomaly_id == anomaly_id)).first():
        raise Conflict("you already rated this", code="already_rated")
    rated = insert_ignore(
        uow.conn,
        tables.feedback,
        {
            "anomaly_id": anomaly_id,
            "customer_id": customer.subject_id,
            "rating": rating,
            "comment": comment,
            "created_at": uow.clock.now(),
        },
    )
    if not rated:  # a concurrent rating won the race: the answer the serial path gives
        raise Conflict("you already rated this", code="already_rated")
    uow.emit(
        FeedbackGiven(
            aggregate_id=anomaly_id,
            tenant_id=order.tenant_id,
            at=uow.clock.now(),
            actor=customer.actor,
            order_id=order.id,
            text=comment,
            rating=rating,
        )
    )


def anomalies_of_customer(uow: UnitOfWork, customer: Principal) -> list[dict[str, Any]]:
    """The customer's own anomalies (what they may rate)."""
    if customer.role is not Role.CUSTOMER:
        raise Forbidden("only customers have anomalies of their own", code="customer_only")
    o = tables.orders.c
    query = (
        select(a.id, a.order_id, a.type, a.reason, a.status, a.detected_at)
        .join(tables.orders, o.id == a.order_id)
        .where(o.customer_id == customer.subject_id)
        .order_by(a.detected_at.desc())
        .limit(100)
    )
    return [dict(r) for r in uow.conn.execute(query).mappings()]


def care_report(
    uow: UnitOfWork, operator: Principal, *, since: datetime | None = None
) -> list[dict[str, Any]]:
    """Per anomaly type and policy version: how many, how they were rated, what they cost.
    Two policies run on the same simulated day can be compared row by row."""
    g = tables.grants.c
    f = tables.feedback.c
    granted = (
        select(
            g.anomaly_id,
            g.policy_version,
            (g.amount_cents + g.refund_cents).label("cost"),
        )
        .where(g.status == "granted", g.anomaly_id.is_not(None))
        .subquery()
    )
    query = (
        select(
            a.type,
            granted.c.policy_version,
            func.count(a.id).label("anomalies"),
            func.count(f.rating).label("rated"),
            func.avg(f.rating).label("satisfaction"),
            func.coalesce(func.sum(granted.c.cost), 0).label("cost_cents"),
        )
        .select_from(tables.anomalies)
        .outerjoin(granted, granted.c.anomaly_id == a.id)
        .outerjoin(tables.feedback, f.anomaly_id == a.id)
        .where(a.tenant_id == operator.tenant_id)
        .group_by(a.type, granted.c.policy_version)
        .order_by(a.type)
    )
    if since is not None:
        query = query.where(a.detected_at >= since)
    rows = []
    for r in uow.conn.execute(query).mappings():
        count = int(r["anomalies"])
        rows.append(
            {
                "type": r["type"],
                "policy_version": r["policy_version"],  # None: nothing was granted
                "anomalies": count,
                "rated": int(r["rated"]),
                "satisfaction": round(float(r["satisfaction"]), 2) if r["satisfaction"] else None,
                "cost_cents": int(r["cost_cents"]),
                "cost_per_anomaly_cents": round(int(r["cost_cents"]) / count) if count else 0,
            }
        )
    return rows

"""Compliance use cases: the consumer-rights checks on one order, and liability disputes.

A merchant or rider charged for an anomaly may dispute it once; an operator decides. Upheld, the
anomaly's liability changes and every paid grant for it is re-charged to the new party in one
balanced ledger entry; rejected, nothing moves. Both outcomes are recorded with who and when.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from tiffin.care import ledger
from tiffin.compliance.model import (
    DisputeOutcome,
    Finding,
    Priced,
    promotion_findings,
    refund_due,
)
from tiffin.domain.anomalies import Liability
from tiffin.domain.ids import new_id
from tiffin.domain.principals import Principal, Role
from tiffin.errors import Conflict, Forbidden, NotFound
from tiffin.ordering.coupons import discount_for
from tiffin.risk.service import acted
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

an = tables.anomalies.c
dp = tables.liability_disputes.c
o = tables.orders.c


def check_order(uow: UnitOfWork, operator: Principal, order_id: str) -> dict[str, Any]:
    """Every consumer-rights check on one order: what was found (empty: compliant)."""
    order = uow.conn.execute(select(tables.orders).where(o.id == order_id)).mappings().first()
    if order is None or order["tenant_id"] != operator.tenant_id:
        raise NotFound(f"no order with id {order_id!r}", resource="order")
    found: list[Finding] = []
    t = tables.order_transitions.c
    ended_by = uow.conn.execute(
        select(t.actor_role)
        .where(t.order_id == order_id, t.to_status.in_(("cancelled", "failed")))
        .order_by(t.seq.desc())
        .limit(1)
    ).scalar_one_or_none()
    total = int(order["items_cents"]) + int(order["delivery_fee_cents"])
    charged = total - int(order["discount_cents"])
    g = tables.grants.c
    refunded = int(
        sum(
            uow.conn.execute(
                select(g.refund_cents).where(g.order_id == order_id, g.status == "granted")
            ).scalars()
        )
    )
    refund_owed = refund_due(order["status"], ended_by)
    if refund_owed and refunded < charged:
        found.append(Finding.REFUND_NOT_OFFERED)
    found += promotion_findings(_priced(uow, order, charged))
    return {
        "order_id": order_id,
        "status": order["status"],
        "ended_by": ended_by,
        "refund_owed": refund_owed,
        "refunded_cents": refunded,
        "charged_cents": charged,
        "findings": [f.value for f in found],
    }


def _priced(uow: UnitOfWork, order: Any, charged: int) -> Priced:
    ln = tables.order_lines.c
    lines = tuple(
        (int(r.unit_price_cents), int(r.quantity))
        for r in uow.conn.execute(
            select(ln.unit_price_cents, ln.quantity).where(ln.order_id == order["id"])
        )
    )
    c = tables.coupons.c
    coupon = uow.conn.execute(
        select(c.amount_cents, c.percent_off).where(c.order_id == order["id"])
    ).first()
    promised = (
        discount_for(coupon.amount_cents, coupon.percent_off, int(order["items_cents"]))
        if coupon
        else None
    )
    return Priced(
        lines,
        int(order["items_cents"]),
        int(order["delivery_fee_cents"]),
        int(order["discount_cents"]),
        charged,
        promised,
    )


def open_dispute(uow: UnitOfWork, party: Principal, anomaly_id: str, reason: str) -> str:
    """The merchant or rider the anomaly was charged to says the attribution is wrong."""
    if party.role not in (Role.MERCHANT, Role.RIDER) or party.subject_id is None:
        raise Forbidden("only merchants and riders dispute a liability", code="party_only")
    row = (
        uow.conn.execute(
            select(an.id, an.tenant_id, an.liable, o.merchant_id, o.rider_id)
            .join(tables.orders, o.id == an.order_id)
            .where(an.id == anomaly_id)
        )
        .mappings()
        .first()
    )
    mine = row is not None and (
        (party.role is Role.MERCHANT and row["merchant_id"] == party.subject_id)
        or (party.role is Role.RIDER and row["rider_id"] == party.subject_id)
    )
    if row is None or not mine or row["tenant_id"] != party.tenant_id:
        raise NotFound(f"no anomaly with id {anomaly_id!r}", resource="anomaly")
    if row["liable"] != party.role.value:
        raise Conflict("this anomaly is not charged to you", code="not_liable")
    exists = uow.conn.execute(select(dp.id).where(dp.anomaly_id == anomaly_id)).first()
    if exists is not None:
        raise Conflict("this attribution was already disputed", code="already_disputed")
    dispute_id = new_id("dsp")
    uow.conn.execute(
        insert(tables.liability_disputes).values(
            id=dispute_id,
            tenant_id=party.tenant_id,
            anomaly_id=anomaly_id,
            raised_by=f"{party.role.value}:{party.subject_id}",
            was_liable=row["liable"],
            reason=reason,
            status="open",
            created_at=uow.clock.now(),
        )
    )
    acted(
        uow,
        party,
        "compliance.dispute_opened",
        dispute_id,
        anomaly_id=anomaly_id,
        was_liable=row["liable"],
        reason=reason,
    )
    return dispute_id


def _dispute(uow: UnitOfWork, who: Principal, dispute_id: str, *, lock: bool = False) -> Any:
    query = select(tables.liability_disputes).where(dp.id == dispute_id)
    row = uow.conn.execute(query.with_for_update() if lock else query).mappings().first()
    visible = row is not None and row["tenant_id"] == who.tenant_id
    if row is not None and visible and who.role is not Role.OPERATOR:
        visible = row["raised_by"] == f"{who.role.value}:{who.subject_id}"
    if not visible:
        raise NotFound(f"no dispute with id {dispute_id!r}", resource="dispute")
    return row


def get_dispute(uow: UnitOfWork, who: Principal, dispute_id: str) -> dict[str, Any]:
    return dict(_dispute(uow, who, dispute_id))


def list_disputes(
    uow: UnitOfWork, who: Principal, *, status: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    """An operator sees the tenant's disputes; a merchant or rider their own."""
    query = select(tables.liability_disputes).where(dp.tenant_id == who.tenant_id)
    if who.role is not Role.OPERATOR:
        query = query.where(dp.raised_by == f"{who.role.value}:{who.subject_id}")
    if status is not None:
        query = query.where(dp.status == status)
    query = query.order_by(dp.created_at, dp.id).limit(limit).offset(offset)
    return [dict(r) for r in uow.conn.execute(query).mappings()]


def decide(
    uow: UnitOfWork,
    operator: Principal,
    dispute_id: str,
    outcome: DisputeOutcome,
    *,
    liable: Liability | None,
    note: str,
) -> dict[str, Any]:
    """Record the operator's decision once; upheld re-charges the anomaly's paid grants."""
    row = _dispute(uow, operator, dispute_id, lock=True)
    if row["status"] != "open":
        raise Conflict("this dispute was already decided", code="already_decided")
    moved = 0
    now_liable = row["was_liable"]
    if outcome is DisputeOutcome.UPHELD:
        if liable is None or liable.value == row["was_liable"]:
            raise Conflict("say who is liable instead", code="liable_required")
        now_liable = liable.value
        moved = _recharge(uow, row["anomaly_id"], liable)
    done = uow.conn.execute(
        update(tables.liability_disputes)
        .where(dp.id == dispute_id, dp.status == "open")
        .values(
            status=outcome.value,
            now_liable=now_liable,
            recharged_cents=moved,
            decided_by=str(operator.actor),
            decision_note=note,
            decided_at=uow.clock.now(),
        )
    )
    if done.rowcount != 1:
        raise Conflict("this dispute was already decided", code="already_decided")
    acted(
        uow,
        operator,
        "compliance.dispute_decided",
        dispute_id,
        outcome=outcome.value,
        now_liable=now_liable,
        recharged_cents=moved,
        note=note,
    )
    return dict(_dispute(uow, operator, dispute_id))


def _recharge(uow: UnitOfWork, anomaly_id: str, liable: Liability) -> int:
    anomaly = uow.conn.execute(
        select(an.tenant_id, o.merchant_id)
        .join(tables.orders, o.id == an.order_id)
        .where(an.id == anomaly_id)
    ).one()
    payer = ledger.payer_account(
        liable, tenant_id=anomaly.tenant_id, merchant_id=anomaly.merchant_id
    )
    uow.conn.execute(
        update(tables.anomalies).where(an.id == anomaly_id).values(liable=liable.value)
    )
    g = tables.grants.c
    grants = uow.conn.execute(select(g.id).where(g.anomaly_id == anomaly_id)).scalars().all()
    return sum(ledger.recharge(uow, grant_id, liable=liable, payer=payer) for grant_id in grants)

"""The compensation ledger: grants, their double-entry postings, coupons, and reversals.

Every grant posts entries that sum to zero: the customer's account is credited and the liable
party's account is charged (a merchant-caused delay is charged to that merchant; force majeure to
the platform's care fund). A reversal posts the exact opposite. So the ledger always balances, and
any account's balance is the sum of its postings.

Grants are idempotent on ``(order, cause)``: handling the same anomaly twice, or retrying after a
crash, finds the first grant and makes no second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update

from tiffin.care.policy import Decision, Instrument, Segment
from tiffin.domain.anomalies import Liability
from tiffin.domain.events import DecisionRecorded, OperatorActed
from tiffin.domain.ids import new_id
from tiffin.domain.principals import Principal
from tiffin.errors import Conflict, Invalid, NotFound
from tiffin.store import tables
from tiffin.store.locks import lock
from tiffin.store.uow import UnitOfWork

HELD = "held"  # waiting for a risk review: nothing paid yet
REFUSED = "refused"  # a review found abuse: never paid


@dataclass(frozen=True)
class Grant:
    id: str
    customer_id: str
    order_id: str
    cause: str
    instrument: str | None
    tier: str | None
    amount_cents: int
    refund_cents: int
    points_multiplier: int
    liable: str
    payer: str
    policy_version: int
    reason: str
    status: str
    created_at: datetime
    anomaly_id: str | None = None
    reversed_at: datetime | None = None
    reversal_reason: str | None = None


def payer_account(liable: Liability, *, tenant_id: str, merchant_id: str) -> str:
    if liable is Liability.MERCHANT:
        return f"merchant:{merchant_id}"
    if liable is Liability.FORCE_MAJEURE:
        return f"platform:{tenant_id}:force_majeure"
    if liable is Liability.RIDER:  # riders are not charged automatically; tracked separately
        return f"platform:{tenant_id}:rider_incidents"
    return f"platform:{tenant_id}:care"


def _customer_account(customer_id: str, instrument: str) -> str:
    return f"customer:{customer_id}:{instrument}"


def lock_budget(uow: UnitOfWork, tenant_id: str) -> None:
    """Serialise budget checks per tenant (SQLite has one writer already; PostgreSQL needs it),
    so two grants at once cannot both fit under the last of the budget."""
    lock(uow, f"care-budget:{tenant_id}")


def budget_used(uow: UnitOfWork, tenant_id: str, now: datetime) -> int:
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    g = tables.grants.c
    query = select(func.coalesce(func.sum(g.amount_cents), 0)).where(
        g.tenant_id == tenant_id, g.created_at >= day, g.status == "granted"
    )
    return int(uow.conn.execute(query).scalar_one())


def customer_history(
    uow: UnitOfWork, customer_id: str, now: datetime, period_days: int
) -> tuple[int, int]:
    """(goodwill cents, grants) the customer received in the period: the anti-farming caps."""
    g = tables.grants.c
    query = select(func.coalesce(func.sum(g.amount_cents), 0), func.count()).where(
        g.customer_id == customer_id,
        g.created_at >= now - timedelta(days=period_days),
        g.status == "granted",
        g.instrument.is_not(None),
    )
    cents, count = uow.conn.execute(query).one()
    return int(cents), int(count)


def segment_of(uow: UnitOfWork, customer_id: str, now: datetime) -> Segment:
    """New (fewer than 2 orders ever), high value (≥ 300.00 in 30 days), frequent (≥ 8 orders
    in 30 days), else regular."""
    o = tables.orders.c
    ever = uow.conn.execute(select(func.count()).where(o.customer_id == customer_id)).scalar_one()
    if ever < 2:
        return Segment.NEW
    recent = select(func.count(), func.coalesce(func.sum(o.items_cents + o.delivery_fee_cents), 0))
    count, spent = uow.conn.execute(
        recent.where(
            o.customer_id == customer_id,
            o.placed_at >= now - timedelta(days=30),
            o.status == "delivered",
        )
    ).one()
    if spent >= 30_000:
        return Segment.HIGH_VALUE
    if count >= 8:
        return Segment.FREQUENT
    return Segment.REGULAR


def find_grant(uow: UnitOfWork, order_id: str, cause: str) -> Grant | None:
    g = tables.grants.c
    row = (
        uow.conn.execute(select(tables.grants).where(g.order_id == order_id, g.cause == cause))
        .mappings()
        .first()
    )
    return _grant(row) if row else None


def grant(
    uow: UnitOfWork,
    *,
    tenant_id: str,
    customer_id: str,
    order_id: str,
    cause: str,
    decision: Decision,
    liable: Liability,
    payer: str,
    policy_version: int,
    anomaly_id: str | None = None,
    held: bool = False,
) -> tuple[Grant | None, bool]:
    """Record the decision as a grant; returns (grant, created). Nothing to grant → (None, False).
    A second call for the same order and cause returns the first grant, created=False. A held
    grant (risk review) posts nothing and its coupon stays void until ``release``."""
    existing = find_grant(uow, order_id, cause)
    if existing is not None:
        return existing, False
    if not decision.grants_anything:
        return None, False
    now = uow.clock.now()
    tier = decision.tier
    grant_id = new_id("grt")
    row: dict[str, object] = {
        "id": grant_id,
        "tenant_id": tenant_id,
        "customer_id": customer_id,
        "order_id": order_id,
        "cause": cause,
        "anomaly_id": anomaly_id,
        "instrument": tier.instrument.value if tier else None,
        "tier": tier.name if tier else None,
        "amount_cents": decision.cost_cents,
        "refund_cents": decision.refund_cents,
        "points_multiplier": tier.points_multiplier if tier else 0,
        "liable": liable.value,
        "payer": payer,
        "policy_version": policy_version,
        "reason": decision.why,
        "status": HELD if held else "granted",
        "created_at": now,
    }
    uow.conn.execute(insert(tables.grants).values(row))
    if not held:
        _post(uow, tenant_id, grant_id, "grant", _postings(row), now)
    uow.emit(
        DecisionRecorded(
            aggregate_id=grant_id,
            tenant_id=tenant_id,
            at=now,
            reason=decision.why,
            kind="compensation",
            facts={
                k: row[k]
                for k in (
                    "order_id",
                    "customer_id",
                    "cause",
                    "instrument",
                    "tier",
                    "amount_cents",
                    "refund_cents",
                    "liable",
                    "payer",
                    "policy_version",
                    "status",
                )
            },
        )
    )
    if tier is not None and tier.instrument is Instrument.COUPON:
        uow.conn.execute(
            insert(tables.coupons).values(
                id=new_id("cpn"),
                tenant_id=tenant_id,
                customer_id=customer_id,
                grant_id=grant_id,
                amount_cents=decision.cost_cents,
                percent_off=tier.percent_off,
                min_spend_cents=tier.min_spend_cents,
                expires_at=now + timedelta(days=tier.expires_days),
                used_at=None,
                void=held,
            )
        )
    return _grant(row), True


def _postings(row: dict[str, Any]) -> list[tuple[str, int]]:
    """The balanced entries a grant pays: the customer's accounts credited, the payer charged."""
    customer_id = str(row["customer_id"])
    postings = []
    if row["amount_cents"]:
        postings.append((_customer_account(customer_id, row["instrument"]), row["amount_cents"]))
    if row["refund_cents"]:
        postings.append(
            (_customer_account(customer_id, Instrument.REFUND.value), row["refund_cents"])
        )
    total = sum(amount for _, amount in postings)
    if total:
        postings.append((str(row["payer"]), -total))
    return postings


def settle_held(uow: UnitOfWork, grant_id: str, *, release: bool, reason: str) -> Grant | None:
    """Pay a held grant (release) or refuse it, once: the second call finds it settled and
    returns None, so a retried release never pays twice."""
    g = tables.grants.c
    now = uow.clock.now()
    values: dict[str, object] = {"status": "granted" if release else REFUSED}
    if not release:
        values["reversal_reason"] = reason
    done = uow.conn.execute(
        update(tables.grants).where(g.id == grant_id, g.status == HELD).values(**values)
    )
    if done.rowcount != 1:
        return None
    row = dict(uow.conn.execute(select(tables.grants).where(g.id == grant_id)).mappings().one())
    if release:
        _post(uow, row["tenant_id"], grant_id, "grant", _postings(row), now)
        coupon = tables.coupons.c
        uow.conn.execute(
            update(tables.coupons).where(coupon.grant_id == grant_id).values(void=False)
        )
    return _grant(row)


def recharge(uow: UnitOfWork, grant_id: str, *, liable: Liability, payer: str) -> int:
    """Move a paid grant's charge to another party (a dispute was upheld): the old payer is
    credited and the new one charged the same, in one balanced entry; returns the cents moved
    (0 when the payer is already right or nothing was paid)."""
    g = tables.grants.c
    row = uow.conn.execute(select(tables.grants).where(g.id == grant_id)).mappings().one()
    moved = int(row["amount_cents"]) + int(row["refund_cents"])
    if row["status"] != "granted" or row["payer"] == payer or not moved:
        return 0
    postings = [(str(row["payer"]), moved), (payer, -moved)]
    _post(uow, row["tenant_id"], grant_id, "recharge", postings, uow.clock.now())
    uow.conn.execute(
        update(tables.grants).where(g.id == grant_id).values(liable=liable.value, payer=payer)
    )
    return moved


def reverse(uow: UnitOfWork, operator: Principal, grant_id: str, *, reason: str) -> Grant:
    """Undo a grant with a reason: opposite postings, coupon voided. Twice is refused."""
    if not reason.strip():
        raise Invalid("say why the grant is reversed", code="reason_required")
    g = tables.grants.c
    row = (
        uow.conn.execute(select(tables.grants).where(g.id == grant_id).with_for_update())
        .mappings()
        .first()
    )
    if row is None or row["tenant_id"] != operator.tenant_id:
        raise NotFound(f"no grant with id {grant_id!r}", resource="grant")
    if row["status"] == "reversed":
        raise Conflict("this grant was already reversed", code="already_reversed")
    if row["status"] in (HELD, REFUSED):
        raise Conflict("this grant was never paid: settle its risk case", code="not_paid")
    now = uow.clock.now()
    coupon = tables.coupons.c
    used = uow.conn.execute(
        select(coupon.used_at).where(coupon.grant_id == grant_id)
    ).scalar_one_or_none()
    if used is not None:
        raise Conflict("the coupon was already spent; it cannot be reversed", code="coupon_used")
    p = tables.ledger_postings.c
    original = uow.conn.execute(
        select(p.account, p.amount_cents).where(
            p.grant_id == grant_id, p.entry.in_(("grant", "recharge"))
        )
    ).all()
    _post(uow, row["tenant_id"], grant_id, "reversal", [(a, -int(v)) for a, v in original], now)
    uow.conn.execute(update(tables.coupons).where(coupon.grant_id == grant_id).values(void=True))
    values = {
        "status": "reversed",
        "reversed_at": now,
        "reversed_by": operator.user_id,
        "reversal_reason": reason,
    }
    uow.conn.execute(update(tables.grants).where(g.id == grant_id).values(**values))
    uow.emit(
        OperatorActed(
            aggregate_id=grant_id,
            tenant_id=row["tenant_id"],
            at=now,
            actor=operator.actor,
            kind="care.grant_reversed",
            facts={"reason": reason},
        )
    )
    return _grant({**row, **values})


def balance(uow: UnitOfWork, account: str) -> int:
    p = tables.ledger_postings.c
    query = select(func.coalesce(func.sum(p.amount_cents), 0)).where(p.account == account)
    return int(uow.conn.execute(query).scalar_one())


@dataclass(frozen=True)
class Wallet:
    credit_cents: int
    refunded_cents: int
    coupons: list[dict[str, Any]]
    grants: list[Grant]


def wallet(uow: UnitOfWork, customer_id: str) -> Wallet:
    """What the customer holds: credit, refunds owed back, live coupons, recent grants."""
    now = uow.clock.now()
    c = tables.coupons.c
    coupons = [
        dict(r)
        for r in uow.conn.execute(
            select(c.id, c.amount_cents, c.percent_off, c.min_spend_cents, c.expires_at).where(
                c.customer_id == customer_id,
                c.used_at.is_(None),
                c.void.is_(False),
                c.expires_at > now,
            )
        ).mappings()
    ]
    g = tables.grants.c
    grants = [
        _grant(r)
        for r in uow.conn.execute(
            select(tables.grants)
            .where(g.customer_id == customer_id)
            .order_by(g.created_at.desc())
            .limit(50)
        ).mappings()
    ]
    return Wallet(
        credit_cents=balance(uow, _customer_account(customer_id, Instrument.CREDIT.value)),
        refunded_cents=balance(uow, _customer_account(customer_id, Instrument.REFUND.value)),
        coupons=coupons,
        grants=grants,
    )


def _post(
    uow: UnitOfWork,
    tenant_id: str,
    grant_id: str,
    entry: str,
    postings: list[tuple[str, int]],
    at: datetime,
) -> None:
    if sum(amount for _, amount in postings) != 0:
        raise AssertionError(f"unbalanced {entry} for grant {grant_id}: {postings}")
    if postings:
        uow.conn.execute(
            insert(tables.ledger_postings),
            [
                {
                    "tenant_id": tenant_id,
                    "grant_id": grant_id,
                    "entry": entry,
                    "account": account,
                    "amount_cents": amount,
                    "at": at,
                }
                for account, amount in postings
            ],
        )


def _grant(row: object) -> Grant:
    r = dict(row)  # type: ignore[call-overload]
    fields = Grant.__dataclass_fields__
    return Grant(**{k: v for k, v in r.items() if k in fields})

"""Trust scores from the database: count each person's events in the policy's period, score
them (``trust.policy``), and lower friction for the trusted (their complaint's grant stands
without an operator's review) while pointing operators at the watched."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select

from tiffin.anomalies import queries as anomaly_queries
from tiffin.care.queries import latest_document, store_version
from tiffin.care.service import tell_operators
from tiffin.domain.events import DomainEvent, ProblemReported
from tiffin.domain.principals import Principal
from tiffin.errors import NotFound
from tiffin.store import tables
from tiffin.store.outbox import Envelope
from tiffin.store.uow import UnitOfWork
from tiffin.trust.policy import (
    DEFAULT_TRUST_POLICY,
    ROLES,
    Score,
    TrustPolicy,
    load_trust_policy,
    score,
)

o, g, a = tables.orders.c, tables.grants.c, tables.anomalies.c


def policy_for(uow: UnitOfWork, tenant_id: str) -> TrustPolicy:
    """The tenant's trust policy in force (the default until they save one)."""
    document = latest_document(uow, tenant_id, "trust")
    return load_trust_policy(document) if document else DEFAULT_TRUST_POLICY


def save_policy(uow: UnitOfWork, operator: Principal, document: dict[str, object]) -> TrustPolicy:
    """Validate and store the operator's tenant's next trust policy version."""
    parsed = load_trust_policy(document)
    store_version(
        uow,
        operator.tenant_id,
        "trust",
        version=parsed.version,
        current=policy_for(uow, operator.tenant_id).version,
        document=parsed.model_dump(mode="json"),
        author=operator.user_id,
    )
    return parsed


def _count(uow: UnitOfWork, query: object) -> int:
    return int(uow.conn.execute(query).scalar_one())  # type: ignore[call-overload]


def counts_for(uow: UnitOfWork, role: str, subject_id: str, policy: TrustPolicy) -> dict[str, int]:
    """How many of each scored event the person had in the policy's period."""
    since = uow.clock.now() - timedelta(days=policy.period_days)
    n = func.count()
    if role == "customer":
        mine = o.customer_id == subject_id
        gm = (g.customer_id == subject_id, g.created_at >= since)
        return {
            "orders_delivered": _count(
                uow, select(n).where(mine, o.status == "delivered", o.placed_at >= since)
            ),
            "grants_received": _count(uow, select(n).where(*gm, g.status != "reversed")),
            "grants_reversed": _count(uow, select(n).where(*gm, g.status == "reversed")),
        }
    column = o.rider_id if role == "rider" else o.merchant_id
    done = (column == subject_id, o.status == "delivered", o.placed_at >= since)
    on_time = _count(uow, select(n).where(*done, o.finished_at <= o.promised_at))
    late = _count(uow, select(n).where(*done, o.finished_at > o.promised_at))
    liable = _count(
        uow,
        select(n)
        .select_from(tables.anomalies)
        .join(tables.orders, o.id == a.order_id)
        .where(column == subject_id, a.liable == role, a.detected_at >= since),
    )
    prefix = "deliveries" if role == "rider" else "orders"
    return {f"{prefix}_on_time": on_time, f"{prefix}_late": late, "anomalies_liable": liable}


def _tenant_of(uow: UnitOfWork, role: str, subject_id: str) -> str | None:
    table = {"customer": tables.customers, "rider": tables.riders, "merchant": tables.merchants}
    found = uow.conn.execute(
        select(table[role].c.tenant_id).where(table[role].c.id == subject_id)
    ).scalar_one_or_none()
    return str(found) if found else None


def score_of(uow: UnitOfWork, tenant_id: str, role: str, subject_id: str) -> Score:
    """A person's score and its reasons, if they belong to ``tenant_id``."""
    if role not in ROLES or _tenant_of(uow, role, subject_id) != tenant_id:
        raise NotFound(f"no {role} with id {subject_id!r}", resource=role)
    policy = policy_for(uow, tenant_id)
    return score(role, counts_for(uow, role, subject_id, policy), policy)


class TrustedReview:
    """A trusted customer's complaint needs no operator's review: its grant stands and the
    anomaly closes; a watched customer's complaint is flagged to operators."""

    name = "trust.review"
    wants: tuple[type[DomainEvent], ...] = (ProblemReported,)
    batch: int | None = None

    def handle_batch(self, uow: UnitOfWork, envelopes: Sequence[Envelope]) -> None:
        for envelope in envelopes:
            event = envelope.event
            if isinstance(event, ProblemReported):
                review(uow, event)


def review(uow: UnitOfWork, event: ProblemReported) -> Score | None:
    """Apply the friction the customer's score calls for to the anomaly they reported."""
    order = uow.orders.get(event.order_id)
    status = uow.conn.execute(
        select(a.status).where(a.id == event.aggregate_id)
    ).scalar_one_or_none()
    if order is None or status not in anomaly_queries.ACTIVE:
        return None
    result = score_of(uow, order.tenant_id, "customer", order.customer_id)
    if result.trusted:
        anomaly_queries.close(
            uow,
            event.aggregate_id,
            by="trust",
            resolution=f"approved without review: trust score {result.value}",
        )
    elif result.watched:
        tell_operators(
            uow,
            order.tenant_id,
            kind="low_trust",
            key=f"low_trust:{event.aggregate_id}",
            words=f"Customer {order.customer_id} (trust score {result.value}) reported a "
            f"problem on order {order.id}: review before anything more is granted.",
        )
    return result

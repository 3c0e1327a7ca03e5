"""Compensate, then tell the customer: the one path anomalies and incident make-goods share.

``compensate`` grants once per (order, cause) under the tenant's policy, inside the caller's
unit of work: a second call for the same cause (a merged detection, a second resolve, a retry
after a crash) finds the first grant and makes no other. ``tell`` writes the customer's message
in their language and queues it with a priority from the trouble's severity and the customer's
value. ``compensate_and_tell`` does both for one order; the anomaly playbook calls the two halves
as separate steps, because it may re-dispatch in between and quote the new ETA.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from tiffin.care import ledger, notify
from tiffin.care.coalesce import CoalesceRules
from tiffin.care.policy import CompensationPolicy, Context, Decision, decide, decide_make_good
from tiffin.domain.anomalies import AnomalyType, Liability, Severity
from tiffin.domain.ids import new_id
from tiffin.risk import cases as risk_cases
from tiffin.risk import service as risk
from tiffin.risk.features import Subject
from tiffin.risk.model import Checkpoint, Verdict
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork
from tiffin.store.upsert import insert_ignore

Decide = Callable[[CompensationPolicy, Context], Decision]
Words = Callable[[str], tuple[str, str]]  # the customer's language -> (title, body)


@dataclass(frozen=True)
class Claim:
    """One order's claim to goodwill: whose order, the cause grants are idempotent on, and who
    pays for it."""

    tenant_id: str
    customer_id: str
    order_id: str
    order_total_cents: int
    cause: str
    kind: AnomalyType
    liable: Liability
    payer: str
    minutes_late: float = 0.0
    anomaly_id: str | None = None
    hold_case_id: str | None = None  # a risk review holds the payout until the case is settled


def given(grant: ledger.Grant | None) -> notify.Given | None:
    """What a message says was given, from the grant made (nothing without one, nor while a
    risk review holds it)."""
    if grant is None or grant.status != "granted":
        return None
    return notify.Given(
        grant.instrument, grant.amount_cents, grant.refund_cents, grant.points_multiplier
    )


def compensate(
    uow: UnitOfWork,
    claim: Claim,
    policy: CompensationPolicy,
    *,
    decide_with: Decide = decide,
    warn_operators: bool = True,
) -> tuple[ledger.Grant | None, bool]:
    """Grant what the policy decides for ``claim``, once; returns (grant, created). The first
    grant for the same order and cause comes back with created=False."""
    existing = ledger.find_grant(uow, claim.order_id, claim.cause)
    if existing is not None:
        return existing, False
    now = uow.clock.now()
    ledger.lock_budget(uow, claim.tenant_id)
    granted_cents, grants = ledger.customer_history(uow, claim.customer_id, now, policy.period_days)
    decision = decide_with(
        policy,
        Context(
            kind=claim.kind,
            liable=claim.liable,
            minutes_late=claim.minutes_late,
            segment=ledger.segment_of(uow, claim.customer_id, now),
            order_total_cents=claim.order_total_cents,
            customer_granted_cents=granted_cents,
            customer_grants=grants,
            budget_used_cents=ledger.budget_used(uow, claim.tenant_id, now),
        ),
    )
    if decision.budget_hit and warn_operators:
        tell_operators(
            uow,
            claim.tenant_id,
            kind="budget_hit",
            key=f"budget:{now.date().isoformat()}",
            words=f"The daily compensation budget ({policy.daily_budget_cents} cents) is "
            "reached: grants now degrade to cheaper tiers.",
        )
    verdict, case_id = Verdict.REVIEW, claim.hold_case_id
    if case_id is None:
        verdict, case_id = _grant_checkpoint(uow, claim, decision)
    made, created = ledger.grant(
        uow,
        tenant_id=claim.tenant_id,
        customer_id=claim.customer_id,
        order_id=claim.order_id,
        cause=claim.cause,
        decision=decision,
        liable=claim.liable,
        payer=claim.payer,
        policy_version=policy.version,
        anomaly_id=claim.anomaly_id,
        held=verdict is not Verdict.APPROVE,
    )
    if created and made is not None and case_id is not None:
        risk_cases.attach_grant(uow, case_id, made.id)
    if created and made is not None and verdict is Verdict.BLOCK:
        made = ledger.settle_held(uow, made.id, release=False, reason="risk: blocked") or made
    return made, created


def _grant_checkpoint(
    uow: UnitOfWork, claim: Claim, decision: Decision
) -> tuple[Verdict, str | None]:
    """A grant from the tenant's threshold passes the risk grant checkpoint: review holds it
    and opens a case; block refuses it (an automatic grant has nobody to answer a 4xx to).
    Returns (verdict, case id)."""
    total = decision.cost_cents + decision.refund_cents
    threshold = risk.thresholds_for(uow, claim.tenant_id).grant_threshold_cents
    if not decision.grants_anything or total < threshold:
        return Verdict.APPROVE, None
    subject = Subject(
        claim.tenant_id,
        claim.customer_id,
        claim.order_id,
        order_total_cents=claim.order_total_cents,
        claim_cents=total,
    )
    verdict = risk.assess(uow, Checkpoint.GRANT, subject)
    return verdict.verdict, verdict.case_id


def tell(
    uow: UnitOfWork,
    *,
    tenant_id: str,
    customer_id: str,
    order_id: str,
    dedupe_key: str,
    words: Words,
    severity: Severity,
    minutes_late: float,
    anomaly_id: str | None = None,
    incident_id: str | None = None,
    kind: AnomalyType | None = None,
    rules: CoalesceRules | None = None,
) -> str | None:
    """Tell the customer in their language, once per ``dedupe_key``; returns the notification
    id, or None when they were already told. With ``kind`` and ``rules`` the push coalesces
    with the order's earlier ones (``care.coalesce``)."""
    customer = uow.customers.require(customer_id)
    title, body = words(customer.language)
    segment = ledger.segment_of(uow, customer.id, uow.clock.now())
    return notify.notify_customer(
        uow,
        tenant_id=tenant_id,
        customer_id=customer.id,
        order_id=order_id,
        dedupe_key=dedupe_key,
        title=title,
        body=body,
        language=customer.language,
        contact_channel=customer.contact_channel,
        phone=customer.phone,
        priority=notify.priority(severity, segment, minutes_late),
        anomaly_id=anomaly_id,
        incident_id=incident_id,
        kind=kind,
        rules=rules,
    )


def coalesce_rules(policy: CompensationPolicy) -> CoalesceRules:
    """The tenant's message limits, from its care policy."""
    return CoalesceRules(
        window=timedelta(minutes=policy.coalesce_minutes), max_pushes=policy.max_pushes_per_order
    )


def compensate_and_tell(
    uow: UnitOfWork,
    claim: Claim,
    policy: CompensationPolicy,
    *,
    words: Callable[[str, notify.Given | None], tuple[str, str]],
    dedupe_key: str,
    severity: Severity,
    decide_with: Decide = decide,
    warn_operators: bool = True,
    incident_id: str | None = None,
) -> ledger.Grant | None:
    """Grant once for ``claim`` and, when the grant is new, tell the customer what was given;
    returns the new grant (None when nothing new was granted, and nobody is told)."""
    grant, created = compensate(
        uow, claim, policy, decide_with=decide_with, warn_operators=warn_operators
    )
    if not created or grant is None:
        return None
    what = given(grant)
    tell(
        uow,
        tenant_id=claim.tenant_id,
        customer_id=claim.customer_id,
        order_id=claim.order_id,
        dedupe_key=dedupe_key,
        words=lambda language: words(language, what),
        severity=severity,
        minutes_late=claim.minutes_late,
        anomaly_id=claim.anomaly_id,
        incident_id=incident_id,
    )
    return grant


def tell_operators(uow: UnitOfWork, tenant_id: str, *, kind: str, key: str, words: str) -> None:
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


def make_good_order(
    uow: UnitOfWork,
    policy: CompensationPolicy,
    *,
    tenant_id: str,
    customer_id: str,
    order_id: str,
    order_total_cents: int,
    cause: str,
    payer: str,
    words: Callable[[str, notify.Given | None], tuple[str, str]],
    incident_id: str | None = None,
) -> ledger.Grant | None:
    """Goodwill the platform owes for an order its own fault touched (an incident), under the
    policy's make-good tiers, and the customer told; returns the new grant, if one was made."""
    claim = Claim(
        tenant_id=tenant_id,
        customer_id=customer_id,
        order_id=order_id,
        order_total_cents=order_total_cents,
        cause=cause,
        kind=AnomalyType.CANCELLED,  # unused by the make-good decision
        liable=Liability.PLATFORM,
        payer=payer,
    )
    return compensate_and_tell(
        uow,
        claim,
        policy,
        words=words,
        dedupe_key=f"{cause}:{order_id}",
        severity=Severity.MEDIUM,
        decide_with=decide_make_good,
        warn_operators=False,  # as before: only anomaly grants raise the budget notice
        incident_id=incident_id,
    )

"""A decision at a checkpoint: score the rules in force (and the shadow set beside them), then
record it — the decision row, a case on review, and ``DecisionRecorded`` for the audit chain.

A block that refuses the caller's request (an order, a rider's hand-back) raises
``RiskBlocked``, which rolls the caller's transaction back; its decision is still kept, written
in a transaction of its own once the caller's has ended (``UnitOfWork.afterwards``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tiffin.clock import Clock
from tiffin.domain.events import DecisionRecorded
from tiffin.domain.ids import new_id
from tiffin.risk.features import Subject
from tiffin.risk.model import (
    Checkpoint,
    RiskBlocked,
    Rule,
    Thresholds,
    Verdict,
    reason_code,
    score,
    shadow_set,
)
from tiffin.store import tables
from tiffin.store.db import Database
from tiffin.store.uow import UnitOfWork

REFUSED = {
    Checkpoint.ORDER: "this order cannot be placed right now",
    Checkpoint.COUPON: "this order cannot be placed right now",
    Checkpoint.HANDBACK: "this hand-back needs an operator: please call operations",
}


@dataclass(frozen=True)
class Assessment:
    decision_id: str
    verdict: Verdict
    score: int
    reason_code: str
    hits: tuple[str, ...]
    case_id: str | None
    due_at: datetime | None
    elapsed_ms: float


@dataclass(frozen=True)
class Record:
    """What a decision writes: its row, its case (on review) and its audit event."""

    row: dict[str, Any]
    case: dict[str, Any] | None
    event: DecisionRecorded

    def write(self, uow: UnitOfWork) -> None:
        """Staged (``UnitOfWork.stage``): the rows leave with the transaction's next statement
        or, at its end, in the commit's one statement with its other rows (on PostgreSQL, the
        order's own at checkout, the outbox's after a claim): one round trip fewer."""
        uow.stage(tables.risk_decisions, [self.row])
        if self.case is not None:
            uow.stage(tables.risk_cases, [self.case])
        uow.emit(self.event)

    def write_alone(self, db: Database, clock: Clock) -> None:
        """In a transaction of its own (the request's was rolled back)."""
        with UnitOfWork(db, clock) as uow:
            self.write(uow)
            uow.commit()


def decide(
    uow: UnitOfWork,
    checkpoint: Checkpoint,
    subject: Subject,
    live: list[Rule],
    shadow: list[Rule],
    thresholds: Thresholds,
    features: dict[str, float | bool],
    *,
    started: float,
    record_quiet: bool = True,
    blocking: bool = False,
) -> Assessment:
    """Score the rules in force at ``checkpoint`` (and the shadow set beside them), record the
    decision and open a case on review. ``record_quiet=False`` skips recording a decision no
    rule fired in and the shadow agrees with (the hot checkpoints' approvals). ``blocking``:
    a block raises ``RiskBlocked`` here, its decision written after the caller's transaction
    ends, in its own."""
    now = uow.clock.now()
    here = [x for x in live if x.checkpoint is checkpoint and x.active(now)]
    scored = score(here, features, thresholds)
    shadowed = None
    if shadow:
        ahead = [x for x in shadow if x.checkpoint is checkpoint and x.active(now)]
        if ahead:
            shadowed = score(shadow_set(here, ahead), features, thresholds)
    elapsed_ms = (time.perf_counter() - started) * 1000
    decision_id = new_id("rsk")
    code = reason_code(scored)
    quiet = not scored.hits and (shadowed is None or not shadowed.hits)
    if quiet and not record_quiet:
        return Assessment(decision_id, scored.verdict, 0, code, (), None, None, elapsed_ms)
    row = {
        "id": decision_id,
        "tenant_id": subject.tenant_id,
        "checkpoint": checkpoint.value,
        "customer_id": subject.customer_id,
        "order_id": subject.order_id,
        "rider_id": subject.rider_id,
        "verdict": scored.verdict.value,
        "score": scored.score,
        "hits": list(scored.hits),
        "reason_code": code,
        "shadow_verdict": shadowed.verdict.value if shadowed else None,
        "shadow_score": shadowed.score if shadowed else None,
        "shadow_hits": list(shadowed.hits) if shadowed else None,
        "features": features,
        "elapsed_ms": elapsed_ms,
        "at": now,
    }
    case: dict[str, Any] | None = None
    case_id = due_at = None
    if scored.verdict is Verdict.REVIEW:
        case_id = new_id("rcs")
        due_at = now + timedelta(hours=thresholds.hold_hours)
        case = {
            "id": case_id,
            "tenant_id": subject.tenant_id,
            "decision_id": decision_id,
            "customer_id": subject.customer_id,
            "order_id": subject.order_id,
            "rider_id": subject.rider_id,
            "reason_code": code,
            "status": "open",
            "due_at": due_at,
            "opened_at": now,
        }
    event = DecisionRecorded(
        aggregate_id=decision_id,
        tenant_id=subject.tenant_id,
        at=now,
        reason=code,
        kind="risk",
        facts={
            "checkpoint": checkpoint.value,
            "customer_id": subject.customer_id,
            "order_id": subject.order_id,
            "rider_id": subject.rider_id,
            "verdict": scored.verdict.value,
            "score": scored.score,
            "hits": list(scored.hits),
            "case_id": case_id,
            "features": features,
        },
    )
    record = Record(row, case, event)
    if blocking and scored.verdict is Verdict.BLOCK:
        db, clock = uow.db, uow.clock
        uow.afterwards(lambda: record.write_alone(db, clock))
        raise RiskBlocked(f"{REFUSED.get(checkpoint, 'refused')} (reason {code})", reason_code=code)
    record.write(uow)
    return Assessment(
        decision_id,
        scored.verdict,
        scored.score,
        code,
        scored.hits,
        case_id,
        due_at,
        elapsed_ms,
    )

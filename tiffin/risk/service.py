"""Risk use cases: a tenant's rules and thresholds, and the decision at a checkpoint.

Rules are rows, one per version; saving validates the expression against the feature catalogue
and refuses it with the offending token's position. ``assess`` reads the features, scores the
live rules (and the shadow ones beside them), records the decision and, on review, opens a case.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update

from tiffin.domain.events import DecisionRecorded, OperatorActed
from tiffin.domain.ids import new_id
from tiffin.domain.principals import Principal
from tiffin.errors import Invalid, NotFound
from tiffin.risk import features as feature_store
from tiffin.risk.expr import Expression, compile_rule
from tiffin.risk.model import (
    FEATURES,
    Checkpoint,
    Mode,
    Rule,
    Thresholds,
    Verdict,
    check_features,
    default_rules,
    reason_code,
    score,
    shadow_set,
)
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

r = tables.risk_rules.c
s = tables.risk_settings.c
MAX_RULES = 200  # per tenant and checkpoint
_compiled: dict[str, Expression] = {}  # rule rows never change: compile each version once
_in_force: dict[str, tuple[tuple[object, ...], list[Rule], list[Rule]]] = {}


_THRESHOLDS = select(s.review_score, s.block_score, s.grant_threshold_cents, s.hold_hours).where(
    s.tenant_id == bindparam("tenant")
)
_STAMP = select(func.count(), func.max(r.created_at)).where(r.tenant_id == bindparam("tenant"))
_RECORD = insert(tables.risk_decisions)


def acted(uow: UnitOfWork, who: Principal, kind: str, subject: str, **facts: Any) -> None:
    """Record an operator's (merchant's, rider's) action for the audit chain."""
    uow.emit(
        OperatorActed(
            aggregate_id=subject,
            tenant_id=who.tenant_id,
            at=uow.clock.now(),
            actor=who.actor,
            kind=kind,
            facts=facts,
        )
    )


def thresholds_for(uow: UnitOfWork, tenant_id: str) -> Thresholds:
    row = uow.conn.execute(_THRESHOLDS, {"tenant": tenant_id}).first()
    return Thresholds(*row) if row else Thresholds()


def save_thresholds(uow: UnitOfWork, operator: Principal, thresholds: Thresholds) -> None:
    values = {
        "review_score": thresholds.review_score,
        "block_score": thresholds.block_score,
        "grant_threshold_cents": thresholds.grant_threshold_cents,
        "hold_hours": thresholds.hold_hours,
        "updated_by": str(operator.actor),
        "updated_at": uow.clock.now(),
    }
    table = tables.risk_settings
    acted(
        uow,
        operator,
        "risk.thresholds_saved",
        operator.tenant_id,
        review_score=thresholds.review_score,
        block_score=thresholds.block_score,
        grant_threshold_cents=thresholds.grant_threshold_cents,
        hold_hours=thresholds.hold_hours,
    )
    done = uow.conn.execute(update(table).where(s.tenant_id == operator.tenant_id).values(values))
    if not done.rowcount:
        uow.conn.execute(insert(table).values(tenant_id=operator.tenant_id, **values))


def _rule(row: Any) -> Rule:
    expression = _compiled.get(row.id)
    if expression is None:
        expression = _compiled[row.id] = compile_rule(row.expression, FEATURES)
    return Rule(
        row.rule_id,
        row.version,
        row.description,
        expression,
        row.score,
        Checkpoint(row.checkpoint),
        Mode(row.mode),
        row.enabled,
        row.snoozed_until,
    )


def rule_versions(uow: UnitOfWork, tenant_id: str) -> list[Any]:
    """Every version of every rule of the tenant, newest first within a rule."""
    query = (
        select(tables.risk_rules)
        .where(r.tenant_id == tenant_id)
        .order_by(r.rule_id, r.version.desc())
        .limit(MAX_RULES * 20)
    )
    return list(uow.conn.execute(query))


def rules_in_force(uow: UnitOfWork, tenant_id: str) -> tuple[list[Rule], list[Rule]]:
    """(live, shadow): the newest live version of each rule, and the newest shadow version
    where it is newer than the live one. A tenant that never saved a rule runs the defaults.
    Rule rows are only ever added, so (count, newest) stamps a tenant's rules: while it holds,
    the rules built last time are still the rules."""
    stamp = tuple(uow.conn.execute(_STAMP, {"tenant": tenant_id}).one())
    cached = _in_force.get(tenant_id)
    if cached is not None and cached[0] == stamp:
        return cached[1], cached[2]
    live, shadow = _build_in_force(uow, tenant_id)
    if len(_in_force) > 10_000:
        _in_force.clear()
    _in_force[tenant_id] = (stamp, live, shadow)
    return live, shadow


def _build_in_force(uow: UnitOfWork, tenant_id: str) -> tuple[list[Rule], list[Rule]]:
    rows = rule_versions(uow, tenant_id)
    if not rows:
        return default_rules(), []
    live: dict[str, Rule] = {}
    shadow: dict[str, Rule] = {}
    for row in rows:  # newest first within each rule id
        if row.mode == Mode.LIVE.value and row.rule_id not in live:
            live[row.rule_id] = _rule(row)
        elif row.mode == Mode.SHADOW.value and row.rule_id not in live | shadow:
            shadow[row.rule_id] = _rule(row)
    return list(live.values()), list(shadow.values())


@dataclass(frozen=True)
class RuleDraft:
    rule_id: str
    description: str
    expression: str
    score: int
    checkpoint: Checkpoint
    mode: Mode = Mode.LIVE
    enabled: bool = True
    snoozed_until: datetime | None = None


def save_rule(uow: UnitOfWork, operator: Principal, draft: RuleDraft) -> int:
    """Validate and store a new version of a rule; returns the version number."""
    expression = compile_rule(draft.expression, FEATURES)  # ExpressionError names the token
    check_features(expression, draft.checkpoint)
    if not -1000 <= draft.score <= 1000:
        raise Invalid("a rule's score lies between -1000 and 1000", code="bad_score")
    tenant = operator.tenant_id
    if not rule_versions(uow, tenant):
        _adopt_defaults(uow, operator)
    latest = uow.conn.execute(
        select(func.max(r.version)).where(r.tenant_id == tenant, r.rule_id == draft.rule_id)
    ).scalar_one()
    if latest is None:
        count = uow.conn.execute(
            select(func.count(func.distinct(r.rule_id))).where(r.tenant_id == tenant)
        ).scalar_one()
        if count >= MAX_RULES:
            raise Invalid(f"a tenant has at most {MAX_RULES} rules", code="too_many_rules")
    version = (latest or 0) + 1
    _insert(uow, operator, draft, version)
    acted(
        uow,
        operator,
        "risk.rule_saved",
        draft.rule_id,
        rule_id=draft.rule_id,
        version=version,
        expression=draft.expression,
        score=draft.score,
        mode=draft.mode.value,
        enabled=draft.enabled,
    )
    return version


def _insert(uow: UnitOfWork, operator: Principal, draft: RuleDraft, version: int) -> None:
    uow.conn.execute(
        insert(tables.risk_rules).values(
            id=new_id("rrl"),
            tenant_id=operator.tenant_id,
            rule_id=draft.rule_id,
            version=version,
            checkpoint=draft.checkpoint.value,
            mode=draft.mode.value,
            description=draft.description,
            expression=draft.expression,
            score=draft.score,
            enabled=draft.enabled,
            snoozed_until=draft.snoozed_until,
            created_by=str(operator.actor),
            created_at=uow.clock.now(),
        )
    )


def _adopt_defaults(uow: UnitOfWork, operator: Principal) -> None:
    """The first saved rule turns the defaults into the tenant's own version-1 rows, so that
    editing one default does not silently drop the others."""
    for rule in default_rules():
        draft = RuleDraft(
            rule.rule_id, rule.description, rule.expression.text, rule.score, rule.checkpoint
        )
        _insert(uow, operator, draft, 1)


def promote(uow: UnitOfWork, operator: Principal, rule_id: str) -> int:
    """Put the newest shadow version of ``rule_id`` live (as a new live version)."""
    row = uow.conn.execute(
        select(tables.risk_rules)
        .where(r.tenant_id == operator.tenant_id, r.rule_id == rule_id)
        .order_by(r.version.desc())
        .limit(1)
    ).first()
    if row is None:
        raise NotFound(f"no rule {rule_id!r}", resource="risk_rule")
    if row.mode != Mode.SHADOW.value:
        raise Invalid("the newest version of this rule is already live", code="not_shadow")
    draft = RuleDraft(
        row.rule_id,
        row.description,
        row.expression,
        row.score,
        Checkpoint(row.checkpoint),
        Mode.LIVE,
        row.enabled,
        row.snoozed_until,
    )
    _insert(uow, operator, draft, row.version + 1)
    acted(uow, operator, "risk.rule_promoted", rule_id, version=int(row.version) + 1)
    return int(row.version) + 1


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


def assess(uow: UnitOfWork, checkpoint: Checkpoint, subject: feature_store.Subject) -> Assessment:
    """Decide approve / review / block for ``subject`` at ``checkpoint`` from the database's
    features, recorded; a review opens a case due within the tenant's hold hours."""
    started = time.perf_counter()
    live, shadow = rules_in_force(uow, subject.tenant_id)
    thresholds = thresholds_for(uow, subject.tenant_id)
    features = feature_store.read(uow, subject)
    return decide(uow, checkpoint, subject, live, shadow, thresholds, features, started=started)


def decide(
    uow: UnitOfWork,
    checkpoint: Checkpoint,
    subject: feature_store.Subject,
    live: list[Rule],
    shadow: list[Rule],
    thresholds: Thresholds,
    features: dict[str, float | bool],
    *,
    started: float,
    record_quiet: bool = True,
) -> Assessment:
    """Score the rules in force at ``checkpoint`` (and the shadow set beside them), record the
    decision and open a case on review. ``record_quiet=False`` skips recording a decision no
    rule fired in and the shadow agrees with (the hot checkpoints' approvals)."""
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
    uow.conn.execute(
        _RECORD,
        {
            "id": decision_id,
            "tenant_id": subject.tenant_id,
            "checkpoint": checkpoint.value,
            "customer_id": subject.customer_id,
            "order_id": subject.order_id,
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
        },
    )
    case_id = due_at = None
    if scored.verdict is Verdict.REVIEW:
        case_id = new_id("rcs")
        due_at = now + timedelta(hours=thresholds.hold_hours)
        uow.conn.execute(
            insert(tables.risk_cases).values(
                id=case_id,
                tenant_id=subject.tenant_id,
                decision_id=decision_id,
                customer_id=subject.customer_id,
                order_id=subject.order_id,
                reason_code=code,
                status="open",
                due_at=due_at,
                opened_at=now,
            )
        )
    uow.emit(
        DecisionRecorded(
            aggregate_id=decision_id,
            tenant_id=subject.tenant_id,
            at=now,
            reason=code,
            kind="risk",
            facts={
                "checkpoint": checkpoint.value,
                "customer_id": subject.customer_id,
                "order_id": subject.order_id,
                "verdict": scored.verdict.value,
                "score": scored.score,
                "hits": list(scored.hits),
                "case_id": case_id,
            },
        )
    )
    return Assessment(
        decision_id, scored.verdict, scored.score, code, scored.hits, case_id, due_at, elapsed_ms
    )

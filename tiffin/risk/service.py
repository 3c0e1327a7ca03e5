"""Risk use cases: a tenant's rules and thresholds, and the decision at a checkpoint.

Rules are rows, one per version; saving validates the expression against the feature catalogue
and refuses it with the offending token's position. ``assess`` reads the features, scores the
live rules (and the shadow ones beside them), records the decision and, on review, opens a case.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update

from tiffin.domain.events import OperatorActed
from tiffin.domain.geo import LatLon
from tiffin.domain.ids import new_id
from tiffin.domain.principals import Principal
from tiffin.errors import Invalid, NotFound
from tiffin.risk import features as feature_store
from tiffin.risk import hot_reads
from tiffin.risk.decisions import Assessment, decide
from tiffin.risk.defaults import default_rules
from tiffin.risk.expr import Expression, compile_rule
from tiffin.risk.model import (
    FEATURES,
    Checkpoint,
    Mode,
    Rule,
    Thresholds,
    check_features,
    named,
    order_checkpoints,
)
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

r = tables.risk_rules.c
s = tables.risk_settings.c
_NOWHERE = LatLon(0.0, 0.0)  # a drop-off for ``warm``'s reads with one
MAX_RULES = 200  # per tenant and checkpoint
_compiled: dict[str, Expression] = {}  # rule rows never change: compile each version once


@dataclass
class _RuleSet:
    """A tenant's rules in force as built at ``stamp``, and the features each checkpoint's
    rules name (snoozed and disabled ones too: a snooze may end while this is cached, and one
    feature read too many is harmless where one too few is not)."""

    stamp: tuple[object, ...]
    live: list[Rule]
    shadow: list[Rule]
    wanted: dict[Checkpoint, frozenset[str]] = field(default_factory=dict)

    def wanted_at(self, checkpoint: Checkpoint) -> frozenset[str]:
        found = self.wanted.get(checkpoint)
        if found is None:
            found = self.wanted[checkpoint] = named((*self.live, *self.shadow), (checkpoint,))
        return found


_in_force: dict[str, _RuleSet] = {}


_THRESHOLDS = select(s.review_score, s.block_score, s.grant_threshold_cents, s.hold_hours).where(
    s.tenant_id == bindparam("tenant")
)
_STAMP = select(func.count(), func.max(r.created_at)).where(r.tenant_id == bindparam("tenant"))
# The stamp and the thresholds in one round trip: what every decision reads first.
_STAMP_AND_THRESHOLDS = select(
    func.count(),
    func.max(r.created_at),
    *(
        select(column).where(s.tenant_id == bindparam("tenant")).scalar_subquery()
        for column in (s.review_score, s.block_score, s.grant_threshold_cents, s.hold_hours)
    ),
).where(r.tenant_id == bindparam("tenant"))
__all__ = [
    "Assessment",
    "assess",
    "decide",
    "in_force",
    "rules_in_force",
    "thresholds_for",
    "warm",
]


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


def in_force(uow: UnitOfWork, tenant_id: str) -> tuple[list[Rule], list[Rule], Thresholds]:
    """``rules_in_force`` and the tenant's thresholds, read together."""
    row = uow.conn.execute(_STAMP_AND_THRESHOLDS, {"tenant": tenant_id}).one()
    live, shadow = _from_stamp(uow, tenant_id, (row[0], row[1]))
    return live, shadow, _thresholds(row[2:6])


def _thresholds(row: Any) -> Thresholds:
    return Thresholds(*row) if row[0] is not None else Thresholds()


def rules_in_force(uow: UnitOfWork, tenant_id: str) -> tuple[list[Rule], list[Rule]]:
    """(live, shadow): the newest live version of each rule, and the newest shadow version
    where it is newer than the live one. A tenant that never saved a rule runs the defaults.
    Rule rows are only ever added, so (count, newest) stamps a tenant's rules: while it holds,
    the rules built last time are still the rules."""
    stamp = tuple(uow.conn.execute(_STAMP, {"tenant": tenant_id}).one())
    return _from_stamp(uow, tenant_id, stamp)


def _from_stamp(
    uow: UnitOfWork, tenant_id: str, stamp: tuple[object, ...]
) -> tuple[list[Rule], list[Rule]]:
    cached = _in_force.get(tenant_id)
    if cached is not None and cached.stamp == stamp:
        return cached.live, cached.shadow
    live, shadow = _build_in_force(uow, tenant_id)
    if len(_in_force) > 10_000:
        _in_force.clear()
    _in_force[tenant_id] = _RuleSet(stamp, live, shadow)
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
    warm(uow, tenant, saving=True)
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
    warm(uow, operator.tenant_id, saving=True)
    return int(row.version) + 1


def assess(
    uow: UnitOfWork,
    checkpoint: Checkpoint,
    subject: feature_store.Subject,
    *,
    blocking: bool = False,
) -> Assessment:
    """Decide approve / review / block for ``subject`` at ``checkpoint`` from the database's
    features (those the rules in force name), recorded; a review opens a case due within the
    tenant's hold hours. ``blocking``: a block raises ``RiskBlocked`` and is kept in a
    transaction of its own (see ``decisions.decide``).

    One round trip reads it all: the features the rules built last time name, with the rules'
    stamp and the thresholds. Only when the stamp moved (a rule was saved since) are the rules
    rebuilt and, if they name other features, those read again."""
    started = time.perf_counter()
    tenant_id = subject.tenant_id
    rules = _in_force.get(tenant_id)
    if rules is None:  # the tenant's first decision in this process
        in_force(uow, tenant_id)
        rules = _in_force[tenant_id]
    wanted = rules.wanted_at(checkpoint)
    features, seen = feature_store.read_stamped(uow, subject, wanted)
    if seen.rules != rules.stamp:
        _from_stamp(uow, tenant_id, seen.rules)
        rules = _in_force[tenant_id]
        if rules.wanted_at(checkpoint) != wanted:
            features = feature_store.read(uow, subject, rules.wanted_at(checkpoint))
    live, shadow = rules.live, rules.shadow
    thresholds = Thresholds(*seen.thresholds) if seen.thresholds else Thresholds()
    return decide(
        uow,
        checkpoint,
        subject,
        live,
        shadow,
        thresholds,
        features,
        started=started,
        blocking=blocking,
    )


def warm(uow: UnitOfWork, tenant_id: str, *, saving: bool = False) -> None:
    """Run once, for nobody, every feature read the tenant's rules in force will make, so
    that compiling them (about 10 ms each, once per process and rule set) is paid here (at
    start, on a rule's save) and not by the first customer's decision. At start the rules
    are built into the cache decisions use; on a save (``saving``) they are built aside: they
    are the operator's, not yet committed."""
    if saving:
        live, shadow = _build_in_force(uow, tenant_id)
    else:
        live, shadow, _ = in_force(uow, tenant_id)
    now = uow.clock.now()
    nobody = feature_store.Subject(tenant_id, "")
    rules = _RuleSet((), live, shadow)
    for checkpoint in (Checkpoint.CLAIM, Checkpoint.GRANT, Checkpoint.HANDBACK):
        feature_store.read_stamped(uow, nobody, rules.wanted_at(checkpoint))
    month = now - timedelta(days=30)
    at_checkout = [named((*live, *shadow), order_checkpoints(coupon=c)) for c in (False, True)]
    for device, card, door in itertools.product((None, "-"), (None, "-"), (None, _NOWHERE)):
        order = feature_store.Subject(
            tenant_id, "", device_id=device, instrument=card, dropoff=door
        )
        for wanted in at_checkout:
            hot_reads.read(uow, order, wanted, month=month)

"""The risk desk's regions: the review queue, the rules in force with a form to save a version
(a refused expression shown with its offending token marked), and one case with its decision.

Read through the same services as ``/v1/risk`` and refused to anyone but the tenant's
operators; another tenant's case is 404, as in the API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tiffin.console.render import Visitor, operator_only, render
from tiffin.risk import cases, service
from tiffin.risk.model import READABLE, Checkpoint, Mode
from tiffin.store.uow import UnitOfWork

QUEUE_ROWS = 50
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+(?:\.[0-9]+)?|<=|>=|==|!=|\S")


@dataclass(frozen=True)
class Draft:
    """A rule as typed into the form, kept across a refusal."""

    rule_id: str = ""
    description: str = ""
    expression: str = ""
    score: str = "50"
    checkpoint: str = Checkpoint.CLAIM.value
    mode: str = Mode.LIVE.value
    enabled: bool = True


@dataclass(frozen=True)
class Refusal:
    """Why a save was refused; ``position`` splits the expression around the offending token."""

    message: str
    code: str
    position: int | None = None
    parts: tuple[str, str, str] = field(default=("", "", ""))


def refusal(message: str, code: str, expression: str, position: int | None) -> Refusal:
    """The refusal with the expression cut into (before, token, after) at ``position``; at the
    end of the text the token is empty (the form shows where something is missing)."""
    if position is None:
        return Refusal(message, code)
    at = min(max(position, 0), len(expression))
    skipped = len(expression[at:]) - len(expression[at:].lstrip())
    start = at + skipped
    found = _TOKEN.match(expression, start)
    end = found.end() if found else start
    return Refusal(message, code, at, (expression[:start], expression[start:end], expression[end:]))


def _newest_versions(rows: list[Any]) -> list[Any]:
    """The newest version of each rule (rows come newest first within a rule)."""
    seen: set[str] = set()
    newest = []
    for row in rows:
        if row.rule_id not in seen:
            seen.add(row.rule_id)
            newest.append(row)
    return newest


def desk(
    uow: UnitOfWork,
    visitor: Visitor,
    *,
    edit: str | None = None,
    draft: Draft | None = None,
    refused: Refusal | None = None,
) -> str:
    """Open cases (soonest due first), the rules (a tenant that never saved one runs the
    defaults, version 0), the thresholds, and the rule form: empty, the newest version of
    ``edit``, or the refused ``draft`` with why."""
    principal = operator_only(visitor)
    tenant = principal.tenant_id
    rows = _newest_versions(service.rule_versions(uow, tenant))
    if not rows:  # the defaults, shown as the rows they become on the first save
        live, _ = service.rules_in_force(uow, tenant)
        rows = [_as_row(rule) for rule in live]
    if draft is None and edit is not None:
        chosen = next((r for r in rows if r.rule_id == edit[:60]), None)
        if chosen is not None:
            draft = Draft(
                chosen.rule_id,
                chosen.description,
                chosen.expression,
                str(chosen.score),
                chosen.checkpoint,
                chosen.mode,
                bool(chosen.enabled),
            )
    return render(
        "_risk.html",
        visitor,
        queue=cases.list_cases(uow, principal, status="open", limit=QUEUE_ROWS, offset=0),
        rules=rows,
        thresholds=service.thresholds_for(uow, tenant),
        draft=draft or Draft(),
        refused=refused,
        checkpoints=[c.value for c in Checkpoint],
        modes=[m.value for m in Mode],
        readable={c.value: sorted(READABLE[c]) for c in Checkpoint},
    )


@dataclass(frozen=True)
class _Row:
    rule_id: str
    version: int
    checkpoint: str
    mode: str
    description: str
    expression: str
    score: int
    enabled: bool


def _as_row(rule: Any) -> _Row:
    return _Row(
        rule.rule_id,
        rule.version,
        rule.checkpoint.value,
        rule.mode.value,
        rule.description,
        rule.expression.text,
        rule.score,
        rule.enabled,
    )


def case(uow: UnitOfWork, visitor: Visitor, case_id: str) -> str:
    """One case: who, why, the decision's score, rules hit and features, notes, and the forms
    to take it, note it and resolve it."""
    principal = operator_only(visitor)
    found = cases.detail(uow, principal, case_id)
    return render("_risk_case.html", visitor, c=found, outcomes=[o.value for o in cases.Outcome])

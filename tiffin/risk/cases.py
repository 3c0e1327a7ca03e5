"""Review cases: what operators list, take, annotate and resolve; per-rule statistics and the
shadow report are read from the same decisions.

Resolving a case only records the outcome here; releasing or refusing the held payout is care's
step (``tiffin.care.holds``), in the same unit of work.
"""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from typing import Any

from sqlalchemy import insert, select, update

from tiffin.domain.principals import Principal
from tiffin.errors import Conflict, NotFound
from tiffin.risk.service import acted
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

c = tables.risk_cases.c
d = tables.risk_decisions.c


class Outcome(StrEnum):
    CONFIRMED_ABUSE = "confirmed_abuse"
    FALSE_POSITIVE = "false_positive"


def _case(uow: UnitOfWork, operator: Principal, case_id: str, *, lock: bool = False) -> Any:
    query = select(tables.risk_cases).where(c.id == case_id)
    if lock:
        query = query.with_for_update()
    row = uow.conn.execute(query).mappings().first()
    if row is None or row["tenant_id"] != operator.tenant_id:
        raise NotFound(f"no risk case with id {case_id!r}", resource="risk_case")
    return row


def list_cases(
    uow: UnitOfWork, operator: Principal, *, status: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    """The tenant's cases, the soonest due first."""
    query = select(tables.risk_cases).where(c.tenant_id == operator.tenant_id)
    if status is not None:
        query = query.where(c.status == status)
    query = query.order_by(c.due_at, c.id).limit(limit).offset(offset)
    return [dict(row) for row in uow.conn.execute(query).mappings()]


def detail(uow: UnitOfWork, operator: Principal, case_id: str) -> dict[str, Any]:
    """A case with the decision behind it (score, rules hit, features) and its notes."""
    row = dict(_case(uow, operator, case_id))
    decision = uow.conn.execute(
        select(d.checkpoint, d.score, d.hits, d.features, d.at).where(d.id == row["decision_id"])
    ).mappings()
    row["decision"] = dict(decision.one())
    n = tables.risk_case_notes.c
    row["notes"] = [
        dict(x)
        for x in uow.conn.execute(
            select(n.at, n.author, n.text).where(n.case_id == case_id).order_by(n.id)
        ).mappings()
    ]
    return row


def assign(uow: UnitOfWork, operator: Principal, case_id: str, assignee: str | None) -> None:
    row = _case(uow, operator, case_id, lock=True)
    if row["status"] != "open":
        raise Conflict("this case is resolved", code="case_resolved")
    who = assignee or operator.user_id
    u = tables.users.c
    user = uow.conn.execute(select(u.tenant_id, u.role).where(u.id == who)).first()
    if user is None or user.tenant_id != operator.tenant_id or user.role != "operator":
        raise NotFound(f"no operator with id {who!r}", resource="operator")
    uow.conn.execute(update(tables.risk_cases).where(c.id == case_id).values(assignee=who))
    note(uow, operator, case_id, f"assigned to {who}")
    acted(uow, operator, "risk.case_assigned", case_id, assignee=who)


def note(uow: UnitOfWork, operator: Principal, case_id: str, text: str) -> None:
    _case(uow, operator, case_id)
    uow.conn.execute(
        insert(tables.risk_case_notes).values(
            case_id=case_id, at=uow.clock.now(), author=str(operator.actor), text=text
        )
    )


def resolve(
    uow: UnitOfWork, operator: Principal, case_id: str, outcome: Outcome, text: str
) -> dict[str, Any]:
    """Record the outcome once; a second resolve is refused (so a payout goes out once)."""
    row = dict(_case(uow, operator, case_id, lock=True))
    if row["status"] != "open":
        raise Conflict("this case is already resolved", code="case_resolved")
    now = uow.clock.now()
    values = {
        "status": "resolved",
        "outcome": outcome.value,
        "resolved_at": now,
        "resolved_by": operator.user_id,
    }
    done = uow.conn.execute(
        update(tables.risk_cases).where(c.id == case_id, c.status == "open").values(values)
    )
    if done.rowcount != 1:  # a concurrent resolve won the race
        raise Conflict("this case is already resolved", code="case_resolved")
    note(uow, operator, case_id, f"{outcome.value}: {text}")
    acted(
        uow,
        operator,
        "risk.case_resolved",
        case_id,
        outcome=outcome.value,
        note=text,
        grant_id=row["grant_id"],
        customer_id=row["customer_id"],
    )
    return {**row, **values}


def attach_grant(uow: UnitOfWork, case_id: str, grant_id: str) -> None:
    uow.conn.execute(update(tables.risk_cases).where(c.id == case_id).values(grant_id=grant_id))


def rule_statistics(uow: UnitOfWork, operator: Principal) -> list[dict[str, Any]]:
    """Per rule version: decisions it fired in, cases reviewed, and precision (confirmed abuse
    over reviewed) — the measure of a rule an operator tunes by."""
    rows = uow.conn.execute(
        select(d.hits, c.outcome)
        .select_from(tables.risk_decisions)
        .outerjoin(tables.risk_cases, c.decision_id == d.id)
        .where(d.tenant_id == operator.tenant_id)
        .order_by(d.at.desc())
        .limit(50_000)
    ).all()
    hits: Counter[str] = Counter()
    confirmed: Counter[str] = Counter()
    reviewed: Counter[str] = Counter()
    for fired, outcome in rows:
        for key in fired or ():
            hits[key] += 1
            if outcome is not None:
                reviewed[key] += 1
                confirmed[key] += outcome == Outcome.CONFIRMED_ABUSE.value
    return [
        {
            "rule": key,
            "hits": hits[key],
            "reviewed": reviewed[key],
            "confirmed_abuse": confirmed[key],
            "precision": round(confirmed[key] / reviewed[key], 3) if reviewed[key] else None,
        }
        for key in sorted(hits)
    ]


def shadow_report(uow: UnitOfWork, operator: Principal) -> dict[str, Any]:
    """Live against shadow verdicts on the same decisions: how often they agree, and a matrix."""
    rows = uow.conn.execute(
        select(d.verdict, d.shadow_verdict)
        .where(d.tenant_id == operator.tenant_id, d.shadow_verdict.is_not(None))
        .order_by(d.at.desc())
        .limit(50_000)
    ).all()
    matrix: Counter[tuple[str, str]] = Counter((live, shadow) for live, shadow in rows)
    return {
        "decisions": len(rows),
        "agree": sum(n for (live, shadow), n in matrix.items() if live == shadow),
        "matrix": [
            {"live": live, "shadow": shadow, "decisions": n}
            for (live, shadow), n in sorted(matrix.items())
        ],
    }

"""/v1/risk: operators edit rules and thresholds, work the review queue, read statistics."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from tiffin.api.deps import OperatorPrincipal, PlatformDep
from tiffin.api.problems import error_responses
from tiffin.care import holds
from tiffin.domain.priorities import Priority, priority
from tiffin.risk import cases, service
from tiffin.risk.model import Thresholds
from tiffin.risk.schemas import (
    AssignIn,
    CaseDetail,
    CaseRead,
    NoteIn,
    Resolved,
    ResolveIn,
    RuleCreate,
    RuleRead,
    RuleStat,
    Saved,
    ShadowReport,
    ThresholdsIn,
    ThresholdsRead,
)

router = APIRouter(
    prefix="/v1/risk", tags=["risk"], responses=error_responses(400, 401, 403, 404, 409, 422)
)
Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=100_000)]


@priority(Priority.IMPORTANT)
@router.get("/rules")
def list_rules(
    platform: PlatformDep, principal: OperatorPrincipal, limit: Limit = 100, offset: Offset = 0
) -> list[RuleRead]:
    """Every version of the tenant's rules (the defaults, as version 0, until one is saved)."""
    with platform.uow(read_only=True) as uow:
        rows = service.rule_versions(uow, principal.tenant_id)
        if not rows:
            live, _ = service.rules_in_force(uow, principal.tenant_id)
            return [
                RuleRead(
                    rule_id=r.rule_id,
                    version=0,
                    checkpoint=r.checkpoint.value,
                    mode=r.mode.value,
                    description=r.description,
                    expression=r.expression.text,
                    score=r.score,
                    enabled=True,
                    snoozed_until=None,
                    created_by="default",
                    created_at=None,
                )
                for r in live
            ][offset : offset + limit]
    return [RuleRead.model_validate(row, from_attributes=True) for row in rows][
        offset : offset + limit
    ]


@priority(Priority.IMPORTANT)
@router.post("/rules", status_code=status.HTTP_201_CREATED)
def save_rule(body: RuleCreate, platform: PlatformDep, principal: OperatorPrincipal) -> Saved:
    """A new version of a rule, checked first: a bad expression is refused (422
    ``bad_expression``) with the position of the offending token."""
    draft = service.RuleDraft(**body.model_dump())
    with platform.uow() as uow:
        version = service.save_rule(uow, principal, draft)
        uow.commit()
    platform.risk_gate.invalidate(principal.tenant_id)
    return Saved(rule_id=body.rule_id, version=version)


@priority(Priority.IMPORTANT)
@router.post("/rules/{rule_id}/promote")
def promote(rule_id: str, platform: PlatformDep, principal: OperatorPrincipal) -> Saved:
    """Put a rule's newest shadow version live."""
    with platform.uow() as uow:
        version = service.promote(uow, principal, rule_id)
        uow.commit()
    platform.risk_gate.invalidate(principal.tenant_id)
    return Saved(rule_id=rule_id, version=version)


@priority(Priority.IMPORTANT)
@router.get("/thresholds")
def get_thresholds(platform: PlatformDep, principal: OperatorPrincipal) -> ThresholdsRead:
    """The tenant's score thresholds: at or above ``review_score`` a payout is held for an
    operator, at ``block_score`` refused; grants above ``grant_threshold_cents`` are checked."""
    with platform.uow(read_only=True) as uow:
        t = service.thresholds_for(uow, principal.tenant_id)
    return ThresholdsRead(**t.__dict__)


@priority(Priority.IMPORTANT)
@router.put("/thresholds")
def put_thresholds(
    body: ThresholdsIn, platform: PlatformDep, principal: OperatorPrincipal
) -> ThresholdsRead:
    """Change the tenant's thresholds (validated; the next decision uses them)."""
    with platform.uow() as uow:
        service.save_thresholds(uow, principal, Thresholds(**body.model_dump()))
        uow.commit()
    platform.risk_gate.invalidate(principal.tenant_id)
    return ThresholdsRead(**body.model_dump())


@priority(Priority.IMPORTANT)
@router.get("/cases")
def list_cases(
    platform: PlatformDep,
    principal: OperatorPrincipal,
    state: Literal["open", "resolved"] | None = Query(default=None, alias="status"),
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[CaseRead]:
    """The review queue, soonest due first."""
    with platform.uow(read_only=True) as uow:
        rows = cases.list_cases(uow, principal, status=state, limit=limit, offset=offset)
    return [CaseRead(**row) for row in rows]


@priority(Priority.IMPORTANT)
@router.get("/cases/{case_id}")
def case_detail(case_id: str, platform: PlatformDep, principal: OperatorPrincipal) -> CaseDetail:
    """One review case: the decision that opened it, the rules that fired, the held payout and the
    notes."""
    with platform.uow(read_only=True) as uow:
        return CaseDetail(**cases.detail(uow, principal, case_id))


@priority(Priority.IMPORTANT)
@router.post("/cases/{case_id}/assign")
def assign(
    case_id: str, body: AssignIn, platform: PlatformDep, principal: OperatorPrincipal
) -> CaseRead:
    """Give a case to an operator of the tenant to look into."""
    with platform.uow() as uow:
        cases.assign(uow, principal, case_id, body.assignee)
        row = cases.detail(uow, principal, case_id)
        uow.commit()
    return CaseRead(**row)


@priority(Priority.IMPORTANT)
@router.post("/cases/{case_id}/notes", status_code=status.HTTP_201_CREATED)
def add_note(
    case_id: str, body: NoteIn, platform: PlatformDep, principal: OperatorPrincipal
) -> CaseDetail:
    """Add an operator's note to a case (kept with the case and in the audit chain)."""
    with platform.uow() as uow:
        cases.note(uow, principal, case_id, body.text)
        row = cases.detail(uow, principal, case_id)
        uow.commit()
    return CaseDetail(**row)


@priority(Priority.IMPORTANT)
@router.post("/cases/{case_id}/resolve")
def resolve(
    case_id: str, body: ResolveIn, platform: PlatformDep, principal: OperatorPrincipal
) -> Resolved:
    """Confirmed abuse refuses the held payout; a false positive pays it, once. Either way the
    customer is told. A second resolve is 409 ``case_resolved``."""
    with platform.uow() as uow:
        done = holds.settle(uow, principal, case_id, body.outcome, body.note)
        uow.commit()
    return Resolved(id=case_id, outcome=body.outcome.value, grant_status=done.get("grant_status"))


@priority(Priority.DEFERRABLE, feature="reports")
@router.get("/stats")
def rule_stats(platform: PlatformDep, principal: OperatorPrincipal) -> list[RuleStat]:
    """Per rule version: hits, reviewed cases, precision."""
    with platform.uow(read_only=True) as uow:
        return [RuleStat(**x) for x in cases.rule_statistics(uow, principal)]


@priority(Priority.DEFERRABLE, feature="reports")
@router.get("/shadow-report")
def shadow_report(platform: PlatformDep, principal: OperatorPrincipal) -> ShadowReport:
    """Live against shadow verdicts on the same traffic."""
    with platform.uow(read_only=True) as uow:
        return ShadowReport(**cases.shadow_report(uow, principal))

"""/console/risk: the risk desk (the review queue, the rules, a case), and its forms.

A rule is saved through the same service as ``POST /v1/risk/rules``; a refused expression
comes back on the same page (422) with the form as typed and the offending token marked, so
the operator corrects it rather than retyping it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from pydantic import ValidationError

from tiffin.api.deps import PlatformDep
from tiffin.care import holds
from tiffin.console import i18n, risk_pages
from tiffin.console.risk_pages import Draft, Refusal, refusal
from tiffin.console.views.base import (
    html_answer,
    page,
    read,
    redirect,
    require_operator,
    signed_in,
    stream,
    submit,
    to_login,
    visitor_of,
)
from tiffin.domain.principals import Principal
from tiffin.errors import Invalid
from tiffin.risk import cases, service
from tiffin.risk.expr import ExpressionError
from tiffin.risk.schemas import NoteIn, ResolveIn, RuleCreate

router = APIRouter(include_in_schema=False)


@router.get("/console/risk", response_class=HTMLResponse)
async def risk_desk(request: Request, platform: PlatformDep, edit: str | None = None) -> Response:
    return await page(
        request,
        platform,
        "Risk review",
        lambda uow, v: risk_pages.desk(uow, v, edit=edit),
        live=None,
        body_class="wide",
    )


@router.get("/console/risk/cases/{case_id}", response_class=HTMLResponse)
async def case_page(case_id: str, request: Request, platform: PlatformDep) -> Response:
    return await page(
        request,
        platform,
        "Risk case",
        lambda uow, v: risk_pages.case(uow, v, case_id[:40]),
        live=f"/console/risk/cases/{case_id[:40]}/live",
    )


@router.get("/console/risk/cases/{case_id}/live")
async def case_live(case_id: str, request: Request, platform: PlatformDep) -> Response:
    return await stream(request, platform, lambda uow, v: risk_pages.case(uow, v, case_id[:40]))


def _draft(values: dict[str, str]) -> Draft:
    return Draft(
        rule_id=values.get("rule_id", "")[:60],
        description=values.get("description", "")[:500],
        expression=values.get("expression", "")[:1000],
        score=values.get("score", "")[:6],
        checkpoint=values.get("checkpoint", "")[:20],
        mode=values.get("mode", "")[:10],
        enabled=values.get("enabled") == "on",
    )


def _save(platform: PlatformDep, principal: Principal, draft: Draft) -> None:
    require_operator(principal)
    if not draft.score.lstrip("-").isdigit():
        raise Invalid("a rule's score is a whole number", code="bad_score")
    body = RuleCreate.model_validate(
        {
            "rule_id": draft.rule_id,
            "description": draft.description,
            "expression": draft.expression,
            "score": int(draft.score),
            "checkpoint": draft.checkpoint,
            "mode": draft.mode,
            "enabled": draft.enabled,
        }
    )
    with platform.uow() as uow:
        service.save_rule(uow, principal, service.RuleDraft(**body.model_dump()))
        uow.commit()
    platform.risk_gate.invalidate(principal.tenant_id)


@router.post("/console/risk/rules")
async def save_rule(request: Request, platform: PlatformDep) -> Response:
    """Save a new version of a rule; refused, the page again with the draft and the reason (the
    offending token marked for a bad expression)."""
    principal, values = await signed_in(request, platform)
    if principal is None:
        return to_login(request)
    draft = _draft(values)
    try:
        await run_in_threadpool(_save, platform, principal, draft)
    except ExpressionError as error:
        why = refusal(error.detail, error.code, draft.expression, error.position)
        return await _refused(request, platform, draft, why)
    except Invalid as error:
        return await _refused(request, platform, draft, refusal(error.detail, error.code, "", None))
    except ValidationError as error:
        fields = ", ".join(str(e["loc"][-1]) for e in error.errors())
        return await _refused(request, platform, draft, Refusal(fields, "invalid_input"))
    return redirect("/console/risk")


async def _refused(request: Request, platform: PlatformDep, draft: Draft, why: Refusal) -> Response:
    visitor, fresh = await visitor_of(request, platform)
    html = await run_in_threadpool(
        read, platform, lambda uow: risk_pages.desk(uow, visitor, draft=draft, refused=why)
    )
    return html_answer(
        request,
        visitor,
        fresh,
        "page.html",
        status_code=422,
        title=i18n.translate(visitor.language, "Risk review"),
        region=Markup(html),
        live=None,
        announce=True,
        body_class="wide",
    )


@router.post("/console/risk/cases/{case_id}/{step}")
async def case_step(case_id: str, step: str, request: Request, platform: PlatformDep) -> Response:
    """Take, note or resolve a case (resolving settles its held payout, as the API does)."""
    if step not in ("take", "note", "resolve"):
        raise Invalid("the step is take, note or resolve", code="unknown_step")
    case_id = case_id[:40]

    def work(principal: Principal, values: dict[str, str]) -> None:
        require_operator(principal)
        with platform.uow() as uow:
            if step == "take":
                cases.assign(uow, principal, case_id, None)
            elif step == "note":
                cases.note(uow, principal, case_id, NoteIn(text=values.get("text", "")).text)
            else:
                body = ResolveIn.model_validate(
                    {"outcome": values.get("outcome", ""), "note": values.get("note", "")}
                )
                holds.settle(uow, principal, case_id, body.outcome, body.note)
            uow.commit()

    return await submit(request, platform, f"/console/risk/cases/{case_id}", work)

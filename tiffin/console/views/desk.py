"""/console: an order's timeline, a risk zone drawn on the map, the compensation ledger, and
the playbook and compensation policy as forms (docs/console.md).

Forms refused by the service come back on the same page (422) with what was typed and every
problem named, rather than as a code in the address bar.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from pydantic import ValidationError

from tiffin.anomalies import queries as anomaly_queries
from tiffin.api.deps import PlatformDep
from tiffin.console import desk_regions, i18n
from tiffin.console.desk_queries import LedgerFilter
from tiffin.console.desk_regions import PolicyDraft, ZoneDraft
from tiffin.console.render import Visitor
from tiffin.console.views.base import (
    html_answer,
    page,
    read,
    redirect,
    require_operator,
    signed_in,
    stream,
    to_login,
    visitor_of,
)
from tiffin.domain.principals import Principal
from tiffin.errors import TiffinError
from tiffin.safety import service as safety
from tiffin.safety.schemas import ZoneClosure
from tiffin.store.uow import UnitOfWork

router = APIRouter(include_in_schema=False)
MAX_POINTS = 200  # as the API's ZoneClosure
Kind = Literal["playbook", "compensation"]


@router.get("/console/orders/{order_id}", response_class=HTMLResponse)
async def order_page(order_id: str, request: Request, platform: PlatformDep) -> Response:
    return await page(
        request,
        platform,
        "Order timeline",
        lambda uow, v: desk_regions.order_timeline(uow, v, order_id[:40]),
        live=f"/console/orders/{order_id[:40]}/live",
    )


@router.get("/console/orders/{order_id}/live")
async def order_live(order_id: str, request: Request, platform: PlatformDep) -> Response:
    return await stream(
        request, platform, lambda uow, v: desk_regions.order_timeline(uow, v, order_id[:40])
    )


@router.get("/console/zones/new", response_class=HTMLResponse)
async def zone_page(request: Request, platform: PlatformDep) -> Response:
    now = platform.clock.now
    return await page(
        request,
        platform,
        "Draw a risk zone",
        lambda uow, v: desk_regions.zone_draw(uow, v, now(), ZoneDraft()),
        live=None,
        body_class="wide",
    )


def _lat_lon(line: str) -> dict[str, float]:
    lat, _, lon = line.replace(" ", "").partition(",")
    try:
        return {"lat": float(lat), "lon": float(lon)}
    except ValueError:
        raise ValueError(f"not a 'lat,lon' pair: {line[:40]!r}") from None


def _close_zone(platform: PlatformDep, principal: Principal, draft: ZoneDraft) -> None:
    """Parse the form into the API's own ``ZoneClosure`` and call the same service."""
    require_operator(principal)
    lines = [x.strip() for x in draft.points.splitlines() if x.strip()][: MAX_POINTS + 1]
    if not draft.hours.strip().isdigit() or not 1 <= int(draft.hours) <= 24 * 14:
        raise ValueError("the closure lasts 1 to 336 whole hours")
    now = platform.clock.now()
    body = ZoneClosure.model_validate(
        {
            "name": draft.name,
            "polygon": [_lat_lon(x) for x in lines],
            "handoff": _lat_lon(draft.handoff),
            "closed_until": now + timedelta(hours=int(draft.hours)),
            "reason": draft.reason,
            "level": draft.level,
        }
    )
    with platform.uow() as uow:
        safety.close_zone(
            uow,
            principal,
            name=body.name,
            polygon=[p.to_domain() for p in body.polygon],
            handoff=body.handoff.to_domain(),
            closed_from=None,
            closed_until=body.closed_until,
            reason=body.reason,
            level=body.level,
        )
        uow.commit()


def _problems(error: ValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()][:10]


@router.post("/console/zones")
async def draw_zone(request: Request, platform: PlatformDep) -> Response:
    """Close a risk zone drawn on the map (``POST /v1/risk-zones``' service); refused, the map
    again with the corners as typed and every problem named."""
    principal, values = await signed_in(request, platform, frozenset({"points"}))
    if principal is None:
        return to_login(request)
    draft = ZoneDraft(
        name=values.get("name", "")[:200],
        points=values.get("points", ""),
        handoff=values.get("handoff", "")[:60],
        hours=values.get("hours", "")[:4],
        reason=values.get("reason", "")[:500],
        level=values.get("level", "")[:10],
    )
    errors: list[str] = []
    try:
        await run_in_threadpool(_close_zone, platform, principal, draft)
    except ValidationError as error:
        errors = _problems(error)
    except (ValueError, TiffinError) as error:
        errors = [getattr(error, "detail", None) or str(error)]
    if not errors:
        return redirect("/console")
    now = platform.clock.now
    shown = ZoneDraft(**{**draft.__dict__, "errors": errors})
    return await _again(
        request,
        platform,
        "Draw a risk zone",
        lambda uow, v: desk_regions.zone_draw(uow, v, now(), shown),
    )


async def _again(
    request: Request,
    platform: PlatformDep,
    title: str,
    region: Callable[[UnitOfWork, Visitor], str],
) -> Response:
    """A refused form's page again, 422, announced to screen readers."""
    visitor, fresh = await visitor_of(request, platform)
    html = await run_in_threadpool(read, platform, lambda uow: region(uow, visitor))
    return html_answer(
        request,
        visitor,
        fresh,
        "page.html",
        status_code=422,
        title=i18n.translate(visitor.language, title),
        region=Markup(html),
        live=None,
        announce=True,
        body_class="wide",
    )


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw[:10]) if raw else None
    except ValueError:
        return None


@router.get("/console/care/ledger", response_class=HTMLResponse)
async def ledger_page(
    request: Request,
    platform: PlatformDep,
    reason: str = "",
    liable: str = "",
    day: str = "",
) -> Response:
    now = platform.clock.now
    wanted = LedgerFilter(reason[:30], liable[:20], _day(day))
    return await page(
        request,
        platform,
        "Compensation ledger",
        lambda uow, v: desk_regions.care_ledger_page(uow, v, now(), wanted),
        live=None,
        body_class="wide",
    )


@router.get("/console/care/policies/{kind}", response_class=HTMLResponse)
async def policy_page(
    kind: Kind,
    request: Request,
    platform: PlatformDep,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> Response:
    """The document in force as a form, or an older ``version`` loaded into it."""
    title = "Compensation policy" if kind == "compensation" else "Playbook"
    return await page(
        request,
        platform,
        title,
        lambda uow, v: desk_regions.policies(uow, v, kind, None, from_version=version),
        live=None,
        body_class="wide",
    )


def _save_policy(platform: PlatformDep, principal: Principal, draft: PolicyDraft) -> None:
    require_operator(principal)
    document = desk_regions.document_of(draft)
    with platform.uow() as uow:
        anomaly_queries.save_document(uow, principal, draft.kind, document)
        uow.commit()


@router.post("/console/care/policies/{kind}")
async def save_policy(kind: Kind, request: Request, platform: PlatformDep) -> Response:
    """Save a new version through ``PUT /v1/care/{kind}``'s service; refused, the form again
    with what was typed and every problem the validation named."""
    principal, values = await signed_in(request, platform, frozenset({"document"}))
    if principal is None:
        return to_login(request)
    names = ["version"] + [k for k, _ in desk_regions.POLICY_FIELDS]
    draft = PolicyDraft(
        kind, {k: values.get(k, "")[:12] for k in names}, values.get("document", "")
    )
    try:
        await run_in_threadpool(_save_policy, platform, principal, draft)
    except (ValueError, TiffinError) as error:
        shown = PolicyDraft(kind, draft.fields, draft.document, [_why(error)])
        title = "Compensation policy" if kind == "compensation" else "Playbook"

        def again(uow: UnitOfWork, v: Visitor) -> str:
            return desk_regions.policies(uow, v, kind, shown)

        return await _again(request, platform, title, again)
    return redirect(f"/console/care/policies/{kind}")


def _why(error: Exception) -> str:
    return str(getattr(error, "detail", None) or error)

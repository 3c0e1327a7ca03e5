"""/console (operators) and /app (customers, merchants, riders): HTML pages over the same
services as the API, signed in with an HttpOnly session cookie, every form CSRF-checked, the
live parts pushed as server-sent events (docs/console.md)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup
from pydantic import ValidationError

from tiffin.accounts import credentials
from tiffin.accounts.service import delete_tokens
from tiffin.anomalies import service as anomalies
from tiffin.anomalies.schemas import ActionIn, CloseIn, FeedbackIn, NoteIn, ProblemIn
from tiffin.api.common import ReasonIn
from tiffin.api.deps import PlatformDep, client_ip
from tiffin.api.idempotency import fingerprint, run_idempotent
from tiffin.api.writes import writing
from tiffin.care.call_list import mark_call_done
from tiffin.care.schemas import CallDoneIn
from tiffin.catalog import service as catalog
from tiffin.console import i18n, regions
from tiffin.console.csrf import (
    CSRF_COOKIE,
    CSRF_FIELD,
    LANGUAGE_COOKIE,
    MAX_TOKEN,
    SESSION_COOKIE,
    matches,
    new_token,
    safe_next,
)
from tiffin.console.render import Visitor, render
from tiffin.dispatch.schemas import WorkloadCapsChange
from tiffin.dispatch.workload_caps import set_caps
from tiffin.domain.order import Action
from tiffin.domain.principals import Principal, Role
from tiffin.errors import Forbidden, Invalid, TiffinError
from tiffin.incidents import service as incident_service
from tiffin.incidents.schemas import IncidentIn, UpdateIn
from tiffin.optimiser.caps import WorkloadCaps
from tiffin.ordering import service as ordering
from tiffin.ordering.schemas import LineIn, OrderCreate, OrderRead
from tiffin.riders import service as riders
from tiffin.store.uow import UnitOfWork

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).parent / "static"
LIVE_INTERVAL_SECONDS = 1.0  # a change shows within about a second (the brief: 2 s)
STREAM_SECONDS = 60.0  # then the browser reconnects: no stream outlives a server restart long
LANDING = {Role.OPERATOR: "/console"}  # everybody else: /app
MAX_FIELD = 2000
CODE_CHARS = set("abcdefghijklmnopqrstuvwxyz_0123456789")


def install(app: FastAPI) -> None:
    """Mount the pages and their own CSS/JS (served from this package, same origin)."""
    app.include_router(router)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")


# --- who is asking ---------------------------------------------------------------------------


def _tenant_setting(platform: PlatformDep, uow: UnitOfWork, tenant_id: str) -> tuple[str, str]:
    tenant = uow.tenants.get(tenant_id)
    if tenant is None:
        return "", "UTC"
    return tenant.name, tenant.time_zone  # the tenant's own clock, as in its messages


def _identify(platform: PlatformDep, token: str | None) -> tuple[Principal | None, str, str]:
    """The principal behind a session cookie (None when absent, expired or revoked), with the
    tenant's name and time zone."""
    if not token or len(token) > MAX_TOKEN:
        return None, "", "UTC"
    now = platform.clock.now()
    try:
        principal = platform.tokens.principal(lambda: platform.uow(read_only=True), token, now)
    except TiffinError:
        return None, "", "UTC"
    with platform.uow(read_only=True) as uow:
        name, tz = _tenant_setting(platform, uow, principal.tenant_id)
    return principal, name, tz


async def _visitor(request: Request, platform: PlatformDep) -> tuple[Visitor, bool]:
    """The visitor, and whether their CSRF cookie is new (to be set on the answer)."""
    principal, tenant, tz = await run_in_threadpool(
        _identify, platform, request.cookies.get(SESSION_COOKIE)
    )
    token = request.cookies.get(CSRF_COOKIE)
    fresh = not token or len(token) > MAX_TOKEN
    language = i18n.language_of(request.cookies.get(LANGUAGE_COOKIE))
    csrf = new_token() if fresh else str(token)
    return Visitor(principal, language, csrf, i18n.zone(tz), tenant), fresh


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _with_cookies(response: Response, request: Request, visitor: Visitor, fresh: bool) -> Response:
    if fresh:
        response.set_cookie(
            CSRF_COOKIE, visitor.csrf, httponly=True, samesite="lax", secure=_secure(request)
        )
    response.headers["Cache-Control"] = "no-store"
    return response


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _to_login(request: Request) -> RedirectResponse:
    return _redirect(f"/console/login?next={request.url.path}")


def _problem_code(request: Request) -> str:
    code = request.query_params.get("problem", "")[:60]
    return code if code and set(code) <= CODE_CHARS else ""


# --- pages -----------------------------------------------------------------------------------


def _html(
    request: Request,
    visitor: Visitor,
    fresh: bool,
    template: str,
    *,
    status_code: int = 200,
    **values: Any,
) -> Response:
    values.setdefault("problem", _problem_code(request))
    values.setdefault("body_class", "")
    html = render(template, visitor, here=request.url.path, **values)
    return _with_cookies(HTMLResponse(html, status_code=status_code), request, visitor, fresh)


def _read(platform: PlatformDep, work: Callable[[UnitOfWork], str]) -> str:
    with platform.uow(read_only=True) as uow:
        return work(uow)


async def _page(
    request: Request,
    platform: PlatformDep,
    title: str,
    region: Callable[[UnitOfWork, Visitor], str],
    *,
    live: str | None,
    announce: bool = False,
    body_class: str = "",
) -> Response:
    """A signed-in page: its layout, its region rendered now, and where to stream it from."""
    visitor, fresh = await _visitor(request, platform)
    if visitor.principal is None:
        return _to_login(request)
    words = i18n.translate
    try:
        html = await run_in_threadpool(_read, platform, lambda uow: region(uow, visitor))
    except TiffinError as error:
        return _html(
            request,
            visitor,
            fresh,
            "error.html",
            status_code=error.status,
            title=words(visitor.language, error.title),
            detail=error.detail,
        )
    return _html(
        request,
        visitor,
        fresh,
        "page.html",
        title=words(visitor.language, title),
        region=Markup(html),
        live=live,
        announce=announce,
        body_class=body_class,
    )


@router.get("/console/login", response_class=HTMLResponse)
async def login_page(request: Request, platform: PlatformDep) -> Response:
    visitor, fresh = await _visitor(request, platform)
    return _html(
        request,
        visitor,
        fresh,
        "login.html",
        title=i18n.translate(visitor.language, "Log in"),
        tenant_slug="campus",
        email="",
        next=safe_next(request.query_params.get("next"), ""),
    )


@router.get("/console", response_class=HTMLResponse)
async def console(request: Request, platform: PlatformDep) -> Response:
    visitor, _ = await _visitor(request, platform)
    if visitor.principal is not None and visitor.principal.role is not Role.OPERATOR:
        return _redirect("/app")
    now = platform.clock.now
    return await _page(
        request,
        platform,
        "Dispatch console",
        lambda uow, v: regions.operator(uow, v, now()),
        live="/console/live",
        body_class="wide",
    )


@router.get("/console/anomalies/{anomaly_id}", response_class=HTMLResponse)
async def anomaly_page(anomaly_id: str, request: Request, platform: PlatformDep) -> Response:
    return await _page(
        request,
        platform,
        "Anomaly",
        lambda uow, v: regions.anomaly(uow, v, anomaly_id[:40]),
        live=f"/console/anomalies/{anomaly_id[:40]}/live",
    )


@router.get("/console/incidents", response_class=HTMLResponse)
async def incidents_page(request: Request, platform: PlatformDep) -> Response:
    return await _page(
        request, platform, "Incidents", lambda uow, v: regions.incidents(uow, v), live=None
    )


@router.get("/console/incidents/{incident_id}", response_class=HTMLResponse)
async def incident_page(incident_id: str, request: Request, platform: PlatformDep) -> Response:
    return await _page(
        request,
        platform,
        "Post-incident review",
        lambda uow, v: regions.incident_review(uow, v, incident_id[:40]),
        live=None,
    )


@router.get("/console/care", response_class=HTMLResponse)
async def care_page(request: Request, platform: PlatformDep) -> Response:
    now = platform.clock.now
    return await _page(
        request,
        platform,
        "Care desk",
        lambda uow, v: regions.care_desk(uow, v, now()),
        live="/console/care/live",
        body_class="wide",
    )


@router.get("/console/dispatch", response_class=HTMLResponse)
async def dispatch_page(request: Request, platform: PlatformDep) -> Response:
    return await _page(
        request, platform, "Forecast and caps", lambda uow, v: regions.dispatch(uow, v), live=None
    )


@router.get("/console/riders/{rider_id}", response_class=HTMLResponse)
async def rider_page(rider_id: str, request: Request, platform: PlatformDep) -> Response:
    now = platform.clock.now
    return await _page(
        request,
        platform,
        "Rider",
        lambda uow, v: regions.rider_timeline(uow, v, rider_id[:40], now()),
        live=f"/console/riders/{rider_id[:40]}/live",
    )


@router.get("/app", response_class=HTMLResponse)
async def home(request: Request, platform: PlatformDep) -> Response:
    """The landing page of each role: a customer's merchants, a kitchen, a rider's phone."""
    visitor, _ = await _visitor(request, platform)
    if visitor.principal is None:
        return _to_login(request)
    role = visitor.principal.role
    if role is Role.OPERATOR:
        return _redirect("/console")
    now = platform.clock.now
    render_home = _home_region(role)
    titles = {Role.CUSTOMER: "Order food", Role.MERCHANT: "Kitchen", Role.RIDER: "Rider"}
    return await _page(
        request,
        platform,
        titles[role],
        lambda uow, v: render_home(uow, v, now()),
        live="/app/live",
        announce=role is not Role.MERCHANT,
    )


def _home_region(role: Role) -> Callable[[UnitOfWork, Visitor, datetime], str]:
    return {
        Role.CUSTOMER: regions.customer_home,
        Role.MERCHANT: regions.merchant,
        Role.RIDER: regions.rider,
    }.get(role, regions.operator)


@router.get("/app/merchants/{merchant_id}", response_class=HTMLResponse)
async def menu_page(merchant_id: str, request: Request, platform: PlatformDep) -> Response:
    key = uuid.uuid4().hex  # one per rendering of the form: a double submit places one order
    return await _page(
        request,
        platform,
        "Menu",
        lambda uow, v: regions.menu(uow, v, merchant_id[:40], idempotency_key=key),
        live=None,
    )


@router.get("/app/orders/{order_id}", response_class=HTMLResponse)
async def order_page(order_id: str, request: Request, platform: PlatformDep) -> Response:
    now = platform.clock.now
    return await _page(
        request,
        platform,
        "Order",
        lambda uow, v: regions.order(uow, v, order_id[:40], now()),
        live=f"/app/orders/{order_id[:40]}/live",
        announce=True,
    )


@router.get("/app/inbox", response_class=HTMLResponse)
async def inbox_page(request: Request, platform: PlatformDep) -> Response:
    return await _page(
        request,
        platform,
        "Inbox",
        lambda uow, v: regions.inbox(uow, v),
        live="/app/inbox/live",
        announce=True,
    )


# --- live regions (server-sent events) -------------------------------------------------------


def _event(html: str) -> str:
    data = "".join(f"data: {line}\n" for line in html.splitlines() or [""])
    return f"event: region\n{data}\n"


async def _stream(
    request: Request,
    platform: PlatformDep,
    region: Callable[[UnitOfWork, Visitor], str],
) -> Response:
    """Send the region whenever it changes (checked every second) for ``STREAM_SECONDS``; the
    visitor is identified again on every round, so a logout or an expired session ends it."""
    visitor, _ = await _visitor(request, platform)
    if visitor.principal is None:
        return Response(status_code=401)
    token = request.cookies.get(SESSION_COOKIE)

    async def events() -> AsyncIterator[str]:
        yield "retry: 1000\n\n"
        last = ""
        ends = time.monotonic() + STREAM_SECONDS
        while time.monotonic() < ends and not await request.is_disconnected():
            principal, _, _ = await run_in_threadpool(_identify, platform, token)
            if principal is None:
                return
            try:
                html = await run_in_threadpool(_read, platform, lambda uow: region(uow, visitor))
            except TiffinError:
                return
            yield _event(html) if html != last else ": still here\n\n"
            last = html
            await asyncio.sleep(LIVE_INTERVAL_SECONDS)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/console/live")
async def console_live(request: Request, platform: PlatformDep) -> Response:
    now = platform.clock.now
    return await _stream(request, platform, lambda uow, v: regions.operator(uow, v, now()))


@router.get("/console/anomalies/{anomaly_id}/live")
async def anomaly_live(anomaly_id: str, request: Request, platform: PlatformDep) -> Response:
    return await _stream(request, platform, lambda uow, v: regions.anomaly(uow, v, anomaly_id[:40]))


@router.get("/console/care/live")
async def care_live(request: Request, platform: PlatformDep) -> Response:
    now = platform.clock.now
    return await _stream(request, platform, lambda uow, v: regions.care_desk(uow, v, now()))


@router.get("/console/riders/{rider_id}/live")
async def rider_live(rider_id: str, request: Request, platform: PlatformDep) -> Response:
    now = platform.clock.now
    return await _stream(
        request, platform, lambda uow, v: regions.rider_timeline(uow, v, rider_id[:40], now())
    )


@router.get("/app/live")
async def home_live(request: Request, platform: PlatformDep) -> Response:
    visitor, _ = await _visitor(request, platform)
    role = visitor.principal.role if visitor.principal else Role.CUSTOMER
    render_home = _home_region(role)
    now = platform.clock.now
    return await _stream(request, platform, lambda uow, v: render_home(uow, v, now()))


@router.get("/app/orders/{order_id}/live")
async def order_live(order_id: str, request: Request, platform: PlatformDep) -> Response:
    now = platform.clock.now
    return await _stream(
        request, platform, lambda uow, v: regions.order(uow, v, order_id[:40], now())
    )


@router.get("/app/inbox/live")
async def inbox_live(request: Request, platform: PlatformDep) -> Response:
    return await _stream(request, platform, lambda uow, v: regions.inbox(uow, v))


# --- forms -----------------------------------------------------------------------------------


async def _form(request: Request) -> dict[str, str]:
    """The posted fields, refused (403 ``csrf_failed``) unless the token matches the cookie."""
    form = await request.form(max_files=0, max_fields=120)
    values = {k: v[:MAX_FIELD] for k, v in form.items() if isinstance(v, str)}
    if not matches(request.cookies.get(CSRF_COOKIE), values.get(CSRF_FIELD)):
        raise Forbidden(
            "the form's security token is missing or out of date; reload the page and try again",
            code="csrf_failed",
        )
    return values


async def _signed_in(
    request: Request, platform: PlatformDep
) -> tuple[Principal | None, dict[str, str]]:
    values = await _form(request)
    principal, _, _ = await run_in_threadpool(
        _identify, platform, request.cookies.get(SESSION_COOKIE)
    )
    return principal, values


def _problem_redirect(back: str, code: str) -> RedirectResponse:
    return _redirect(f"{back}?problem={code}")


async def _submit(
    request: Request,
    platform: PlatformDep,
    back: str,
    work: Callable[[Principal, dict[str, str]], None],
    *,
    write_slot: bool = False,
) -> Response:
    """Check the form, do ``work`` as the signed-in user, go back (with a problem code when
    the service refused: the page shows it)."""
    principal, values = await _signed_in(request, platform)
    if principal is None:
        return _to_login(request)
    try:
        if write_slot:
            await writing(platform, work, principal, values)
        else:
            await run_in_threadpool(work, principal, values)
    except TiffinError as error:
        return _problem_redirect(back, error.code)
    except ValidationError:
        return _problem_redirect(back, "invalid_input")
    return _redirect(back)


@router.post("/console/login")
async def login(request: Request, platform: PlatformDep) -> Response:
    values = await _form(request)
    tenant = values.get("tenant", "")[:60].strip()
    email = values.get("email", "")[:254].strip()
    password = values.get("password", "")[:200]
    visitor, fresh = await _visitor(request, platform)
    try:
        done = await run_in_threadpool(
            _log_in, platform, client_ip(request), tenant=tenant, email=email, password=password
        )
    except TiffinError as error:
        words = i18n.translate
        return _html(
            request,
            visitor,
            fresh,
            "login.html",
            status_code=error.status,
            title=words(visitor.language, "Log in"),
            tenant_slug=tenant,
            email=email,
            next=safe_next(values.get("next"), ""),
            problem=words(visitor.language, error.detail),
        )
    role = Role(done.user["role"])
    wanted = safe_next(values.get("next"), LANDING.get(role, "/app"))
    response = _redirect(wanted)
    secure = _secure(request)
    max_age = int((done.expires_at - platform.clock.now()).total_seconds())
    response.set_cookie(
        SESSION_COOKIE, done.token, max_age=max_age, httponly=True, samesite="lax", secure=secure
    )
    # A fresh form token with the fresh session: one planted before login is worth nothing.
    response.set_cookie(CSRF_COOKIE, new_token(), httponly=True, samesite="lax", secure=secure)
    return response


def _log_in(
    platform: PlatformDep, ip: str, *, tenant: str, email: str, password: str
) -> credentials.LoggedIn:
    """The API's login (same rate limit, lockout and refusal), on a worker thread: the limit
    may be a network call and the hash takes a few hundred milliseconds on purpose."""
    key = credentials.account_key(tenant, email)
    platform.limits.hit("login", f"ip:{ip}", f"account:{key}")
    return credentials.log_in(
        platform.uow,
        tenant=tenant,
        email=email,
        password=password,
        lockout=platform.lockout,
        ttl=timedelta(minutes=platform.settings.token_ttl_minutes),
    )


@router.post("/console/logout")
async def logout(request: Request, platform: PlatformDep) -> Response:
    principal, _ = await _signed_in(request, platform)
    token = request.cookies.get(SESSION_COOKIE)
    if principal is not None and token:

        def forget() -> None:
            with platform.uow() as uow:
                gone = delete_tokens(uow, user_id=principal.user_id, token=token)
                uow.commit()
            platform.tokens.revoke(gone, platform.clock.now())

        await run_in_threadpool(forget)
    response = _redirect("/console/login")
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return response


@router.post("/console/language")
async def switch_language(request: Request) -> Response:
    """Remember the language in a cookie (a year) and go back to the page it was chosen on."""
    values = await _form(request)
    response = _redirect(safe_next(values.get("next"), "/console"))
    response.set_cookie(
        LANGUAGE_COOKIE,
        i18n.language_of(values.get("language")),
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    return response


# operator: the exception queue


@router.post("/console/anomalies/{anomaly_id}/{step}")
async def anomaly_step(
    anomaly_id: str, step: str, request: Request, platform: PlatformDep
) -> Response:
    """Take, note, act on (a playbook step by hand) or close an anomaly of the queue."""
    if step not in ("take", "note", "act", "close"):
        raise Invalid("the step is take, note, act or close", code="unknown_step")
    anomaly_id = anomaly_id[:40]

    def work(principal: Principal, values: dict[str, str]) -> None:
        if principal.role is not Role.OPERATOR:
            raise Forbidden("only operators can do this", code="operator_only")
        with platform.uow() as uow:
            if step == "take":
                anomalies.take(uow, principal, anomaly_id)
            elif step == "note":
                text = NoteIn(text=values.get("text", "")).text
                anomalies.note(uow, principal, anomaly_id, text)
            elif step == "close":
                resolution = CloseIn(resolution=values.get("resolution", "")).resolution
                anomalies.close(uow, principal, anomaly_id, resolution)
            else:
                chosen = ActionIn.model_validate({"step": values.get("step", "")}).step
                anomalies.trigger(uow, platform.anomaly_engine, principal, anomaly_id, chosen)
            uow.commit()

    return await _submit(request, platform, "/console", work)


# operator: incidents


def _operator(principal: Principal) -> None:
    if principal.role is not Role.OPERATOR:
        raise Forbidden("only operators can do this", code="operator_only")


@router.post("/console/incidents")
async def open_incident(request: Request, platform: PlatformDep) -> Response:
    """Open an incident on one component with its impact (the status page shows it)."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        _operator(principal)
        body = IncidentIn.model_validate(
            {
                "title": values.get("title", ""),
                "components": {values.get("component", ""): values.get("impact", "")},
                "message": values.get("message", ""),
            }
        )
        with platform.uow() as uow:
            incident_service.open_incident(
                uow,
                tenant_id=principal.tenant_id,
                title=body.title,
                components={str(k): str(v) for k, v in body.components.items()},
                message=body.message,
                author=str(principal.actor),
                started_at=None,
            )
            uow.commit()

    return await _submit(request, platform, "/console/incidents", work)


@router.post("/console/incidents/{incident_id}/update")
async def update_incident(incident_id: str, request: Request, platform: PlatformDep) -> Response:
    """A new state and message; 'resolved' resolves it and makes good, as in the API."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        _operator(principal)
        body = UpdateIn.model_validate(
            {"state": values.get("state", ""), "message": values.get("message", "")}
        )
        with platform.uow() as uow:
            incident_service.post_update(
                uow,
                incident_id[:40],
                tenant_id=principal.tenant_id,
                state=body.state,
                message=body.message,
                author=str(principal.actor),
            )
            uow.commit()

    return await _submit(request, platform, "/console/incidents", work)


@router.post("/console/care/calls/{call_id}/done")
async def call_done(call_id: str, request: Request, platform: PlatformDep) -> Response:
    """The customer was called: the call leaves the list with what came of it."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        _operator(principal)
        outcome = CallDoneIn(outcome=values.get("outcome", "")).outcome
        with platform.uow() as uow:
            mark_call_done(
                uow,
                tenant_id=principal.tenant_id,
                call_id=call_id[:40],
                done_by=principal.user_id,
                outcome=outcome,
            )
            uow.commit()

    return await _submit(request, platform, "/console/care", work)


@router.post("/console/dispatch/caps")
async def change_caps(request: Request, platform: PlatformDep) -> Response:
    """New workload caps with the reason (the dispatcher applies them from its next cycle)."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        _operator(principal)
        fields = ("max_orders_per_hour", "max_continuous_minutes", "max_carried")
        raw: dict[str, Any] = {k: values.get(k, "") for k in fields}
        if not all(str(v).isdigit() for v in raw.values()):
            raise Invalid("the caps are whole numbers", code="bad_number")
        body = WorkloadCapsChange.model_validate(
            {**{k: int(v) for k, v in raw.items()}, "reason": values.get("reason", "")}
        )
        caps = WorkloadCaps(body.max_orders_per_hour, body.max_continuous_minutes, body.max_carried)
        with platform.uow() as uow:
            set_caps(uow, principal, caps, body.reason)
            uow.commit()

    return await _submit(request, platform, "/console/dispatch", work)


# customer: place an order


@router.post("/app/orders")
async def place_order(request: Request, platform: PlatformDep) -> Response:
    """The menu form: the same idempotent placement as POST /v1/orders, keyed by the form's
    own key, so a double click or a resubmitted form places one order."""
    principal, values = await _signed_in(request, platform)
    if principal is None:
        return _to_login(request)
    back = f"/app/merchants/{values.get('merchant_id', '')[:40]}"
    try:
        body = _order_body(values)
        key = values.get("idempotency_key", "")
        if not 1 <= len(key) <= 200:
            raise Invalid("the form has no order key; reload the menu", code="missing_key")
        await platform.limits.ahit("orders", f"user:{principal.user_id}")
        await platform.limits.ahit("orders_per_ip", f"ip:{client_ip(request)}")

        def work(uow: UnitOfWork) -> OrderRead:
            order = ordering.place_order(
                uow,
                principal,
                merchant_id=body.merchant_id,
                lines=[ordering.LineRequest(x.item_id, x.quantity) for x in body.items],
                dropoff=None,
                dropoff_note=body.dropoff_note,
                coupon_id=None,
                catalog=platform.catalog,
            )
            return OrderRead.of(order)

        answer = await writing(
            platform,
            run_idempotent,
            platform,
            principal,
            key,
            fingerprint("/app/orders", body),
            work,
            status_code=201,
        )
    except TiffinError as error:
        return _problem_redirect(back, error.code)
    except ValidationError:
        return _problem_redirect(back, "invalid_input")
    order_id = json.loads(bytes(answer.body))["id"]
    return _redirect(f"/app/orders/{order_id}")


def _order_body(values: dict[str, str]) -> OrderCreate:
    lines = []
    for name, value in values.items():
        if name.startswith("qty_") and value.strip() not in ("", "0"):
            if not value.strip().isdigit():
                raise Invalid("a quantity is a whole number", code="bad_quantity")
            lines.append(LineIn(item_id=name[4:], quantity=int(value)))
    if not lines:
        raise Invalid("choose at least one dish", code="empty_order")
    return OrderCreate(
        merchant_id=values.get("merchant_id", ""),
        items=lines,
        dropoff_note=values.get("dropoff_note") or None,
    )


@router.post("/app/anomalies/{anomaly_id}/feedback")
async def rate_handling(anomaly_id: str, request: Request, platform: PlatformDep) -> Response:
    """The customer rates how something that went wrong with their order was handled (once)."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        body = FeedbackIn.model_validate(
            {"rating": values.get("rating", ""), "comment": values.get("comment", "")},
            strict=False,
        )
        with platform.uow() as uow:
            anomalies.give_feedback(
                uow, principal, anomaly_id[:40], rating=body.rating, comment=body.comment
            )
            uow.commit()

    return await _submit(request, platform, "/app/inbox", work)


@router.post("/app/menu/{item_id}/{change}")
async def sold_out(item_id: str, change: str, request: Request, platform: PlatformDep) -> Response:
    """A kitchen marks a dish sold out, or back on sale (its own menu only)."""
    if change not in ("sold-out", "back"):
        raise Invalid("a dish is sold out or back on sale", code="unknown_step")

    def work(principal: Principal, values: dict[str, str]) -> None:
        with platform.uow() as uow:
            catalog.update_menu_item(uow, principal, item_id[:40], available=change == "back")
            uow.commit()

    return await _submit(request, platform, "/app", work)


@router.post("/app/orders/{order_id}/problem")
async def report_problem(order_id: str, request: Request, platform: PlatformDep) -> Response:
    """Missing, wrong or damaged food on a delivered order: an anomaly the playbook handles."""
    order_id = order_id[:40]

    def work(principal: Principal, values: dict[str, str]) -> None:
        body = ProblemIn.model_validate(
            {"problem": values.get("problem", ""), "note": values.get("note", "")}
        )
        with platform.uow() as uow:
            anomalies.report_problem(
                uow,
                platform.anomaly_engine,
                principal,
                order_id,
                problem=body.problem,
                photo_ref=None,
                note=body.note,
            )
            uow.commit()

    return await _submit(request, platform, f"/app/orders/{order_id}", work)


@router.post("/app/riders/orders/{order_id}/hand-back")
async def hand_back(order_id: str, request: Request, platform: PlatformDep) -> Response:
    """A rider who cannot carry an assigned order gives it back, saying why (re-dispatched)."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        reason = ReasonIn(reason=values.get("reason", "")).reason
        with platform.uow() as uow:
            riders.hand_back(uow, principal, order_id[:40], reason=reason)
            uow.commit()

    return await _submit(request, platform, "/app", work)


# merchant and rider: an order's steps

ORDER_STEPS = {
    "accept": Action.ACCEPT,
    "reject": Action.REJECT,
    "ready": Action.MARK_READY,
    "pickup": Action.PICK_UP,
    "deliver": Action.DELIVER,
}


@router.post("/app/orders/{order_id}/{step}")
async def order_step(order_id: str, step: str, request: Request, platform: PlatformDep) -> Response:
    action = ORDER_STEPS.get(step)
    if action is None:
        raise Invalid("the step is accept, reject, ready, pickup or deliver", code="unknown_step")

    def work(principal: Principal, values: dict[str, str]) -> None:
        reason = ReasonIn(reason=values.get("reason", "")).reason if action is Action.REJECT else ""
        with platform.uow() as uow:
            ordering.act(uow, principal, order_id[:40], action, reason=reason)
            uow.commit()

    return await _submit(request, platform, "/app", work, write_slot=True)


@router.post("/app/shift/{change}")
async def shift(change: str, request: Request, platform: PlatformDep) -> Response:
    if change not in ("start", "end"):
        raise Invalid("a shift can start or end", code="unknown_step")

    def work(principal: Principal, values: dict[str, str]) -> None:
        with platform.uow() as uow:
            if change == "start":
                where = regions.shift_start_point(uow, principal)
                riders.start_shift(uow, principal, location=where)
            else:
                riders.end_shift(uow, principal)
            uow.commit()

    return await _submit(request, platform, "/app", work)


@router.post("/app/offers/{offer_id}/{answer}")
async def offer_answer(
    offer_id: str, answer: str, request: Request, platform: PlatformDep
) -> Response:
    if answer not in ("accept", "reject"):
        raise Invalid("an offer is accepted or rejected", code="unknown_step")

    def work(principal: Principal, values: dict[str, str]) -> None:
        with platform.uow() as uow:
            if answer == "accept":
                riders.accept_offer(uow, principal, offer_id[:40])
            else:
                reason = ReasonIn(reason=values.get("reason", "")).reason
                riders.reject_offer(uow, principal, offer_id[:40], reason=reason)
            uow.commit()

    return await _submit(request, platform, "/app", work)

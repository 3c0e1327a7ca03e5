"""What every page and form of the console shares: who is asking (the session cookie), the
page layout, live regions as server-sent events, CSRF-checked forms (docs/console.md)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any, TypeVar

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from markupsafe import Markup
from pydantic import ValidationError

from tiffin.api.deps import PlatformDep
from tiffin.api.writes import writing
from tiffin.console import i18n
from tiffin.console.csrf import (
    CSRF_COOKIE,
    CSRF_FIELD,
    LANGUAGE_COOKIE,
    MAX_TOKEN,
    SESSION_COOKIE,
    matches,
    new_token,
)
from tiffin.console.render import Visitor, render
from tiffin.domain.principals import Principal, Role
from tiffin.errors import Forbidden, Invalid, TiffinError
from tiffin.store.uow import UnitOfWork

T = TypeVar("T")
LIVE_INTERVAL_SECONDS = 1.0  # a change shows within about a second (the brief: 2 s)
STREAM_SECONDS = 60.0  # then the browser reconnects: no stream outlives a server restart long
MAX_FIELD = 2000
MAX_DOCUMENT = 20_000  # a policy's JSON or a drawn zone's corners, for the fields that ask
CODE_CHARS = set("abcdefghijklmnopqrstuvwxyz_0123456789")


def _tenant_setting(platform: PlatformDep, uow: UnitOfWork, tenant_id: str) -> tuple[str, str]:
    tenant = uow.tenants.get(tenant_id)
    if tenant is None:
        return "", "UTC"
    return tenant.name, tenant.time_zone  # the tenant's own clock, as in its messages


def identify(platform: PlatformDep, token: str | None) -> tuple[Principal | None, str, str]:
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


async def visitor_of(request: Request, platform: PlatformDep) -> tuple[Visitor, bool]:
    """The visitor, and whether their CSRF cookie is new (to be set on the answer)."""
    principal, tenant, tz = await run_in_threadpool(
        identify, platform, request.cookies.get(SESSION_COOKIE)
    )
    token = request.cookies.get(CSRF_COOKIE)
    fresh = not token or len(token) > MAX_TOKEN
    language = i18n.language_of(request.cookies.get(LANGUAGE_COOKIE))
    csrf = new_token() if fresh else str(token)
    return Visitor(principal, language, csrf, i18n.zone(tz), tenant), fresh


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def with_cookies(response: Response, request: Request, visitor: Visitor, fresh: bool) -> Response:
    if fresh:
        response.set_cookie(
            CSRF_COOKIE, visitor.csrf, httponly=True, samesite="lax", secure=secure(request)
        )
    response.headers["Cache-Control"] = "no-store"
    return response


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def to_login(request: Request) -> RedirectResponse:
    return redirect(f"/console/login?next={request.url.path}")


def _problem_code(request: Request) -> str:
    code = request.query_params.get("problem", "")[:60]
    return code if code and set(code) <= CODE_CHARS else ""


# --- pages -----------------------------------------------------------------------------------


def html_answer(
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
    return with_cookies(HTMLResponse(html, status_code=status_code), request, visitor, fresh)


def read(platform: PlatformDep, work: Callable[[UnitOfWork], str]) -> str:
    with platform.uow(read_only=True) as uow:
        return work(uow)


async def page(
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
    visitor, fresh = await visitor_of(request, platform)
    if visitor.principal is None:
        return to_login(request)
    words = i18n.translate
    try:
        html = await run_in_threadpool(read, platform, lambda uow: region(uow, visitor))
    except TiffinError as error:
        return html_answer(
            request,
            visitor,
            fresh,
            "error.html",
            status_code=error.status,
            title=words(visitor.language, error.title),
            detail=error.detail,
        )
    return html_answer(
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


def _event(html: str) -> str:
    data = "".join(f"data: {line}\n" for line in html.splitlines() or [""])
    return f"event: region\n{data}\n"


async def stream(
    request: Request,
    platform: PlatformDep,
    region: Callable[[UnitOfWork, Visitor], str],
) -> Response:
    """Send the region whenever it changes (checked every second) for ``STREAM_SECONDS``; the
    visitor is identified again on every round, so a logout or an expired session ends it."""
    visitor, _ = await visitor_of(request, platform)
    if visitor.principal is None:
        return Response(status_code=401)
    token = request.cookies.get(SESSION_COOKIE)

    async def events() -> AsyncIterator[str]:
        yield "retry: 1000\n\n"
        last = ""
        ends = time.monotonic() + STREAM_SECONDS
        while time.monotonic() < ends and not await request.is_disconnected():
            principal, _, _ = await run_in_threadpool(identify, platform, token)
            if principal is None:
                return
            try:
                html = await run_in_threadpool(read, platform, lambda uow: region(uow, visitor))
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


async def form_values(request: Request, long: frozenset[str] = frozenset()) -> dict[str, str]:
    """The posted fields, refused (403 ``csrf_failed``) unless the token matches the cookie;
    the ``long`` ones may hold a document rather than a line."""
    form = await request.form(max_files=0, max_fields=120)
    values = {
        k: v[: MAX_DOCUMENT if k in long else MAX_FIELD]
        for k, v in form.items()
        if isinstance(v, str)
    }
    if not matches(request.cookies.get(CSRF_COOKIE), values.get(CSRF_FIELD)):
        raise Forbidden(
            "the form's security token is missing or out of date; reload the page and try again",
            code="csrf_failed",
        )
    return values


async def signed_in(
    request: Request, platform: PlatformDep, long: frozenset[str] = frozenset()
) -> tuple[Principal | None, dict[str, str]]:
    values = await form_values(request, long)
    principal, _, _ = await run_in_threadpool(
        identify, platform, request.cookies.get(SESSION_COOKIE)
    )
    return principal, values


def problem_redirect(back: str, code: str) -> RedirectResponse:
    return redirect(f"{back}?problem={code}")


async def submit(
    request: Request,
    platform: PlatformDep,
    back: str,
    work: Callable[[Principal, dict[str, str]], None],
    *,
    write_slot: bool = False,
) -> Response:
    """Check the form, do ``work`` as the signed-in user, go back (with a problem code when
    the service refused: the page shows it)."""
    principal, values = await signed_in(request, platform)
    if principal is None:
        return to_login(request)
    try:
        if write_slot:
            await writing(platform, work, principal, values)
        else:
            await run_in_threadpool(work, principal, values)
    except TiffinError as error:
        return problem_redirect(back, error.code)
    except ValidationError:
        return problem_redirect(back, "invalid_input")
    return redirect(back)


def local_moment(uow: UnitOfWork, principal: Principal, text: str) -> datetime:
    """A ``datetime-local`` field read on the tenant's wall clock (``bad_time`` if it is not
    a date and a time)."""
    tenant = uow.tenants.get(principal.tenant_id)
    try:
        at = datetime.fromisoformat(text.strip()[:40])
    except ValueError:
        raise Invalid("when is a date and a time", code="bad_time") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=i18n.zone(tenant.time_zone if tenant else "UTC"))
    return at


async def as_operator(
    request: Request,
    platform: PlatformDep,
    back: str,
    action: Callable[[UnitOfWork, Principal, dict[str, str]], T],
) -> T | Response:
    """Check the form, run ``action`` in one unit of work as the signed-in operator and commit:
    what it made, or the answer to give instead (the login page; ``back`` with the refusal's
    code). The caller answers with what was made (a new statement's page, a key's token, a
    trace) or, when it made nothing to show, goes back."""
    principal, values = await signed_in(request, platform)
    if principal is None:
        return to_login(request)

    def work() -> T:
        require_operator(principal)
        with platform.uow() as uow:
            made = action(uow, principal, values)
            uow.commit()
        return made

    try:
        return await run_in_threadpool(work)
    except TiffinError as error:
        return problem_redirect(back, error.code)
    except ValidationError:
        return problem_redirect(back, "invalid_input")


def require_operator(principal: Principal) -> None:
    if principal.role is not Role.OPERATOR:
        raise Forbidden("only operators can do this", code="operator_only")

"""Signing in and out of the pages, and the language switch."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from tiffin.accounts import credentials
from tiffin.accounts.service import delete_tokens
from tiffin.api.deps import PlatformDep, client_ip
from tiffin.console import i18n
from tiffin.console.csrf import CSRF_COOKIE, LANGUAGE_COOKIE, SESSION_COOKIE, new_token, safe_next
from tiffin.console.views.base import (
    form_values,
    html_answer,
    redirect,
    secure,
    signed_in,
    visitor_of,
)
from tiffin.domain.principals import Role
from tiffin.errors import TiffinError

router = APIRouter(include_in_schema=False)
LANDING = {Role.OPERATOR: "/console"}  # everybody else: /app


@router.get("/console/login", response_class=HTMLResponse)
async def login_page(request: Request, platform: PlatformDep) -> Response:
    visitor, fresh = await visitor_of(request, platform)
    return html_answer(
        request,
        visitor,
        fresh,
        "login.html",
        title=i18n.translate(visitor.language, "Log in"),
        tenant_slug="campus",
        email="",
        next=safe_next(request.query_params.get("next"), ""),
    )


@router.post("/console/login")
async def login(request: Request, platform: PlatformDep) -> Response:
    values = await form_values(request)
    tenant = values.get("tenant", "")[:60].strip()
    email = values.get("email", "")[:254].strip()
    password = values.get("password", "")[:200]
    visitor, fresh = await visitor_of(request, platform)
    try:
        done = await run_in_threadpool(
            _log_in, platform, client_ip(request), tenant=tenant, email=email, password=password
        )
    except TiffinError as error:
        words = i18n.translate
        return html_answer(
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
    response = redirect(wanted)
    https = secure(request)
    max_age = int((done.expires_at - platform.clock.now()).total_seconds())
    response.set_cookie(
        SESSION_COOKIE, done.token, max_age=max_age, httponly=True, samesite="lax", secure=https
    )
    # A fresh form token with the fresh session: one planted before login is worth nothing.
    response.set_cookie(CSRF_COOKIE, new_token(), httponly=True, samesite="lax", secure=https)
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
    principal, _ = await signed_in(request, platform)
    token = request.cookies.get(SESSION_COOKIE)
    if principal is not None and token:

        def forget() -> None:
            with platform.uow() as uow:
                gone = delete_tokens(uow, user_id=principal.user_id, token=token)
                uow.commit()
            platform.tokens.revoke(gone, platform.clock.now())

        await run_in_threadpool(forget)
    response = redirect("/console/login")
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return response


@router.post("/console/language")
async def switch_language(request: Request) -> Response:
    """Remember the language in a cookie (a year) and go back to the page it was chosen on."""
    values = await form_values(request)
    response = redirect(safe_next(values.get("next"), "/console"))
    response.set_cookie(
        LANGUAGE_COOKIE,
        i18n.language_of(values.get("language")),
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=secure(request),
    )
    return response

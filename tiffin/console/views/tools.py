"""/app's working pages beyond the landing screens: a kitchen's menu editor (rename, reprice,
add a dish, the preparation time), a rider's day (earnings and load) and a rider's insurance
claims and support requests, with their forms.

The forms call the services the API calls (``tiffin.catalog``, ``tiffin.safety.aid``) with
the API's own request models, so a bad price or an empty description is refused the same way
(the page shows the code); a claim keeps the API's idempotency, keyed by the form.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal, InvalidOperation

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from tiffin.anomalies import kitchen_delay
from tiffin.api.deps import PlatformDep
from tiffin.api.idempotency import fingerprint, run_idempotent
from tiffin.catalog import service as catalog
from tiffin.catalog.schemas import MenuItemCreate, MenuItemUpdate, MerchantUpdate
from tiffin.console import role_pages
from tiffin.console.views.base import (
    local_moment,
    page,
    problem_redirect,
    redirect,
    signed_in,
    submit,
    to_login,
)
from tiffin.domain.principals import Principal
from tiffin.errors import Invalid, TiffinError
from tiffin.safety.aid import claims, support
from tiffin.safety.aid.schemas import ClaimCreate, ClaimRead, SupportCreate
from tiffin.store.uow import UnitOfWork

router = APIRouter(include_in_schema=False)
_YUAN = re.compile(r"^\d{1,7}(\.\d{1,2})?$")


def cents(text: str) -> int:
    """``12.5`` yuan as 1250 cents; anything but a plain amount is ``bad_price``."""
    text = text.strip()
    if not _YUAN.match(text):
        raise Invalid("a price is yuan with at most two decimals, e.g. 12.50", code="bad_price")
    try:
        return int(Decimal(text) * 100)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise Invalid("a price is a number", code="bad_price") from None


# --- customer --------------------------------------------------------------------------------


@router.get("/app/wallet", response_class=HTMLResponse)
async def wallet(request: Request, platform: PlatformDep) -> Response:
    """The customer's credit, refunds, coupons and grants (their own only)."""
    return await page(request, platform, "Wallet", role_pages.wallet, live=None)


# --- kitchen ---------------------------------------------------------------------------------


@router.get("/app/menu", response_class=HTMLResponse)
async def menu_editor(request: Request, platform: PlatformDep) -> Response:
    """The kitchen's menu as forms (its own menu only: anyone else is refused)."""
    return await page(request, platform, "Menu editor", role_pages.menu_editor, live=None)


@router.post("/app/menu")
async def add_dish(request: Request, platform: PlatformDep) -> Response:
    """A kitchen adds a dish, validated as POST /v1/merchants/me/menu validates it."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        body = MenuItemCreate(
            name=values.get("name", ""), price_cents=cents(values.get("price", ""))
        )
        with platform.uow() as uow:
            catalog.add_menu_item(uow, principal, name=body.name, price_cents=body.price_cents)
            uow.commit()

    return await submit(request, platform, "/app/menu", work)


@router.post("/app/menu/{item_id}")
async def edit_dish(item_id: str, request: Request, platform: PlatformDep) -> Response:
    """A kitchen renames or reprices one of its own dishes (another kitchen's is not found)."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        body = MenuItemUpdate(
            name=values.get("name", ""), price_cents=cents(values.get("price", ""))
        )
        with platform.uow() as uow:
            catalog.update_menu_item(
                uow, principal, item_id[:40], name=body.name, price_cents=body.price_cents
            )
            uow.commit()

    return await submit(request, platform, "/app/menu", work)


@router.post("/app/kitchen/prep")
async def prep_time(request: Request, platform: PlatformDep) -> Response:
    """A kitchen running behind raises its preparation time: new orders are promised later
    (PATCH /v1/merchants/me). A delay on one order already placed has no API yet."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        raw = values.get("prep_minutes", "").strip()
        if not raw.isdigit():
            raise Invalid("minutes are a whole number", code="bad_minutes")
        body = MerchantUpdate(prep_minutes=int(raw))
        with platform.uow() as uow:
            catalog.update_merchant(uow, principal, prep_minutes=body.prep_minutes)
            uow.commit()

    return await submit(request, platform, "/app/menu", work)


@router.post("/app/kitchen/orders/{order_id}/delay")
async def report_delay(order_id: str, request: Request, platform: PlatformDep) -> Response:
    """A kitchen says an order will be late, by how much and why: the late-food anomaly opens
    now and the playbook tells the customer (``tiffin.anomalies.kitchen_delay``)."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        raw = values.get("minutes", "").strip()
        if not raw.isdigit() or len(raw) > 4:
            raise Invalid("minutes are a whole number", code="bad_minutes")
        with platform.uow() as uow:
            kitchen_delay.report_delay(
                uow,
                platform.anomaly_engine,
                principal,
                order_id[:40],
                minutes=int(raw),
                note=values.get("note", "")[:500],
            )
            uow.commit()

    return await submit(request, platform, "/app", work)


# --- rider -----------------------------------------------------------------------------------


@router.get("/app/today", response_class=HTMLResponse)
async def rider_today(request: Request, platform: PlatformDep) -> Response:
    """The rider's earnings and load today (read on demand: it sums the tenant's day)."""
    return await page(request, platform, "Today", role_pages.rider_today, live=None)


@router.get("/app/aid", response_class=HTMLResponse)
async def rider_aid(request: Request, platform: PlatformDep) -> Response:
    key = uuid.uuid4().hex  # one per rendering of the claim form: a double submit files one
    return await page(
        request,
        platform,
        "Insurance and support",
        lambda uow, v: role_pages.rider_aid(uow, v, claim_key=key),
        live=None,
    )


@router.post("/app/aid/claims")
async def file_claim(request: Request, platform: PlatformDep) -> Response:
    """A rider files an insurance claim: the same idempotent filing as the API, keyed by the
    form (409 ``no_valid_policy`` without a policy valid then)."""
    principal, values = await signed_in(request, platform)
    if principal is None:
        return to_login(request)
    key = values.get("idempotency_key", "")
    try:
        if not 1 <= len(key) <= 200:
            raise Invalid("the form has no claim key; reload the page", code="missing_key")
        with platform.uow(read_only=True) as uow:
            when = local_moment(uow, principal, values.get("incident_at", ""))
        body = ClaimCreate.model_validate(
            {
                "kind": values.get("kind", ""),
                "incident_at": when,
                "description": values.get("description", ""),
                "claimed_cents": cents(values.get("amount", "")),
            },
            strict=False,
        )

        def work(uow: UnitOfWork) -> ClaimRead:
            claim = claims.file_claim(
                uow,
                principal,
                kind=body.kind,
                incident_at=body.incident_at,
                description=body.description,
                claimed_cents=body.claimed_cents,
            )
            return ClaimRead.of(claim)

        await run_in_threadpool(
            run_idempotent,
            platform,
            principal,
            key,
            fingerprint("/app/aid/claims", body),
            work,
            status_code=201,
        )
    except TiffinError as error:
        return problem_redirect("/app/aid", error.code)
    except ValidationError:
        return problem_redirect("/app/aid", "invalid_input")
    return redirect("/app/aid")


@router.post("/app/aid/support")
async def request_support(request: Request, platform: PlatformDep) -> Response:
    """A rider asks for counselling or other support (urgent ones head the operators' list)."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        body = SupportCreate.model_validate(
            {
                "kind": values.get("kind", ""),
                "urgent": values.get("urgent") == "on",
                "description": values.get("description", ""),
            },
            strict=False,
        )
        with platform.uow() as uow:
            support.request_support(
                uow, principal, kind=body.kind, urgent=body.urgent, description=body.description
            )
            uow.commit()

    return await submit(request, platform, "/app/aid", work)

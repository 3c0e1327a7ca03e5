"""/app: the pages of customers (menus, orders, inbox), merchants (the kitchen) and riders
(the phone), their live regions and their forms."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from tiffin.anomalies import service as anomalies
from tiffin.anomalies.schemas import FeedbackIn, ProblemIn
from tiffin.api.common import ReasonIn
from tiffin.api.deps import PlatformDep, client_ip
from tiffin.api.idempotency import fingerprint, run_idempotent
from tiffin.api.writes import writing
from tiffin.catalog import service as catalog
from tiffin.console import regions
from tiffin.console.render import Visitor
from tiffin.console.views.base import (
    page,
    problem_redirect,
    redirect,
    signed_in,
    stream,
    submit,
    to_login,
    visitor_of,
)
from tiffin.domain.handover import DropoffProof
from tiffin.domain.order import Action
from tiffin.domain.principals import Principal, Role
from tiffin.errors import Invalid, TiffinError
from tiffin.ordering import service as ordering
from tiffin.ordering.schemas import DeliveryIn, LineIn, OrderCreate, OrderRead
from tiffin.riders import service as riders
from tiffin.store.uow import UnitOfWork

router = APIRouter(include_in_schema=False)


@router.get("/app", response_class=HTMLResponse)
async def home(request: Request, platform: PlatformDep) -> Response:
    """The landing page of each role: a customer's merchants, a kitchen, a rider's phone."""
    visitor, _ = await visitor_of(request, platform)
    if visitor.principal is None:
        return to_login(request)
    role = visitor.principal.role
    if role is Role.OPERATOR:
        return redirect("/console")
    now = platform.clock.now
    render_home = _home_region(role)
    titles = {Role.CUSTOMER: "Order food", Role.MERCHANT: "Kitchen", Role.RIDER: "Rider"}
    return await page(
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
    return await page(
        request,
        platform,
        "Menu",
        lambda uow, v: regions.menu(uow, v, merchant_id[:40], idempotency_key=key),
        live=None,
    )


@router.get("/app/orders/{order_id}", response_class=HTMLResponse)
async def order_page(order_id: str, request: Request, platform: PlatformDep) -> Response:
    now = platform.clock.now
    return await page(
        request,
        platform,
        "Order",
        lambda uow, v: regions.order(uow, v, order_id[:40], now()),
        live=f"/app/orders/{order_id[:40]}/live",
        announce=True,
    )


@router.get("/app/inbox", response_class=HTMLResponse)
async def inbox_page(request: Request, platform: PlatformDep) -> Response:
    return await page(
        request,
        platform,
        "Inbox",
        lambda uow, v: regions.inbox(uow, v),
        live="/app/inbox/live",
        announce=True,
    )


# live regions (server-sent events)


@router.get("/app/live")
async def home_live(request: Request, platform: PlatformDep) -> Response:
    visitor, _ = await visitor_of(request, platform)
    role = visitor.principal.role if visitor.principal else Role.CUSTOMER
    render_home = _home_region(role)
    now = platform.clock.now
    return await stream(request, platform, lambda uow, v: render_home(uow, v, now()))


@router.get("/app/orders/{order_id}/live")
async def order_live(order_id: str, request: Request, platform: PlatformDep) -> Response:
    now = platform.clock.now
    return await stream(
        request, platform, lambda uow, v: regions.order(uow, v, order_id[:40], now())
    )


@router.get("/app/inbox/live")
async def inbox_live(request: Request, platform: PlatformDep) -> Response:
    return await stream(request, platform, lambda uow, v: regions.inbox(uow, v))


# forms

# customer: place an order


@router.post("/app/orders")
async def place_order(request: Request, platform: PlatformDep) -> Response:
    """The menu form: the same idempotent placement as POST /v1/orders, keyed by the form's
    own key, so a double click or a resubmitted form places one order."""
    principal, values = await signed_in(request, platform)
    if principal is None:
        return to_login(request)
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
                coupon_id=body.coupon_id,
                contactless=body.contactless,
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
        return problem_redirect(back, error.code)
    except ValidationError:
        return problem_redirect(back, "invalid_input")
    order_id = json.loads(bytes(answer.body))["id"]
    return redirect(f"/app/orders/{order_id}")


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
        contactless=values.get("contactless") == "on",
        coupon_id=values.get("coupon_id") or None,
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

    return await submit(request, platform, "/app/inbox", work)


@router.post("/app/menu/{item_id}/{change}")
async def sold_out(item_id: str, change: str, request: Request, platform: PlatformDep) -> Response:
    """A kitchen marks a dish sold out, or back on sale (its own menu only)."""
    if change not in ("sold-out", "back"):
        raise Invalid("a dish is sold out or back on sale", code="unknown_step")

    def work(principal: Principal, values: dict[str, str]) -> None:
        with platform.uow() as uow:
            catalog.update_menu_item(uow, principal, item_id[:40], available=change == "back")
            uow.commit()

    return await submit(request, platform, "/app", work)


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

    return await submit(request, platform, f"/app/orders/{order_id}", work)


@router.post("/app/riders/orders/{order_id}/hand-back")
async def hand_back(order_id: str, request: Request, platform: PlatformDep) -> Response:
    """A rider who cannot carry an assigned order gives it back, saying why (re-dispatched)."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        reason = ReasonIn(reason=values.get("reason", "")).reason
        with platform.uow() as uow:
            riders.hand_back(uow, principal, order_id[:40], reason=reason)
            uow.commit()

    return await submit(request, platform, "/app", work)


# merchant and rider: an order's steps

ORDER_STEPS = {
    "accept": Action.ACCEPT,
    "reject": Action.REJECT,
    "ready": Action.MARK_READY,
    "pickup": Action.PICK_UP,
    "deliver": Action.DELIVER,
    "fail": Action.FAIL,  # the rider cannot deliver it: the reason opens the operators' case
}


@router.post("/app/orders/{order_id}/{step}")
async def order_step(order_id: str, step: str, request: Request, platform: PlatformDep) -> Response:
    action = ORDER_STEPS.get(step)
    if action is None:
        raise Invalid(
            "the step is accept, reject, ready, pickup, deliver or fail", code="unknown_step"
        )

    def work(principal: Principal, values: dict[str, str]) -> None:
        needs_reason = action in (Action.REJECT, Action.FAIL)
        reason = ReasonIn(reason=values.get("reason", "")).reason if needs_reason else ""
        with platform.uow() as uow:
            if action is Action.DELIVER:
                ordering.deliver(uow, principal, order_id[:40], _proof(values))
            else:
                ordering.act(uow, principal, order_id[:40], action, reason=reason)
            uow.commit()

    if action is Action.DELIVER:
        # code tries are limited per rider and order, as on POST /v1/orders/{id}/deliver
        visitor, _ = await visitor_of(request, platform)
        if visitor.principal is not None:
            key = f"{visitor.principal.user_id}:{order_id[:40]}"
            try:
                await platform.limits.ahit("dropoff_code", key)
            except TiffinError as error:
                return problem_redirect("/app", error.code)
    return await submit(request, platform, "/app", work, write_slot=True)


def _proof(values: dict[str, str]) -> DropoffProof:
    """The deliver form's proof of a contactless drop: the customer's code or a photo id
    (blank fields are none; a hand-over in person needs neither)."""
    body = DeliveryIn(
        dropoff_code=values.get("dropoff_code", "").strip() or None,
        photo_ref=values.get("photo_ref", "").strip() or None,
    )
    return body.to_domain()


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

    return await submit(request, platform, "/app", work)


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

    return await submit(request, platform, "/app", work)

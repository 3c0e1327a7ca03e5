"""/v1/orders: place (idempotent), list, follow, and move an order along its life cycle."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header, Request, status
from fastapi.responses import JSONResponse

from tiffin.api.common import ReasonIn
from tiffin.api.deps import CurrentPrincipal, PlatformDep, UowFactoryDep, client_ip
from tiffin.api.idempotency import fingerprint, run_idempotent
from tiffin.api.lean import LeanRoute
from tiffin.api.paging import PageDep
from tiffin.api.problems import error_responses
from tiffin.api.writes import writing
from tiffin.domain.order import Action, Order, OrderStatus
from tiffin.domain.principals import Principal, Role
from tiffin.domain.priorities import Priority, priority
from tiffin.ordering import service
from tiffin.ordering.schemas import DeliveryIn, OrderCreate, OrderRead
from tiffin.store.uow import UnitOfWork

router = APIRouter(
    prefix="/v1/orders", tags=["orders"], responses=error_responses(400, 401, 403, 404, 409, 422)
)

NO_BODY = DeliveryIn()  # no proof: a hand-over in person (the body is optional)

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="A key you choose per order; retries with it never duplicate the order.",
    ),
]


@priority(Priority.CORE)
async def place_order(
    body: OrderCreate,
    request: Request,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey,
    device_id: Annotated[str | None, Header(alias="X-Device-Id", max_length=128)] = None,
) -> JSONResponse:
    """A customer places an order; a retry with the same Idempotency-Key answers the first order
    (header Idempotent-Replayed), never a second one."""
    await platform.limits.ahit("orders", f"user:{principal.user_id}")
    await platform.limits.ahit("orders_per_ip", f"ip:{client_ip(request)}")
    lines = [service.LineRequest(x.item_id, x.quantity) for x in body.items]

    def work(uow: UnitOfWork) -> OrderRead:
        order = service.place_order(
            uow,
            principal,
            merchant_id=body.merchant_id,
            lines=lines,
            dropoff=body.dropoff.to_domain() if body.dropoff else None,
            dropoff_note=body.dropoff_note,
            coupon_id=body.coupon_id,
            catalog=platform.catalog,
            risk=platform.risk_gate,
            device_id=device_id,
            contactless=body.contactless,
            payment_instrument=body.payment_instrument,
        )
        return OrderRead.of(order, show_code=True)  # the customer who placed it

    return await writing(
        platform,
        run_idempotent,
        platform,
        principal,
        idempotency_key,
        fingerprint(request.url.path, body),
        work,
        status_code=201,
    )


# The hottest route: served by a LeanRoute (the same endpoint and OpenAPI operation, without
# FastAPI's general dependency solving; tiffin.api.lean). Registered first, as before.
router.add_api_route(
    "",
    place_order,
    methods=["POST"],
    status_code=status.HTTP_201_CREATED,
    response_model=OrderRead,
    responses=error_responses(429),
    route_class_override=LeanRoute,
)


@priority(Priority.IMPORTANT)
@router.get("")
def list_orders(
    open_uow: UowFactoryDep,
    principal: CurrentPrincipal,
    page: PageDep,
    status: OrderStatus | None = None,
) -> list[OrderRead]:
    """The orders the caller may see (their own, their kitchen's, their deliveries, or the tenant's
    for operators), newest first."""
    with open_uow(read_only=True) as uow:
        found = service.visible_orders(
            uow, principal, status=status, limit=page.rows, offset=page.offset
        )
        return [_read(o, principal) for o in page.window(found)]


@priority(Priority.IMPORTANT)
@router.get("/{order_id}")
def get_order(order_id: str, open_uow: UowFactoryDep, principal: CurrentPrincipal) -> OrderRead:
    """One order with its lines, prices and state, if the caller may see it."""
    with open_uow(read_only=True) as uow:
        return _read(service.visible_order(uow, principal, order_id), principal)


async def _act(
    platform: PlatformDep, principal: Principal, order_id: str, action: Action, reason: str = ""
) -> OrderRead:
    """One step of an order's life, in a write slot like placement (``tiffin.api.writes``)."""

    def step() -> OrderRead:
        with platform.uow() as uow:
            order = service.act(uow, principal, order_id, action, reason=reason)
            result = _read(order, principal)
            uow.commit()
        return result

    return await writing(platform, step)


def _read(order: Order, principal: Principal) -> OrderRead:
    """The drop-off code is the customer's to give: nobody else reads it."""
    own = principal.role is Role.CUSTOMER and principal.subject_id == order.customer_id
    return OrderRead.of(order, show_code=own)


@priority(Priority.CORE)
@router.post("/{order_id}/accept", summary="Merchant accepts the order")
async def accept(order_id: str, platform: PlatformDep, principal: CurrentPrincipal) -> OrderRead:
    """The merchant takes the order on; it goes to the kitchen and to dispatch."""
    return await _act(platform, principal, order_id, Action.ACCEPT)


@priority(Priority.CORE)
@router.post("/{order_id}/reject", summary="Merchant declines the order")
async def reject(
    order_id: str, body: ReasonIn, platform: PlatformDep, principal: CurrentPrincipal
) -> OrderRead:
    """The merchant declines the order with a reason; the customer is refunded and told."""
    return await _act(platform, principal, order_id, Action.REJECT, body.reason)


@priority(Priority.CORE)
@router.post("/{order_id}/ready", summary="Merchant marks the food ready")
async def ready(order_id: str, platform: PlatformDep, principal: CurrentPrincipal) -> OrderRead:
    """The kitchen has finished: the rider can pick the food up."""
    return await _act(platform, principal, order_id, Action.MARK_READY)


@priority(Priority.CORE)
@router.post("/{order_id}/pickup", summary="Rider picked the food up")
async def pick_up(order_id: str, platform: PlatformDep, principal: CurrentPrincipal) -> OrderRead:
    """The assigned rider has the food and is on the way."""
    return await _act(platform, principal, order_id, Action.PICK_UP)


@priority(Priority.CORE)
@router.post(
    "/{order_id}/deliver", summary="Rider handed the food over", responses=error_responses(429)
)
async def deliver(
    order_id: str,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    body: Annotated[DeliveryIn, Body()] = NO_BODY,
) -> OrderRead:
    """The assigned rider handed the food over: the order is done. A contactless order (the
    customer's choice, or an address in a closed zone) needs the customer's drop-off code or a
    photo reference instead; code tries are limited per rider and order."""
    proof = body.to_domain()
    if proof.code is not None:
        await platform.limits.ahit("dropoff_code", f"{principal.user_id}:{order_id}")

    def step() -> OrderRead:
        with platform.uow() as uow:
            order = service.deliver(uow, principal, order_id, proof)
            result = _read(order, principal)
            uow.commit()
        return result

    return await writing(platform, step)


@priority(Priority.CORE)
@router.post("/{order_id}/fail", summary="Rider or operator: delivery failed")
async def fail(
    order_id: str, body: ReasonIn, platform: PlatformDep, principal: CurrentPrincipal
) -> OrderRead:
    """The delivery could not be made; the reason starts compensation and the operators' queue."""
    return await _act(platform, principal, order_id, Action.FAIL, body.reason)


@priority(Priority.CORE)
@router.post("/{order_id}/cancel", summary="Cancel (customers only before the merchant accepts)")
async def cancel(
    order_id: str, body: ReasonIn, platform: PlatformDep, principal: CurrentPrincipal
) -> OrderRead:
    """Cancel the order with a reason: customers only before the merchant accepts, operators at any
    time."""
    return await _act(platform, principal, order_id, Action.CANCEL, body.reason)

"""Order use cases. Every function takes the acting ``Principal`` and refuses what that
principal may not see (404, so existence does not leak) or may not do (409/422)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tiffin.domain.geo import LatLon
from tiffin.domain.handover import NO_PROOF, DropoffProof, new_dropoff_code
from tiffin.domain.ids import new_id
from tiffin.domain.order import Action, IllegalTransition, Order, OrderLine, OrderStatus
from tiffin.domain.people import OfferStatus, clock_time, served
from tiffin.domain.principals import Principal, Role
from tiffin.errors import Conflict, Forbidden, Invalid, NotFound
from tiffin.ordering.checkout_cache import CheckoutCatalog
from tiffin.ordering.coupons import redeem
from tiffin.ordering.promise import promised_at
from tiffin.risk.features import Subject, remember_payment
from tiffin.risk.gate import RiskGate
from tiffin.store.uow import UnitOfWork


@dataclass(frozen=True)
class LineRequest:
    item_id: str
    quantity: int


def place_order(
    uow: UnitOfWork,
    principal: Principal,
    *,
    merchant_id: str,
    lines: Sequence[LineRequest],
    dropoff: LatLon | None = None,
    dropoff_note: str | None = None,
    coupon_id: str | None = None,
    catalog: CheckoutCatalog | None = None,
    risk: RiskGate | None = None,
    device_id: str | None = None,
    contactless: bool = False,
    payment_instrument: str | None = None,
) -> Order:
    """Place an order for the calling customer; prices are the menu's, never the client's.
    A coupon from the customer's wallet is checked and spent in the same transaction. Every
    order gets a drop-off code (a zone may close after placement and force contactless).

    ``catalog`` may hold copies of the buyer and the storefront from earlier orders; either way
    the commit is guarded by the catalog version they were read at (``CatalogChanged`` if it
    moved: retry); so may the tenant's weather windows, which lengthen the promise of an order
    in a storm's area. ``payment_instrument`` is the payment provider's fingerprint of the card or
    wallet paying: risk control counts what each one pays for. A drop-off in a zone early
    warning paused is a 409 ``zone_paused`` (read from the same copies: no extra statement)."""
    if principal.role is not Role.CUSTOMER or principal.subject_id is None:
        raise Forbidden("only customers place orders", code="customer_only")
    if catalog is None:
        catalog = CheckoutCatalog(capacity=0)
    found, front = catalog.for_order(uow, principal.subject_id, merchant_id)
    if found is None:
        raise NotFound("your customer profile is missing", resource="customer")
    customer, tenant = found.customer, found.tenant
    if front is None:
        raise Invalid(f"no merchant with id {merchant_id!r}", code="unknown_merchant")
    merchant, menu = front.merchant, front.menu
    if not merchant.is_open:
        raise Conflict(f"{merchant.name} is closed right now", code="merchant_closed")
    weather = catalog.weather(uow, tenant.id, found.catalog_version)
    where = dropoff or customer.address
    if not served(found.zones, where):
        raise Invalid(
            "the delivery address is outside every zone we serve", code="address_outside_zones"
        )
    now = uow.clock.now()
    paused = next((z for z in found.zones if z.orders_paused(now) and z.covers(where)), None)
    if paused is not None and paused.orders_paused_until is not None:
        until = clock_time(paused.orders_paused_until, tenant.time_zone)
        raise Conflict(
            f"new orders to {paused.name} are paused until {until}: too few riders for the orders"
            " there; orders already placed will be delivered",
            code="zone_paused",
        )
    order_lines = []
    for req in lines:
        item = menu.get(req.item_id)
        if item is None:
            raise Invalid(
                f"{merchant.name} has no menu item {req.item_id!r}", code="unknown_menu_item"
            )
        if not item.available:
            raise Conflict(f"{item.name} is sold out", code="item_unavailable")
        if req.quantity < 1:
            raise Invalid("quantities must be at least 1", code="bad_quantity")
        order_lines.append(OrderLine(item.id, item.name, req.quantity, item.price_cents))
    order_id = new_id("ord")
    discount = 0
    if coupon_id is not None:
        items = sum(line.total_cents for line in order_lines)
        discount = redeem(uow, customer.id, coupon_id, items_cents=items, order_id=order_id)
    try:
        order = Order.place(
            id=order_id,
            tenant_id=tenant.id,
            customer_id=customer.id,
            merchant_id=merchant.id,
            lines=order_lines,
            dropoff=where,
            dropoff_note=customer.address_note if dropoff_note is None else dropoff_note,
            delivery_fee_cents=tenant.delivery_fee_cents,
            placed_at=now,
            promised_at=promised_at(
                tenant=tenant, merchant=merchant, dropoff=where, placed_at=now, weather=weather
            ),
            discount_cents=discount,
            contactless=contactless,
            dropoff_code=new_dropoff_code(),
        )
    except IllegalTransition as exc:
        raise Invalid(exc.detail, code=exc.code) from None
    subject = Subject(
        tenant.id,
        customer.id,
        order.id,
        device_id,
        order_total_cents=order.total_cents,
        instrument=payment_instrument,
        dropoff=where,
    )
    if risk is not None:  # a block raises RiskBlocked: nothing is placed, the coupon unspent
        risk.check_order(uow, subject, coupon=coupon_id is not None)
    else:
        remember_payment(uow, subject)
    uow.orders.add(order)
    return order


def can_see(uow: UnitOfWork, principal: Principal, order: Order) -> bool:
    if order.tenant_id != principal.tenant_id:
        return False
    match principal.role:
        case Role.OPERATOR:
            return True
        case Role.CUSTOMER:
            return order.customer_id == principal.subject_id
        case Role.MERCHANT:
            return order.merchant_id == principal.subject_id
        case Role.RIDER:
            # Only while holding it (or offered it): the drop-off is a customer's address.
            if order.rider_id == principal.subject_id:
                return not order.is_terminal
            if principal.subject_id is None:
                return False
            return any(
                o.status is OfferStatus.PENDING
                for o in uow.offers.between(order.id, principal.subject_id)
            )
    return False


def visible_order(
    uow: UnitOfWork, principal: Principal, order_id: str, *, for_update: bool = False
) -> Order:
    order = uow.orders.get(order_id, for_update=for_update)
    if order is None or not can_see(uow, principal, order):
        raise NotFound(f"no order with id {order_id!r}", resource="order")
    return order


def visible_orders(
    uow: UnitOfWork,
    principal: Principal,
    *,
    status: OrderStatus | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Order]:
    """The orders the principal may see, newest first: an operator sees the tenant's, the others
    their own (a rider only those they carry now, as ``can_see``)."""
    own = principal.subject_id
    if principal.role is not Role.OPERATOR and own is None:
        return []  # a customer, merchant or rider account without its subject owns nothing
    return uow.orders.newest(
        principal.tenant_id,
        customer_id=own if principal.role is Role.CUSTOMER else None,
        merchant_id=own if principal.role is Role.MERCHANT else None,
        rider_id=own if principal.role is Role.RIDER else None,
        unfinished=principal.role is Role.RIDER,
        status=status,
        limit=limit,
        offset=offset,
    )


def act(
    uow: UnitOfWork,
    principal: Principal,
    order_id: str,
    action: Action,
    *,
    reason: str = "",
) -> Order:
    """Apply a life-cycle action on behalf of the principal (assignment goes through offers)."""
    if action in (Action.ASSIGN, Action.UNASSIGN):
        raise Invalid("riders are assigned through offers", code="use_offers")
    if action is Action.DELIVER:
        return deliver(uow, principal, order_id, NO_PROOF)
    order = visible_order(uow, principal, order_id, for_update=True)
    try:
        order.apply(action, actor=principal.actor, at=uow.clock.now(), reason=reason)
    except IllegalTransition as exc:
        raise Conflict(exc.detail, code=exc.code) from None
    if order.is_terminal:
        withdraw_open_offers(uow, order.id, reason=f"order {order.status.value}")
    return order


def deliver(uow: UnitOfWork, principal: Principal, order_id: str, proof: DropoffProof) -> Order:
    """The order reaches the door. Contactless (the customer's choice, or its address inside a
    zone closed to riders now) needs the drop-off code or a photo reference from the rider: a
    wrong code is a 422 ``wrong_dropoff_code``, no proof a 409 ``dropoff_proof_required``."""
    order = visible_order(uow, principal, order_id, for_update=True)
    now = uow.clock.now()
    try:
        order.deliver(
            actor=principal.actor,
            at=now,
            proof=proof,
            contactless=order.contactless or in_closed_zone(uow, order),
        )
    except IllegalTransition as exc:
        if exc.code == "wrong_dropoff_code":
            raise Invalid(exc.detail, code="wrong_dropoff_code") from None
        raise Conflict(exc.detail, code=exc.code) from None
    withdraw_open_offers(uow, order.id, reason="order delivered")
    return order


def in_closed_zone(uow: UnitOfWork, order: Order) -> bool:
    """Whether a zone closed to riders now covers the order's address (contactless forced)."""
    now = uow.clock.now()
    return any(
        z.closes_to_riders and z.active(now) and z.covers(order.dropoff)
        for z in uow.risk_zones.of_tenant(order.tenant_id)
    )


def withdraw_open_offers(uow: UnitOfWork, order_id: str, *, reason: str) -> None:
    now = uow.clock.now()
    for offer in uow.offers.pending_for(order_id):
        offer.withdraw(now, reason=reason)
        uow.offers.save(offer)

"""Rider use cases. A rider sees only their own offers and orders; an offer is a proposal that
becomes an assignment only when the rider accepts it while the order still needs a rider."""

from __future__ import annotations

from datetime import timedelta

from tiffin.accounts import vetting
from tiffin.domain.events import OfferMade, OfferRejected, RiderShiftEnded, RiderShiftStarted
from tiffin.domain.geo import LatLon, distance_m
from tiffin.domain.ids import new_id
from tiffin.domain.order import Action, IllegalTransition, OrderStatus
from tiffin.domain.people import Offer, OfferStatus, Rider, RiderShift, VehicleType
from tiffin.domain.principals import Principal, Role
from tiffin.errors import Conflict, Forbidden, Invalid, NotFound
from tiffin.ordering.service import withdraw_open_offers
from tiffin.risk import service as risk
from tiffin.risk.features import Subject
from tiffin.risk.model import Checkpoint
from tiffin.risk.service import Assessment
from tiffin.safety import eligibility
from tiffin.store.uow import UnitOfWork

OFFER_TTL = timedelta(minutes=2)
NEEDS_RIDER = frozenset({OrderStatus.ACCEPTED, OrderStatus.READY})


def register_rider(uow: UnitOfWork, *, tenant_id: str, name: str, vehicle: VehicleType) -> Rider:
    rider = Rider(id=new_id("rdr"), tenant_id=tenant_id, name=name, vehicle=vehicle)
    uow.riders.add(rider)
    return rider


def own_rider(uow: UnitOfWork, principal: Principal, *, for_update: bool = False) -> Rider:
    if principal.role is not Role.RIDER or principal.subject_id is None:
        raise Forbidden("only a rider account can do this", code="rider_only")
    return uow.riders.require(principal.subject_id, for_update=for_update)


def start_shift(uow: UnitOfWork, principal: Principal, *, location: LatLon) -> RiderShift:
    rider = own_rider(uow, principal, for_update=True)
    vetting.require_approved(uow, rider.id)
    if rider.on_shift:
        raise Conflict("you are on shift already", code="already_on_shift")
    eligibility.require_may_start(uow, rider)  # health check-in, training, insurance
    now = uow.clock.now()
    shift = RiderShift(new_id("sft"), rider.id, rider.tenant_id, started_at=now)
    rider.shift_started_at = now
    rider.location, rider.location_at, rider.moved_at = location, now, now
    uow.riders.save(rider)
    uow.shifts.add(shift)
    uow.emit(
        RiderShiftStarted(
            aggregate_id=rider.id,
            tenant_id=rider.tenant_id,
            at=now,
            actor=principal.actor,
        )
    )
    return shift


def end_shift(uow: UnitOfWork, principal: Principal) -> RiderShift:
    rider = own_rider(uow, principal, for_update=True)
    if not rider.on_shift:
        raise Conflict("you are not on shift", code="not_on_shift")
    carrying = uow.orders.carried_by(rider.id)
    if carrying:
        raise Conflict(
            f"finish or hand back your {len(carrying)} order(s) before ending the shift",
            code="orders_in_hand",
        )
    now = uow.clock.now()
    shift = uow.shifts.open_of(rider.id)
    if shift is None:  # on shift by the rider's record, but its shift row was never opened
        raise Conflict("you are not on shift", code="not_on_shift")
    shift.ended_at = now
    rider.shift_started_at = None
    uow.shifts.save(shift)
    uow.riders.save(rider)
    for offer in pending_offers(uow, rider.id):
        offer.withdraw(now, reason="shift ended")
        uow.offers.save(offer)
    uow.emit(
        RiderShiftEnded(
            aggregate_id=rider.id,
            tenant_id=rider.tenant_id,
            at=now,
            actor=principal.actor,
        )
    )
    return shift


MOVED_METRES = 30.0


def report_location(uow: UnitOfWork, principal: Principal, *, location: LatLon) -> Rider:
    rider = own_rider(uow, principal)
    now = uow.clock.now()
    if rider.location is None or distance_m(rider.location, location) >= MOVED_METRES:
        rider.moved_at = now  # the anomaly engine tells a standing rider from a riding one
    rider.location, rider.location_at = location, now
    uow.riders.save(rider)
    return rider


def pending_offers(uow: UnitOfWork, rider_id: str) -> list[Offer]:
    now = uow.clock.now()
    return [o for o in uow.offers.pending_for_rider(rider_id) if o.is_open(now)]


def offer_order(
    uow: UnitOfWork,
    *,
    tenant_id: str,
    order_id: str,
    rider_id: str,
    score: float | None = None,
    explanation: dict[str, object] | None = None,
    ttl: timedelta = OFFER_TTL,
) -> Offer:
    """Propose an order to a rider (the dispatcher or an operator calls this)."""
    order = uow.orders.get(order_id)
    if order is None or order.tenant_id != tenant_id:
        raise NotFound(f"no order with id {order_id!r}", resource="order")
    rider = uow.riders.get(rider_id)
    if rider is None or rider.tenant_id != tenant_id:
        raise Invalid(f"no rider with id {rider_id!r}", code="unknown_rider")
    if order.status not in NEEDS_RIDER:
        raise Conflict(
            f"the order is {order.status.value}; it needs no rider", code="order_not_dispatchable"
        )
    if not rider.on_shift:
        raise Conflict(f"{rider.name} is not on shift", code="rider_off_shift")
    eligibility.require_dispatchable(uow, rider)  # public-health mode: current equipment
    earlier = uow.offers.between(order.id, rider.id)
    if any(o.status in (OfferStatus.PENDING, OfferStatus.REJECTED) for o in earlier):
        raise Conflict(f"{rider.name} already has or refused this order", code="already_offered")
    now = uow.clock.now()
    offer = Offer(
        id=new_id("ofr"),
        tenant_id=tenant_id,
        order_id=order.id,
        rider_id=rider.id,
        created_at=now,
        expires_at=now + ttl,
        score=score,
        explanation=explanation or {},
    )
    uow.offers.add(offer)
    uow.emit(
        OfferMade(
            aggregate_id=order.id,
            tenant_id=tenant_id,
            at=now,
            offer_id=offer.id,
            rider_id=rider.id,
        )
    )
    return offer


def _own_offer(uow: UnitOfWork, principal: Principal, offer_id: str) -> Offer:
    rider = own_rider(uow, principal)
    offer = uow.offers.get(offer_id, for_update=True)
    if offer is None or offer.rider_id != rider.id:
        raise NotFound(f"no offer with id {offer_id!r}", resource="offer")
    if not offer.is_open(uow.clock.now()):
        raise Conflict(f"this offer is {_offer_state(offer, uow)}", code="offer_closed")
    return offer


def _offer_state(offer: Offer, uow: UnitOfWork) -> str:
    if offer.status is OfferStatus.PENDING and uow.clock.now() >= offer.expires_at:
        return "expired"
    return offer.status.value


def accept_offer(uow: UnitOfWork, principal: Principal, offer_id: str) -> Offer:
    offer = _own_offer(uow, principal, offer_id)
    rider = uow.riders.require(offer.rider_id)
    vetting.require_approved(uow, rider.id)
    if not rider.on_shift:
        raise Conflict("start your shift before accepting offers", code="rider_off_shift")
    eligibility.require_dispatchable(uow, rider)
    order = uow.orders.require(offer.order_id, for_update=True)
    now = uow.clock.now()
    try:
        order.apply(Action.ASSIGN, actor=principal.actor, at=now, rider_id=rider.id)
    except IllegalTransition as exc:
        raise Conflict(
            f"the order can no longer be taken: {exc.detail}", code="order_taken"
        ) from None
    try:
        offer.accept(now)
    except IllegalTransition as exc:  # it ran out between the check above and now
        raise Conflict(exc.detail, code=exc.code) from None
    uow.offers.save(offer)
    withdraw_open_offers(uow, order.id, reason="taken by another rider")
    return offer


def reject_offer(uow: UnitOfWork, principal: Principal, offer_id: str, *, reason: str) -> Offer:
    if not reason.strip():
        raise Invalid("say why you reject the offer", code="reason_required")
    offer = _own_offer(uow, principal, offer_id)
    now = uow.clock.now()
    try:
        offer.reject(now, reason=reason)
    except IllegalTransition as exc:  # it ran out between the check above and now
        raise Conflict(exc.detail, code=exc.code) from None
    uow.offers.save(offer)
    uow.emit(
        OfferRejected(
            aggregate_id=offer.order_id,
            tenant_id=offer.tenant_id,
            at=now,
            actor=principal.actor,
            reason=reason,
            offer_id=offer.id,
            rider_id=offer.rider_id,
        )
    )
    return offer


def hand_back(uow: UnitOfWork, principal: Principal, order_id: str, *, reason: str) -> Assessment:
    """The rider cannot carry an assigned order (a flat tyre, an accident): it goes back to the
    pool for re-dispatch, past the risk hand-back checkpoint. Review lets it go back and opens
    a case on the rider; block refuses it (403 ``risk_blocked``: an operator takes it from
    here), its decision kept all the same."""
    rider = own_rider(uow, principal)
    order = uow.orders.get(order_id, for_update=True)
    if order is None or order.rider_id != rider.id:
        raise NotFound(f"no order with id {order_id!r}", resource="order")
    try:
        order.apply(Action.UNASSIGN, actor=principal.actor, at=uow.clock.now(), reason=reason)
    except IllegalTransition as exc:
        raise Conflict(exc.detail, code=exc.code) from None
    subject = Subject(  # the step is not written yet (at commit): it counts as one more
        order.tenant_id,
        order.customer_id,
        order.id,
        order_total_cents=order.total_cents,
        rider_id=rider.id,
        counts_this_handback=True,
    )
    return risk.assess(uow, Checkpoint.HANDBACK, subject, blocking=True)

"""/v1/riders and /v1/offers: shifts, location, offers; operators list riders and make offers."""

from __future__ import annotations

from fastapi import APIRouter, status

from tiffin.api.common import ReasonIn
from tiffin.api.deps import CurrentPrincipal, OperatorPrincipal, UowFactoryDep
from tiffin.api.paging import PageDep
from tiffin.api.problems import error_responses
from tiffin.domain.people import RiderShift
from tiffin.domain.priorities import Priority, priority
from tiffin.riders import service
from tiffin.riders.schemas import LocationIn, OfferCreate, OfferRead, RiderRead, ShiftRead

router = APIRouter(
    prefix="/v1", tags=["riders"], responses=error_responses(400, 401, 403, 404, 409, 422)
)


def _shift(s: RiderShift) -> ShiftRead:
    return ShiftRead(id=s.id, rider_id=s.rider_id, started_at=s.started_at, ended_at=s.ended_at)


@priority(Priority.IMPORTANT)
@router.get("/riders")
def list_riders(
    open_uow: UowFactoryDep, principal: OperatorPrincipal, page: PageDep
) -> list[RiderRead]:
    """Operators see the tenant's riders, with shift state and last known place."""
    with open_uow(read_only=True) as uow:
        riders = uow.riders.of_tenant(principal.tenant_id, limit=page.rows, offset=page.offset)
    return [RiderRead.of(r) for r in page.window(riders)]


@priority(Priority.IMPORTANT)
@router.get("/riders/me")
def my_rider(open_uow: UowFactoryDep, principal: CurrentPrincipal) -> RiderRead:
    """The calling rider's own record: shift state, location, vetting."""
    with open_uow(read_only=True) as uow:
        return RiderRead.of(service.own_rider(uow, principal))


@priority(Priority.CORE)
@router.post("/riders/me/shift/start", status_code=status.HTTP_201_CREATED)
def start_shift(
    body: LocationIn, open_uow: UowFactoryDep, principal: CurrentPrincipal
) -> ShiftRead:
    """The rider goes on shift at a place; dispatch starts offering them orders."""
    with open_uow() as uow:
        shift = service.start_shift(uow, principal, location=body.location.to_domain())
        uow.commit()
    return _shift(shift)


@priority(Priority.CORE)
@router.post("/riders/me/shift/end")
def end_shift(open_uow: UowFactoryDep, principal: CurrentPrincipal) -> ShiftRead:
    """The rider goes off shift; no new offers reach them."""
    with open_uow() as uow:
        shift = service.end_shift(uow, principal)
        uow.commit()
    return _shift(shift)


@priority(Priority.IMPORTANT)
@router.post("/riders/me/location")
def report_location(
    body: LocationIn, open_uow: UowFactoryDep, principal: CurrentPrincipal
) -> RiderRead:
    """The rider's current place, which dispatch plans from."""
    with open_uow() as uow:
        rider = service.report_location(uow, principal, location=body.location.to_domain())
        uow.commit()
    return RiderRead.of(rider)


@priority(Priority.CORE)
@router.get("/riders/me/offers")
def my_offers(
    open_uow: UowFactoryDep, principal: CurrentPrincipal, page: PageDep
) -> list[OfferRead]:
    """The offers waiting for the calling rider's answer."""
    with open_uow(read_only=True) as uow:
        rider = service.own_rider(uow, principal)
        return [OfferRead.of(o) for o in page.of(service.pending_offers(uow, rider.id))]


@priority(Priority.CORE)
@router.post("/riders/me/orders/{order_id}/hand-back", status_code=status.HTTP_204_NO_CONTENT)
def hand_back(
    order_id: str, body: ReasonIn, open_uow: UowFactoryDep, principal: CurrentPrincipal
) -> None:
    """The rider gives an assigned order back with a reason; dispatch offers it again."""
    with open_uow() as uow:
        service.hand_back(uow, principal, order_id, reason=body.reason)
        uow.commit()


@priority(Priority.CORE)
@router.post("/orders/{order_id}/offers", status_code=status.HTTP_201_CREATED, tags=["orders"])
def offer_order(
    order_id: str, body: OfferCreate, open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> OfferRead:
    """An operator offers an order to a chosen rider, overriding dispatch."""
    with open_uow() as uow:
        offer = service.offer_order(
            uow,
            tenant_id=principal.tenant_id,
            order_id=order_id,
            rider_id=body.rider_id,
            explanation={"by": "operator", "user": principal.user_id},
        )
        uow.commit()
    return OfferRead.of(offer)


@priority(Priority.CORE)
@router.post("/offers/{offer_id}/accept")
def accept_offer(offer_id: str, open_uow: UowFactoryDep, principal: CurrentPrincipal) -> OfferRead:
    """The rider takes the offer: the order is assigned to them."""
    with open_uow() as uow:
        offer = service.accept_offer(uow, principal, offer_id)
        uow.commit()
    return OfferRead.of(offer)


@priority(Priority.CORE)
@router.post("/offers/{offer_id}/reject")
def reject_offer(
    offer_id: str, body: ReasonIn, open_uow: UowFactoryDep, principal: CurrentPrincipal
) -> OfferRead:
    """The rider declines the offer with a reason; dispatch tries someone else."""
    with open_uow() as uow:
        offer = service.reject_offer(uow, principal, offer_id, reason=body.reason)
        uow.commit()
    return OfferRead.of(offer)

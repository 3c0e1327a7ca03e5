"""Rider use cases on an in-memory unit of work: shifts, offers and what accepting one does."""

from __future__ import annotations

import pytest

from tests.unit.fakes import FakeUnitOfWork
from tests.unit.world import CAMPUS, MERCHANT, OTHER_RIDER, RIDER, TENANT, build_campus, place
from tiffin.domain.order import Action, OrderStatus
from tiffin.domain.people import OfferStatus
from tiffin.errors import Conflict, Invalid, NotFound
from tiffin.ordering.service import act
from tiffin.riders import service


@pytest.fixture
def uow() -> FakeUnitOfWork:
    """The campus with an accepted order and both riders on shift."""
    uow = FakeUnitOfWork()
    build_campus(uow)
    place(uow)
    uow.clock.advance(60)  # type: ignore[attr-defined]
    act(uow.real, MERCHANT, "ord_1", Action.ACCEPT)
    service.start_shift(uow.real, RIDER, location=CAMPUS)
    service.start_shift(uow.real, OTHER_RIDER, location=CAMPUS)
    uow.commit()
    return uow


def test_starting_a_shift_opens_one_and_tells_the_outbox_once(uow: FakeUnitOfWork) -> None:
    shift = uow.shifts.open_of("rdr_1")
    assert shift is not None and shift.started_at == uow.clock.now()
    assert uow.riders.require("rdr_1").on_shift
    assert uow.store.topics.count("rider.shift_started") == 2
    with pytest.raises(Conflict) as again:
        service.start_shift(uow.real, RIDER, location=CAMPUS)
    assert again.value.code == "already_on_shift"


def test_accepting_an_offer_assigns_the_order_and_withdraws_the_other_riders_offer(
    uow: FakeUnitOfWork,
) -> None:
    mine = service.offer_order(uow.real, tenant_id=TENANT, order_id="ord_1", rider_id="rdr_1")
    theirs = service.offer_order(uow.real, tenant_id=TENANT, order_id="ord_1", rider_id="rdr_2")
    uow.commit()
    service.accept_offer(uow.real, RIDER, mine.id)
    uow.commit()
    order = uow.orders.require("ord_1")
    assert (order.status, order.rider_id) == (OrderStatus.ASSIGNED, "rdr_1")
    assert uow.offers.require(mine.id).status is OfferStatus.ACCEPTED
    withdrawn = uow.offers.require(theirs.id)
    assert (withdrawn.status, withdrawn.reason) == (OfferStatus.WITHDRAWN, "taken by another rider")
    assert uow.store.topics[-2:] == ["offer.made", "order.assign"]
    with pytest.raises(Conflict):
        service.accept_offer(uow.real, OTHER_RIDER, theirs.id)


def test_an_order_is_offered_to_a_rider_once_and_only_their_own_offers_are_theirs(
    uow: FakeUnitOfWork,
) -> None:
    made = service.offer_order(uow.real, tenant_id=TENANT, order_id="ord_1", rider_id="rdr_1")
    with pytest.raises(Conflict) as twice:
        service.offer_order(uow.real, tenant_id=TENANT, order_id="ord_1", rider_id="rdr_1")
    assert twice.value.code == "already_offered"
    assert [o.id for o in service.pending_offers(uow.real, "rdr_1")] == [made.id]
    with pytest.raises(NotFound):
        service.accept_offer(uow.real, OTHER_RIDER, made.id)


def test_rejecting_needs_a_reason_and_is_recorded(uow: FakeUnitOfWork) -> None:
    made = service.offer_order(uow.real, tenant_id=TENANT, order_id="ord_1", rider_id="rdr_1")
    with pytest.raises(Invalid):
        service.reject_offer(uow.real, RIDER, made.id, reason="  ")
    service.reject_offer(uow.real, RIDER, made.id, reason="flat tyre")
    uow.commit()
    rejected = uow.offers.require(made.id)
    assert (rejected.status, rejected.reason) == (OfferStatus.REJECTED, "flat tyre")
    assert uow.store.topics[-1] == "offer.rejected"
    assert service.pending_offers(uow.real, "rdr_1") == []


def test_a_shift_ends_only_with_empty_hands_and_withdraws_what_was_offered(
    uow: FakeUnitOfWork,
) -> None:
    made = service.offer_order(uow.real, tenant_id=TENANT, order_id="ord_1", rider_id="rdr_2")
    service.accept_offer(uow.real, OTHER_RIDER, made.id)
    with pytest.raises(Conflict) as carrying:
        service.end_shift(uow.real, OTHER_RIDER)
    assert carrying.value.code == "orders_in_hand"
    place(uow, "ord_2")
    act(uow.real, MERCHANT, "ord_2", Action.ACCEPT)
    pending = service.offer_order(uow.real, tenant_id=TENANT, order_id="ord_2", rider_id="rdr_1")
    shift = service.end_shift(uow.real, RIDER)
    uow.commit()
    assert shift.ended_at == uow.clock.now()
    assert uow.shifts.open_of("rdr_1") is None and not uow.riders.require("rdr_1").on_shift
    assert uow.offers.require(pending.id).status is OfferStatus.WITHDRAWN

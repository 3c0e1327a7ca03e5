"""Order use cases on an in-memory unit of work: who may act and see, and what acting does to
the order, its offers and the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.unit.fakes import FakeUnitOfWork
from tests.unit.world import (
    CUSTOMER,
    MERCHANT,
    OPERATOR,
    OTHER_CUSTOMER,
    OTHER_RIDER,
    RIDER,
    TENANT,
    build_campus,
    place,
)
from tiffin.domain.order import Action, OrderStatus
from tiffin.domain.people import Offer, OfferStatus
from tiffin.errors import Conflict, Invalid, NotFound
from tiffin.ordering import service


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    build_campus(uow)
    place(uow)
    uow.commit()
    return uow


def offer(uow: FakeUnitOfWork, offer_id: str, rider_id: str, **kw: object) -> Offer:
    now = uow.clock.now()
    made = Offer(offer_id, TENANT, "ord_1", rider_id, now, now + timedelta(minutes=2), **kw)  # type: ignore[arg-type]
    uow.offers.add(made)
    return made


def test_merchant_accepting_changes_the_status_and_the_event_reaches_the_outbox_on_commit(
    uow: FakeUnitOfWork,
) -> None:
    uow.clock.advance(60)  # type: ignore[attr-defined]
    order = service.act(uow.real, MERCHANT, "ord_1", Action.ACCEPT)
    assert order.status is OrderStatus.ACCEPTED
    assert "order.accept" not in uow.store.topics  # nothing leaves before the commit
    uow.commit()
    assert uow.store.topics == ["order.placed", "order.accept"]
    assert uow.orders.require("ord_1").status is OrderStatus.ACCEPTED


def test_work_left_uncommitted_is_rolled_back(uow: FakeUnitOfWork) -> None:
    with FakeUnitOfWork(uow.store, uow.clock) as other:
        service.act(other.real, MERCHANT, "ord_1", Action.ACCEPT)
    with FakeUnitOfWork(uow.store, uow.clock) as fresh:
        assert fresh.orders.require("ord_1").status is OrderStatus.PLACED
    assert uow.store.topics == ["order.placed"]


def test_cancelling_withdraws_only_the_pending_offers(uow: FakeUnitOfWork) -> None:
    offer(uow, "ofr_1", "rdr_1")
    offer(uow, "ofr_2", "rdr_2", status=OfferStatus.REJECTED, reason="too far")
    uow.commit()
    service.act(uow.real, CUSTOMER, "ord_1", Action.CANCEL, reason="changed my mind")
    withdrawn, rejected = uow.offers.require("ofr_1"), uow.offers.require("ofr_2")
    assert (withdrawn.status, withdrawn.reason) == (OfferStatus.WITHDRAWN, "order cancelled")
    assert withdrawn.answered_at == uow.clock.now()
    assert (rejected.status, rejected.reason) == (OfferStatus.REJECTED, "too far")


def test_an_illegal_transition_is_a_conflict_and_assignment_goes_through_offers(
    uow: FakeUnitOfWork,
) -> None:
    with pytest.raises(Conflict):
        service.act(uow.real, CUSTOMER, "ord_1", Action.ACCEPT)  # a customer cannot accept
    with pytest.raises(Invalid) as refused:
        service.act(uow.real, OPERATOR, "ord_1", Action.ASSIGN)
    assert refused.value.code == "use_offers"


def test_strangers_get_not_found_and_a_rider_sees_an_order_only_once_offered_it(
    uow: FakeUnitOfWork,
) -> None:
    with pytest.raises(NotFound):
        service.visible_order(uow.real, OTHER_CUSTOMER, "ord_1")
    with pytest.raises(NotFound):
        service.visible_order(uow.real, RIDER, "ord_1")
    offer(uow, "ofr_1", "rdr_1")
    assert service.visible_order(uow.real, RIDER, "ord_1").id == "ord_1"
    with pytest.raises(NotFound):
        service.visible_order(uow.real, OTHER_RIDER, "ord_1")


def test_visible_orders_are_the_callers_own_newest_first(uow: FakeUnitOfWork) -> None:
    place(uow, "ord_2", minutes=5)
    place(uow, "ord_3", customer_id="cus_2", minutes=10)
    uow.commit()
    assert [o.id for o in service.visible_orders(uow.real, CUSTOMER)] == ["ord_2", "ord_1"]
    assert [o.id for o in service.visible_orders(uow.real, OPERATOR)] == [
        "ord_3",
        "ord_2",
        "ord_1",
    ]
    assert service.visible_orders(uow.real, RIDER) == []
    assert service.visible_orders(uow.real, OPERATOR, status=OrderStatus.ACCEPTED) == []

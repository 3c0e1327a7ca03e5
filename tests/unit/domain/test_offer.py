"""An offer's life: pending, then accepted, rejected, withdrawn or expired, and never twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from tiffin.domain.order import IllegalTransition
from tiffin.domain.people import Offer, OfferStatus

T0 = datetime(2026, 3, 2, 11, 30, tzinfo=UTC)
TTL = timedelta(seconds=60)
LATER = T0 + timedelta(seconds=10)
RUN_OUT = T0 + TTL


def pending() -> Offer:
    return Offer("ofr_1", "ten_1", "ord_1", "rid_1", created_at=T0, expires_at=T0 + TTL)


def test_accept_records_status_and_time_and_keeps_no_reason() -> None:
    offer = pending()
    offer.accept(LATER)
    assert (offer.status, offer.answered_at, offer.reason) == (OfferStatus.ACCEPTED, LATER, "")


def test_reject_records_the_riders_reason() -> None:
    offer = pending()
    offer.reject(LATER, reason="too far")
    assert (offer.status, offer.answered_at, offer.reason) == (
        OfferStatus.REJECTED,
        LATER,
        "too far",
    )


def test_reject_without_a_reason_is_refused_and_changes_nothing() -> None:
    offer = pending()
    with pytest.raises(IllegalTransition) as refused:
        offer.reject(LATER, reason="  ")
    assert refused.value.code == "reason_required"
    assert offer.status is OfferStatus.PENDING and offer.answered_at is None


def test_withdraw_closes_a_pending_offer_even_after_it_ran_out() -> None:
    offer = pending()
    offer.withdraw(RUN_OUT, reason="order cancelled")
    assert (offer.status, offer.reason) == (OfferStatus.WITHDRAWN, "order cancelled")


def test_expire_closes_an_offer_that_ran_out_as_unanswered() -> None:
    offer = pending()
    offer.expire(RUN_OUT)
    assert (offer.status, offer.answered_at, offer.reason) == (
        OfferStatus.EXPIRED,
        RUN_OUT,
        "no answer",
    )


def test_expire_before_the_offer_ran_out_is_refused() -> None:
    offer = pending()
    with pytest.raises(IllegalTransition) as refused:
        offer.expire(LATER)
    assert refused.value.code == "offer_not_expired"
    assert offer.status is OfferStatus.PENDING


@pytest.mark.parametrize("answer", ["accept", "reject"])
def test_an_offer_that_ran_out_cannot_be_answered(answer: str) -> None:
    offer = pending()
    with pytest.raises(IllegalTransition) as refused:
        _moves()[answer](offer, RUN_OUT)
    assert refused.value.code == "offer_closed"
    assert offer.status is OfferStatus.PENDING and offer.answered_at is None


def _moves() -> dict[str, Callable[[Offer, datetime], None]]:
    return {
        "accept": lambda o, at: o.accept(at),
        "reject": lambda o, at: o.reject(at, reason="busy"),
        "withdraw": lambda o, at: o.withdraw(at, reason="taken"),
        "expire": lambda o, at: o.expire(at),
    }


@pytest.mark.parametrize("first", ["accept", "reject", "withdraw", "expire"])
@pytest.mark.parametrize("second", ["accept", "reject", "withdraw", "expire"])
def test_a_closed_offer_takes_no_second_answer(first: str, second: str) -> None:
    offer = pending()
    moves = _moves()
    at = RUN_OUT if first == "expire" else LATER
    moves[first](offer, at)
    closed = (offer.status, offer.answered_at, offer.reason)
    with pytest.raises(IllegalTransition) as refused:
        moves[second](offer, RUN_OUT)
    assert refused.value.code == "offer_closed"
    assert (offer.status, offer.answered_at, offer.reason) == closed

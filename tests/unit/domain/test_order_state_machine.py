"""Every (state, action) pair of the order state machine, legal and illegal, and random walks."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tiffin.domain.events import Actor
from tiffin.domain.geo import LatLon
from tiffin.domain.order import (
    Action,
    IllegalTransition,
    Order,
    OrderLine,
    OrderStatus,
)

T0 = datetime(2026, 3, 2, 11, 30, tzinfo=UTC)
OPS = Actor("operator", "usr_ops")
A, S = Action, OrderStatus


def new_order() -> Order:
    return Order.place(
        id="ord_1",
        tenant_id="ten_1",
        customer_id="cus_1",
        merchant_id="mer_1",
        lines=[OrderLine("itm_1", "Noodles", 2, 1200)],
        dropoff=LatLon(31.03, 121.44),
        delivery_fee_cents=300,
        placed_at=T0,
        promised_at=T0 + timedelta(minutes=35),
    )


# How to reach each state from a fresh order (operator performs every step).
PATHS: dict[OrderStatus, list[Action]] = {
    S.PLACED: [],
    S.ACCEPTED: [A.ACCEPT],
    S.READY: [A.ACCEPT, A.MARK_READY],
    S.ASSIGNED: [A.ACCEPT, A.MARK_READY, A.ASSIGN],
    S.PICKED_UP: [A.ACCEPT, A.MARK_READY, A.ASSIGN, A.PICK_UP],
    S.DELIVERED: [A.ACCEPT, A.MARK_READY, A.ASSIGN, A.PICK_UP, A.DELIVER],
    S.CANCELLED: [A.CANCEL],
    S.FAILED: [A.ACCEPT, A.MARK_READY, A.ASSIGN, A.PICK_UP, A.FAIL],
}

# The expected table, written out by hand: (state, action) -> resulting state; absent = illegal.
LEGAL: dict[tuple[OrderStatus, Action], OrderStatus] = {
    (S.PLACED, A.ACCEPT): S.ACCEPTED,
    (S.PLACED, A.REJECT): S.CANCELLED,
    (S.PLACED, A.CANCEL): S.CANCELLED,
    (S.ACCEPTED, A.MARK_READY): S.READY,
    (S.ACCEPTED, A.ASSIGN): S.ASSIGNED,
    (S.ACCEPTED, A.CANCEL): S.CANCELLED,
    (S.READY, A.ASSIGN): S.ASSIGNED,
    (S.READY, A.CANCEL): S.CANCELLED,
    (S.ASSIGNED, A.MARK_READY): S.ASSIGNED,
    (S.ASSIGNED, A.UNASSIGN): S.READY,
    (S.ASSIGNED, A.PICK_UP): S.PICKED_UP,
    (S.ASSIGNED, A.CANCEL): S.CANCELLED,
    (S.PICKED_UP, A.DELIVER): S.DELIVERED,
    (S.PICKED_UP, A.FAIL): S.FAILED,
}


def drive(order: Order, path: list[Action], start: datetime = T0) -> datetime:
    at = start
    for action in path:
        at += timedelta(minutes=1)
        order.apply(action, actor=OPS, at=at, reason="test", rider_id="rdr_1")
    return at


@pytest.mark.parametrize("state", list(OrderStatus))
@pytest.mark.parametrize("action", list(Action))
def test_every_state_and_action_pair(state: OrderStatus, action: Action) -> None:
    order = new_order()
    at = drive(order, PATHS[state])
    assert order.status is state
    before = copy.deepcopy(order)
    expected = LEGAL.get((state, action))
    if expected is None:
        with pytest.raises(IllegalTransition):
            order.apply(action, actor=OPS, at=at + timedelta(minutes=1), reason="x", rider_id="r")
        assert order.status is before.status
        assert order.history == before.history
        assert len(order.events) == len(before.events)
    else:
        order.apply(action, actor=OPS, at=at + timedelta(minutes=1), reason="x", rider_id="r")
        assert order.status is expected
        assert order.history[-1].action is action
        assert order.events[-1].to_status == expected.value  # type: ignore[attr-defined]


def test_rider_can_be_assigned_while_the_kitchen_cooks_but_cannot_pick_up_unready_food() -> None:
    order = new_order()
    at = drive(order, [A.ACCEPT, A.ASSIGN])
    assert order.status is S.ASSIGNED and order.ready_at is None
    with pytest.raises(IllegalTransition) as err:
        order.apply(A.PICK_UP, actor=Actor("rider", "rdr_1"), at=at)
    assert err.value.code == "food_not_ready"
    order.apply(A.MARK_READY, actor=Actor("merchant", "mer_1"), at=at)
    order.apply(A.PICK_UP, actor=Actor("rider", "rdr_1"), at=at)
    assert order.status is S.PICKED_UP


def test_unassign_before_food_is_ready_returns_to_accepted() -> None:
    order = new_order()
    at = drive(order, [A.ACCEPT, A.ASSIGN])
    order.apply(A.UNASSIGN, actor=Actor("rider", "rdr_1"), at=at, reason="flat tyre")
    assert order.status is S.ACCEPTED and order.rider_id is None


@pytest.mark.parametrize(
    ("state", "action", "actor"),
    [
        (S.PLACED, A.ACCEPT, Actor("customer", "cus_1")),
        (S.PLACED, A.ACCEPT, Actor("rider", "rdr_1")),
        (S.ACCEPTED, A.MARK_READY, Actor("rider", "rdr_1")),
        (S.READY, A.ASSIGN, Actor("merchant", "mer_1")),
        (S.ASSIGNED, A.PICK_UP, Actor("merchant", "mer_1")),
        (S.ASSIGNED, A.PICK_UP, Actor("rider", "rdr_other")),
        (S.PICKED_UP, A.DELIVER, Actor("customer", "cus_1")),
        (S.PICKED_UP, A.DELIVER, Actor("rider", "rdr_other")),
        (S.ACCEPTED, A.CANCEL, Actor("customer", "cus_1")),
        (S.ASSIGNED, A.CANCEL, Actor("rider", "rdr_1")),
    ],
)
def test_actors_may_only_do_their_part(state: OrderStatus, action: Action, actor: Actor) -> None:
    order = new_order()
    at = drive(order, PATHS[state])
    with pytest.raises(IllegalTransition):
        order.apply(action, actor=actor, at=at, reason="because", rider_id="rdr_2")
    assert order.status is state


def test_customer_can_cancel_before_the_merchant_accepts() -> None:
    order = new_order()
    order.apply(A.CANCEL, actor=Actor("customer", "cus_1"), at=T0, reason="changed my mind")
    assert order.status is S.CANCELLED and order.finished_at == T0


@pytest.mark.parametrize("action", [A.REJECT, A.CANCEL])
def test_ending_an_order_needs_a_reason(action: Action) -> None:
    order = new_order()
    with pytest.raises(IllegalTransition) as err:
        order.apply(action, actor=OPS, at=T0, reason="  ")
    assert err.value.code == "reason_required"


def test_a_transition_cannot_go_back_in_time() -> None:
    order = new_order()
    with pytest.raises(IllegalTransition):
        order.apply(A.ACCEPT, actor=OPS, at=T0 - timedelta(seconds=1))


def test_every_transition_emits_one_event_with_actor_and_reason() -> None:
    order = new_order()
    drive(order, PATHS[S.DELIVERED])
    topics = [e.topic for e in order.events]
    assert topics == [
        "order.placed",
        "order.accept",
        "order.mark_ready",
        "order.assign",
        "order.pick_up",
        "order.deliver",
    ]
    assert all(e.actor == OPS for e in order.events[1:])
    assert order.total_cents == 2 * 1200 + 300


ROLES = ["customer", "merchant", "rider", "operator", "system"]


@settings(max_examples=300, deadline=None)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(list(Action)), st.sampled_from(ROLES), st.integers(0, 120)),
        max_size=25,
    )
)
def test_random_walks_keep_the_invariants(steps: list[tuple[Action, str, int]]) -> None:
    order = new_order()
    at = T0
    for action, role, seconds in steps:
        at += timedelta(seconds=seconds)
        subject = {"customer": "cus_1", "merchant": "mer_1", "rider": "rdr_1"}.get(role)
        before = copy.deepcopy(order)
        try:
            order.apply(action, actor=Actor(role, subject), at=at, reason="r", rider_id="rdr_1")
        except IllegalTransition:
            assert order.status is before.status
            assert order.history == before.history
            assert order.rider_id == before.rider_id
            continue
        assert before.status not in (S.DELIVERED, S.CANCELLED, S.FAILED)
        _check_invariants(order)


def _check_invariants(order: Order) -> None:
    assert len(order.events) == len(order.history) + 1
    times = [t.at for t in order.history]
    assert times == sorted(times) and all(t >= order.placed_at for t in times)
    for prev, nxt in zip(order.history, order.history[1:], strict=False):
        assert nxt.from_status is prev.to_status
    if order.status in (S.ASSIGNED, S.PICKED_UP, S.DELIVERED, S.FAILED):
        assert order.rider_id is not None
    if order.status in (S.PLACED, S.ACCEPTED, S.READY):
        assert order.rider_id is None
    if order.status in (S.PICKED_UP, S.DELIVERED, S.FAILED):
        assert order.ready_at is not None and order.picked_up_at is not None
        assert order.ready_at <= order.picked_up_at
    assert (order.finished_at is not None) == order.is_terminal

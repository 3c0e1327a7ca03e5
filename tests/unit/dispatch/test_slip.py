"""Re-dispatch on a slipping ETA: never picked-up food, never back to an earlier rider."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tiffin.optimiser.slip import Held, SlipRule, moved, slipping

RIDERS = [f"r{i}" for i in range(5)]


def test_a_much_later_rider_loses_the_order_to_the_earliest_other() -> None:
    held = Held("o1", "r0", eta_at_merchant=30, picked_up=False)
    assert slipping(held, {"r1": 12, "r2": 15}) == "r1"


def test_a_small_slip_keeps_the_order_where_it_is() -> None:
    held = Held("o1", "r0", eta_at_merchant=20, picked_up=False)
    assert slipping(held, {"r1": 12}, SlipRule(threshold_minutes=8)) is None


def test_picked_up_food_never_moves() -> None:
    held = Held("o1", "r0", eta_at_merchant=90, picked_up=True)
    assert slipping(held, {"r1": 0}) is None


def test_a_rider_who_held_it_before_is_never_chosen_again() -> None:
    held = Held("o1", "r1", 40, False, earlier_riders=frozenset({"r0"}), moves=0)
    assert slipping(held, {"r0": 1}, SlipRule(max_moves=3)) is None


def test_the_rule_needs_sane_settings() -> None:
    with pytest.raises(ValueError):
        SlipRule(threshold_minutes=0)


@settings(max_examples=300, deadline=None)
@given(
    start=st.integers(0, 120),
    rounds=st.lists(
        st.dictionaries(st.sampled_from(RIDERS), st.integers(0, 120), max_size=5),
        max_size=10,
    ),
    threshold=st.integers(1, 20),
    max_moves=st.integers(0, 4),
    pickup_round=st.integers(0, 10),
)
def test_an_order_never_loops_never_moves_once_picked_up_and_moves_a_bounded_number_of_times(
    start: int,
    rounds: list[dict[str, int]],
    threshold: int,
    max_moves: int,
    pickup_round: int,
) -> None:
    rule = SlipRule(threshold, max_moves)
    held = Held("o1", "r0", start, picked_up=False)
    holders = ["r0"]
    for n, others in enumerate(rounds):
        if n == pickup_round:
            held = Held(
                held.order_id,
                held.rider_id,
                held.eta_at_merchant,
                True,
                held.earlier_riders,
                held.moves,
            )
        to = slipping(held, others, rule)
        if to is None:
            continue
        assert not held.picked_up, "moved food already picked up"
        assert to not in holders, "went back to a rider who held it"
        assert held.eta_at_merchant - others[to] > threshold
        held = moved(held, to, others[to])
        holders.append(to)
    assert len(holders) == len(set(holders))
    assert len(holders) - 1 <= max_moves

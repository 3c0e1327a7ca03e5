"""Trust scores: counted events times weights, clamped, and every point explained."""

from __future__ import annotations

import pytest

from tiffin.errors import Invalid
from tiffin.trust.policy import DEFAULT_TRUST_POLICY, load_trust_policy, score


def test_the_reasons_add_up_to_the_score_and_say_what_raised_and_lowered_it() -> None:
    result = score("customer", {"orders_delivered": 12, "grants_received": 3}, DEFAULT_TRUST_POLICY)
    assert result.value == 60 + 12 - 6
    assert [(r.event, r.points) for r in result.reasons] == [
        ("orders_delivered", 12.0),
        ("grants_received", -6.0),
    ]
    assert result.value == round(result.base + sum(r.points for r in result.reasons))


def test_a_capped_event_stops_adding_and_the_score_stays_within_0_and_100() -> None:
    many = score("customer", {"orders_delivered": 500}, DEFAULT_TRUST_POLICY)
    assert many.value == 80 and many.trusted and many.reasons[0].count == 500
    abuser = score("customer", {"grants_reversed": 9}, DEFAULT_TRUST_POLICY)
    assert abuser.value == 0 and abuser.watched and not abuser.trusted


def test_weights_come_from_the_tenants_policy() -> None:
    strict = load_trust_policy(
        {"base": 50, "weights": {"rider": {"deliveries_late": {"points": -10}}}}
    )
    assert score("rider", {"deliveries_late": 2, "deliveries_on_time": 9}, strict).value == 30


def test_a_bad_policy_is_refused_with_its_problem_named() -> None:
    with pytest.raises(Invalid, match="base"):
        load_trust_policy({"base": 400})

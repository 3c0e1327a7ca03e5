"""Compensation policy: every rule, and the caps that no sequence of decisions can break."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tiffin.care.policy import (
    DEFAULT_POLICY,
    CompensationPolicy,
    Context,
    Instrument,
    Segment,
    decide,
    load_policy,
)
from tiffin.domain.anomalies import AnomalyType as A
from tiffin.domain.anomalies import Liability
from tiffin.errors import Invalid


def ctx(kind: A = A.DELIVERED_LATE, **kw: object) -> Context:
    base: dict[str, object] = {
        "kind": kind,
        "liable": Liability.PLATFORM,
        "minutes_late": 0.0,
        "segment": Segment.REGULAR,
        "order_total_cents": 2400,
        "customer_granted_cents": 0,
        "customer_grants": 0,
        "budget_used_cents": 0,
    }
    return Context(**(base | kw))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("late", "tier"),
    [(3, None), (5, "coupon-300"), (15, "credit-500"), (29, "credit-500"), (45, "credit-1000")],
)
def test_late_delivery_tiers_grow_with_minutes_late(late: float, tier: str | None) -> None:
    decision = decide(DEFAULT_POLICY, ctx(minutes_late=late))
    assert (decision.tier.name if decision.tier else None) == tier


def test_a_cancellation_refunds_everything_and_adds_goodwill() -> None:
    decision = decide(DEFAULT_POLICY, ctx(A.CANCELLED, liable=Liability.MERCHANT))
    assert decision.refund_cents == 2400 and decision.tier and decision.tier.name == "credit-500"


def test_the_customers_own_fault_earns_nothing() -> None:
    decision = decide(DEFAULT_POLICY, ctx(A.CANCELLED, liable=Liability.CUSTOMER))
    assert not decision.grants_anything


def test_high_value_customers_get_more_new_ones_a_bit_more() -> None:
    base = decide(DEFAULT_POLICY, ctx(minutes_late=20)).cost_cents
    assert decide(DEFAULT_POLICY, ctx(minutes_late=20, segment=Segment.HIGH_VALUE)).cost_cents == (
        base * 3 // 2
    )
    assert decide(DEFAULT_POLICY, ctx(minutes_late=20, segment=Segment.NEW)).cost_cents == 600


def test_budget_hit_degrades_to_a_cheaper_tier_and_says_so() -> None:
    left = DEFAULT_POLICY.daily_budget_cents - 400
    decision = decide(DEFAULT_POLICY, ctx(minutes_late=20, budget_used_cents=left))
    assert decision.tier and decision.tier.name == "coupon-300"
    assert decision.degraded and decision.budget_hit
    broke = decide(DEFAULT_POLICY, ctx(minutes_late=20, budget_used_cents=left + 400))
    assert broke.tier and broke.tier.instrument is Instrument.POINTS and broke.cost_cents == 0


def test_no_compensation_farming_a_customer_with_three_grants_this_week_gets_no_more() -> None:
    decision = decide(DEFAULT_POLICY, ctx(A.CANCELLED, customer_grants=3))
    assert decision.tier is None and decision.refund_cents == 2400  # their money, still


def test_per_customer_cap_in_cents() -> None:
    decision = decide(DEFAULT_POLICY, ctx(minutes_late=40, customer_granted_cents=1600))
    assert decision.tier and decision.cost_cents <= 400 and decision.degraded


def test_bad_policy_is_refused_with_a_reason() -> None:
    with pytest.raises(Invalid) as caught:
        load_policy({"version": 2, "rules": [{"type": "late", "tiers": []}]})
    assert caught.value.code == "bad_policy" and "rules.0.type" in str(caught.value)


anomaly = st.sampled_from([A.DELIVERED_LATE, A.CANCELLED, A.RIDER_LOST, A.ITEM_PROBLEM])


@settings(max_examples=200, deadline=None)
@given(
    events=st.lists(
        st.tuples(
            anomaly,
            st.floats(0, 90),
            st.sampled_from(list(Segment)),
            st.integers(0, 9),  # which of ten customers
        ),
        max_size=300,
    ),
    budget=st.integers(0, 20_000),
)
def test_no_sequence_of_decisions_breaks_the_budget_or_a_customers_cap(
    events: list[tuple[A, float, Segment, int]], budget: int
) -> None:
    policy = CompensationPolicy.model_validate(
        DEFAULT_POLICY.model_dump() | {"daily_budget_cents": budget}
    )
    spent = 0
    per_customer = [0] * 10
    grants = [0] * 10
    for kind, late, segment, who in events:
        d = decide(
            policy,
            ctx(
                kind,
                minutes_late=late,
                segment=segment,
                customer_granted_cents=per_customer[who],
                customer_grants=grants[who],
                budget_used_cents=spent,
            ),
        )
        spent += d.cost_cents
        per_customer[who] += d.cost_cents
        grants[who] += d.tier is not None
        assert spent <= budget
        assert per_customer[who] <= policy.per_customer_cap_cents
        assert grants[who] <= policy.per_customer_max_grants


def test_coupon_discounts_amount_or_percent_never_more_than_the_food() -> None:
    from tiffin.ordering.coupons import discount_for

    assert discount_for(300, 0, 2000) == 300
    assert discount_for(300, 10, 2000) == 200  # 10 % of 20.00
    assert discount_for(300, 50, 2000) == 300  # capped at its amount
    assert discount_for(3000, 0, 1200) == 1200  # never below zero

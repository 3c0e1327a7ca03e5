"""The feature catalogue's bookkeeping: every feature is read from somewhere, each checkpoint's
rules name only what it reads, and phone numbers written differently are the same phone."""

from __future__ import annotations

import pytest

from tiffin.domain.people import phone_key
from tiffin.risk.defaults import default_rules
from tiffin.risk.expr import compile_rule
from tiffin.risk.features import PART_OF, parts_for
from tiffin.risk.model import (
    FEATURES,
    HOT_FEATURES,
    READABLE,
    RIDER_FEATURES,
    Checkpoint,
    RuleInvalid,
    check_features,
)

# the subject's, a counter, or (checkout only) read from the subject's drop-off
GIVEN = {"order_total_cents", "claim_cents", "device_orders_24h", "dropoff_km_from_usual"}


def test_every_feature_is_read_from_a_part_or_given() -> None:
    assert set(PART_OF) | GIVEN == set(FEATURES)
    assert not set(PART_OF) & GIVEN


def test_a_ratio_reads_both_of_its_parts_and_nothing_else() -> None:
    assert parts_for({"claims_per_delivered_30d"}) == {"orders", "claims"}
    assert parts_for({"accounts_on_phone", "order_total_cents"}) == {"phone"}
    assert parts_for(set()) == frozenset()


def test_every_checkpoint_reads_something_and_the_default_rules_pass_their_own() -> None:
    assert set(READABLE) == set(Checkpoint)
    assert READABLE[Checkpoint.ORDER] == HOT_FEATURES
    assert not RIDER_FEATURES & READABLE[Checkpoint.CLAIM]
    for rule in default_rules():
        check_features(rule.expression, rule.checkpoint)
    checkpoints = {rule.checkpoint for rule in default_rules()}
    assert checkpoints == set(Checkpoint)


@pytest.mark.parametrize(
    ("text", "checkpoint"),
    [
        ("rider_handbacks_24h > 1", Checkpoint.CLAIM),
        ("claims_30d > 1", Checkpoint.HANDBACK),
        ("instrument_claims_30d > 1", Checkpoint.ORDER),
        ("phone_claims_30d > 1", Checkpoint.COUPON),
    ],
)
def test_a_rule_naming_what_its_checkpoint_cannot_read_is_refused(
    text: str, checkpoint: Checkpoint
) -> None:
    with pytest.raises(RuleInvalid):
        check_features(compile_rule(text, FEATURES), checkpoint)


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("+86 138 0013 8000", "3800138000"),
        ("13800138000", "3800138000"),
        ("138-0013-8000", "3800138000"),
        ("020 7946 0958", "2079460958"),
        ("", None),
        ("n/a", None),
        ("1234", None),
    ],
)
def test_phone_numbers_written_differently_are_one_phone(written: str, key: str | None) -> None:
    assert phone_key(written) == key

"""The rules every tenant runs until its operators save their own (version 0), and their
checkpoint-by-checkpoint reasons: claims farmed across accounts, devices, phones and cards;
orders from device and card farms; riders handing orders back."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from tiffin.risk.expr import compile_rule
from tiffin.risk.model import FEATURES, Checkpoint, Rule


@dataclass(frozen=True)
class DefaultRule:
    rule_id: str
    description: str
    expression: str
    score: int
    checkpoint: Checkpoint = Checkpoint.CLAIM


# What a tenant runs until its operators save rules of their own (version 0).
DEFAULT_RULES: tuple[DefaultRule, ...] = (
    DefaultRule(
        "claim_rate",
        "More than a third of the delivered orders in 30 days had a problem claimed",
        "claims_per_delivered_30d > 0.34 and claims_30d >= 3",
        60,
    ),
    DefaultRule("claim_burst", "Four or more claims in a day", "claims_24h >= 4", 60),
    DefaultRule(
        "shared_device",
        "Several accounts on one device, claiming between them",
        "accounts_on_device >= 2 and device_claims_30d >= 2",
        50,
    ),
    DefaultRule(
        "crowded_device",
        "A claim from a phone that four or more accounts use",
        "accounts_on_device >= 4",
        50,
    ),
    DefaultRule(
        "shared_address",
        "Four or more accounts at one address, this one claiming again",
        "accounts_on_address >= 4 and claims_30d >= 2",
        40,
    ),
    DefaultRule(
        "new_account_claims",
        "A week-old account claiming again",
        "new_account and claims_30d >= 2",
        30,
    ),
    DefaultRule(
        "rider_pair",
        "The same rider and customer, problems again and again",
        "rider_pair_claims_30d >= 4",
        30,
    ),
    DefaultRule(
        "order_burst",
        "Twenty orders in an hour from one account: a script, not a person",
        "orders_1h >= 20",
        100,
        Checkpoint.ORDER,
    ),
    DefaultRule(
        "device_farm",
        "Five or more accounts ordering from one device",
        "accounts_on_device >= 5",
        50,
        Checkpoint.ORDER,
    ),
    DefaultRule(
        "coupon_burst",
        "Coupons spent on four orders in a day from an account on a shared device",
        "coupon_uses_24h >= 3 and accounts_on_device >= 3",
        60,
        Checkpoint.COUPON,
    ),
    DefaultRule(
        "shared_phone",
        "Three or more accounts on one phone number, claiming between them",
        "accounts_on_phone >= 3 and phone_claims_30d >= 2",
        50,
    ),
    DefaultRule(
        "shared_card",
        "One card paying for three or more accounts, with claims on what it paid for",
        "accounts_on_instrument >= 3 and instrument_claims_30d >= 2",
        50,
    ),
    DefaultRule(
        "card_farm",
        "One card paying for five or more accounts' orders",
        "accounts_on_instrument >= 5",
        50,
        Checkpoint.ORDER,
    ),
    DefaultRule(
        "handback_burst",
        "A rider's third hand-back in a day",
        "rider_handbacks_24h >= 3",
        50,
        Checkpoint.HANDBACK,
    ),
    DefaultRule(
        "handback_habit",
        "A rider handing back more than a third of the orders taken in 30 days",
        "rider_handbacks_30d >= 5 and rider_handback_rate_30d > 0.34",
        50,
        Checkpoint.HANDBACK,
    ),
    DefaultRule(
        "quick_handback",
        "Handed back within two minutes of taking it, and not the first today",
        "minutes_since_assigned < 2 and rider_handbacks_24h >= 2",
        30,
        Checkpoint.HANDBACK,
    ),
    DefaultRule(
        "handback_spree",
        "Six hand-backs in a day: the next ones go through an operator",
        "rider_handbacks_24h >= 6",
        100,
        Checkpoint.HANDBACK,
    ),
    DefaultRule(
        "big_grant_new_account",
        "A large grant to a new account",
        "new_account and claim_cents >= 5000",
        50,
        Checkpoint.GRANT,
    ),
)


def default_rules() -> list[Rule]:
    """The defaults as version-0 rules (compiled once: rules are immutable)."""
    return list(_compiled_defaults())


@functools.cache
def _compiled_defaults() -> tuple[Rule, ...]:
    return tuple(
        Rule(
            d.rule_id,
            0,
            d.description,
            compile_rule(d.expression, FEATURES),
            d.score,
            d.checkpoint,
        )
        for d in DEFAULT_RULES
    )

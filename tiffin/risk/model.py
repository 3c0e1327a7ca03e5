"""Risk control's pure model: the features rules may read, rules, thresholds, and the decision.

A decision adds up the scores of the rules that fire at a checkpoint and compares the sum with
the tenant's thresholds: below ``review_score`` approve, from it review, from ``block_score``
block. Shadow rules are scored the same way beside the live ones and only recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from tiffin.errors import Forbidden, Invalid
from tiffin.risk.expr import Expression, Features, Type


class RuleInvalid(Invalid):
    code = "bad_rule"


class RiskBlocked(Forbidden):
    """A checkpoint refused the request; ``reason_code`` names the rule that weighed most."""

    code = "risk_blocked"
    exposed = ("reason_code",)  # shown in the problem body beside ``code``


class Checkpoint(StrEnum):
    CLAIM = "claim"  # a customer's problem report that would pay compensation
    GRANT = "grant"  # a grant above the tenant's threshold
    ORDER = "order"  # order placement (hot: counters and cached reads only)
    COUPON = "coupon"  # a coupon spent at checkout (hot, as ORDER)
    HANDBACK = "handback"  # a rider handing an assigned order back


class Verdict(StrEnum):
    APPROVE = "approve"
    REVIEW = "review"
    BLOCK = "block"


class Mode(StrEnum):
    LIVE = "live"
    SHADOW = "shadow"


# Every feature a rule may name, with its type. Counts are per customer unless named otherwise;
# windows are the last hour, day (24 h) and 30 days of the injected clock.
FEATURES: dict[str, Type] = {
    "orders_1h": Type.NUMBER,
    "orders_24h": Type.NUMBER,
    "orders_30d": Type.NUMBER,
    "delivered_30d": Type.NUMBER,
    "claims_1h": Type.NUMBER,  # problem reports, this one included at the claim checkpoint
    "claims_24h": Type.NUMBER,
    "claims_30d": Type.NUMBER,
    "claims_per_delivered_30d": Type.NUMBER,
    "grants_24h": Type.NUMBER,
    "grants_30d": Type.NUMBER,
    "granted_cents_30d": Type.NUMBER,
    "coupon_uses_24h": Type.NUMBER,
    "coupon_uses_30d": Type.NUMBER,
    "account_age_days": Type.NUMBER,
    "accounts_on_address": Type.NUMBER,  # customers with the same address (this one included)
    "accounts_on_device": Type.NUMBER,  # customers seen on the request's X-Device-Id
    "device_claims_30d": Type.NUMBER,  # claims by every account seen on the device
    "rider_pair_claims_30d": Type.NUMBER,  # claims on orders this rider brought this customer
    "order_total_cents": Type.NUMBER,
    "claim_cents": Type.NUMBER,  # what the claim would pay (the order total at the claim)
    "new_account": Type.BOOL,  # younger than 7 days
    "device_orders_24h": Type.NUMBER,  # orders placed from the request's device (counter)
    # The card or wallet paying (the order's ``payment_instrument``): orders it paid for, claims
    # and refunds on those orders, and the accounts it paid for, in 30 days.
    "instrument_orders_1h": Type.NUMBER,
    "instrument_orders_24h": Type.NUMBER,
    "instrument_orders_30d": Type.NUMBER,
    "instrument_claims_30d": Type.NUMBER,
    "instrument_refunds_30d": Type.NUMBER,
    "accounts_on_instrument": Type.NUMBER,
    # The customer's phone number: the accounts registered with it (0 when none was given),
    # and their claims in 30 days.
    "accounts_on_phone": Type.NUMBER,
    "phone_claims_30d": Type.NUMBER,
    # The rider handing an order back (this hand-back included): hand-backs and orders taken
    # in a day and 30 days, the share handed back, and how long ago they took this one.
    "rider_handbacks_24h": Type.NUMBER,
    "rider_handbacks_30d": Type.NUMBER,
    "rider_assignments_24h": Type.NUMBER,
    "rider_assignments_30d": Type.NUMBER,
    "rider_handback_rate_30d": Type.NUMBER,
    "minutes_since_assigned": Type.NUMBER,
    # Checkout only: km from this order's drop-off to the nearest of the customer's delivered
    # drop-offs in 90 days; 0 when there is none (a first order is new, not far).
    "dropoff_km_from_usual": Type.NUMBER,
}
CHECKOUT_ONLY = frozenset({"dropoff_km_from_usual"})
RIDER_FEATURES = frozenset(
    {
        "rider_handbacks_24h",
        "rider_handbacks_30d",
        "rider_assignments_24h",
        "rider_assignments_30d",
        "rider_handback_rate_30d",
        "minutes_since_assigned",
    }
)

# What the hot checkpoints can read without a database aggregate: sliding-window counters, the
# account's age (cached) and one keyed lookup of the device's accounts.
HOT_FEATURES = frozenset(
    {
        "orders_1h",
        "orders_24h",
        "coupon_uses_24h",
        "device_orders_24h",
        "accounts_on_device",
        "account_age_days",
        "new_account",
        "order_total_cents",
        "instrument_orders_1h",
        "instrument_orders_24h",
        "accounts_on_instrument",
        "accounts_on_phone",
        "dropoff_km_from_usual",
    }
)
HOT = frozenset({Checkpoint.ORDER, Checkpoint.COUPON})
# What each checkpoint can read: the hot ones their cheap set, a hand-back the rider's own
# and the order's amount, the customer checkpoints everything but the rider's.
READABLE: dict[Checkpoint, frozenset[str]] = {
    Checkpoint.ORDER: HOT_FEATURES,
    Checkpoint.COUPON: HOT_FEATURES,
    Checkpoint.HANDBACK: RIDER_FEATURES | {"order_total_cents"},
    Checkpoint.CLAIM: frozenset(FEATURES) - RIDER_FEATURES - CHECKOUT_ONLY,
    Checkpoint.GRANT: frozenset(FEATURES) - RIDER_FEATURES - CHECKOUT_ONLY,
}


def check_features(expression: Expression, checkpoint: Checkpoint) -> None:
    """A rule may name only the features its checkpoint reads."""
    readable = READABLE[checkpoint]
    if not expression.features <= readable:
        missing = ", ".join(sorted(expression.features - readable))
        raise RuleInvalid(
            f"the {checkpoint.value} checkpoint cannot read {missing}; it reads "
            + ", ".join(sorted(readable))
        )


def order_checkpoints(*, coupon: bool) -> tuple[Checkpoint, ...]:
    """The checkpoints an order passes: ORDER, and COUPON when one is spent."""
    return (Checkpoint.ORDER, Checkpoint.COUPON) if coupon else (Checkpoint.ORDER,)


def named(rules: Iterable[Rule], checkpoints: Iterable[Checkpoint]) -> frozenset[str]:
    """The features rules at ``checkpoints`` name, active or not (what a cache of rules that
    may outlive a snooze reads: one feature too many is harmless, one too few is not)."""
    at = frozenset(checkpoints)
    return frozenset(
        name for rule in rules if rule.checkpoint in at for name in rule.expression.features
    )


@dataclass(frozen=True)
class Rule:
    """One version of a tenant's rule."""

    rule_id: str
    version: int
    description: str
    expression: Expression
    score: int
    checkpoint: Checkpoint
    mode: Mode = Mode.LIVE
    enabled: bool = True
    snoozed_until: datetime | None = None

    def active(self, now: datetime) -> bool:
        return self.enabled and (self.snoozed_until is None or self.snoozed_until <= now)

    @property
    def key(self) -> str:
        return f"{self.rule_id}@{self.version}"


@dataclass(frozen=True)
class Thresholds:
    review_score: int = 50
    block_score: int = 100
    grant_threshold_cents: int = 2_000  # grants from this amount pass the grant checkpoint
    hold_hours: int = 24  # how long a held payout may wait for review

    def __post_init__(self) -> None:
        if not 0 < self.review_score <= self.block_score:
            raise ValueError("0 < review_score <= block_score")


@dataclass(frozen=True)
class Scored:
    verdict: Verdict
    score: int
    hits: tuple[str, ...] = field(default=())  # rule keys, highest score first


def score(rules: list[Rule], features: Features, thresholds: Thresholds) -> Scored:
    """Add up the firing rules' scores and place the sum against the thresholds."""
    fired = [r for r in rules if r.expression.holds(features)]
    fired.sort(key=lambda r: -r.score)
    total = sum(r.score for r in fired)
    if total >= thresholds.block_score:
        verdict = Verdict.BLOCK
    elif total >= thresholds.review_score:
        verdict = Verdict.REVIEW
    else:
        verdict = Verdict.APPROVE
    return Scored(verdict, total, tuple(r.key for r in fired))


def shadow_set(live: list[Rule], shadow: list[Rule]) -> list[Rule]:
    """What the rules would be with the shadow versions in force: a shadow version replaces
    the live version of the same rule; a new rule id adds to them."""
    replaced = {r.rule_id for r in shadow}
    return [r for r in live if r.rule_id not in replaced] + shadow


def reason_code(scored: Scored) -> str:
    """The machine reason a customer and an operator see: the rule that weighed most."""
    return f"risk:{scored.hits[0].split('@')[0]}" if scored.hits else "risk:none"

"""Risk control's pure model: the features rules may read, rules, thresholds, and the decision.

A decision adds up the scores of the rules that fire at a checkpoint and compares the sum with
the tenant's thresholds: below ``review_score`` approve, from it review, from ``block_score``
block. Shadow rules are scored the same way beside the live ones and only recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from tiffin.errors import Forbidden, Invalid
from tiffin.risk.expr import Expression, Features, Type, compile_rule


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
}

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
    }
)
HOT = frozenset({Checkpoint.ORDER, Checkpoint.COUPON})


def check_features(expression: Expression, checkpoint: Checkpoint) -> None:
    """A hot checkpoint's rule may name only the features that checkpoint reads."""
    if checkpoint in HOT and not expression.features <= HOT_FEATURES:
        missing = ", ".join(sorted(expression.features - HOT_FEATURES))
        raise RuleInvalid(
            f"the {checkpoint.value} checkpoint cannot read {missing}; it reads "
            + ", ".join(sorted(HOT_FEATURES))
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
        "big_grant_new_account",
        "A large grant to a new account",
        "new_account and claim_cents >= 5000",
        50,
        Checkpoint.GRANT,
    ),
)


def default_rules() -> list[Rule]:
    return [
        Rule(
            d.rule_id,
            0,
            d.description,
            compile_rule(d.expression, FEATURES),
            d.score,
            d.checkpoint,
        )
        for d in DEFAULT_RULES
    ]

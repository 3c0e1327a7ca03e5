"""Compensation policy (补偿政策): what an affected customer is given, decided as a pure function.

Inputs: the anomaly type, how late, who is liable, the customer's segment and recent grants, and
how much of the tenant's daily budget is spent. Output: at most one grant (a tier), or a sentence
saying why none. Tiers are tried best first; a tier that would break the daily budget or the
customer's cap for the period is skipped for the next ("degrades"), and the caller tells the
operator. Points cost no cash, so a policy that ends in a points tier always gives something
unless the customer hit their grant count cap.

A refund of the customer's own money for food never delivered is not goodwill: it is paid in
full whatever the budget, and is not counted against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tiffin.domain.anomalies import AnomalyType, Liability
from tiffin.errors import Invalid


class Instrument(StrEnum):
    CREDIT = "credit"  # 红包: account credit spendable on the next order
    COUPON = "coupon"  # 优惠券: amount off, with a minimum spend and an expiry, single use
    POINTS = "points"  # 积分: a points multiplier on the next order
    REFUND = "refund"  # money back to the payment method


class Segment(StrEnum):
    NEW = "new"
    REGULAR = "regular"
    FREQUENT = "frequent"
    HIGH_VALUE = "high_value"


class Tier(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    instrument: Instrument
    amount_cents: int = Field(default=0, ge=0)  # a percent coupon: the most it takes off
    percent_off: int = Field(default=0, ge=0, le=100)  # coupons: a percentage instead of an amount
    min_spend_cents: int = Field(default=0, ge=0)  # coupons
    expires_days: int = Field(default=14, ge=1)  # coupons
    points_multiplier: int = Field(default=0, ge=0)  # points: 2 = double points on the next order

    def cost_cents(self, factor: float) -> int:
        """Cash the platform (or the liable party) gives up if this tier is granted."""
        if self.instrument is Instrument.POINTS:
            return 0
        return round(self.amount_cents * factor)


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: AnomalyType
    min_minutes_late: float = 0
    refund_percent: int = Field(default=0, ge=0, le=100)  # of the order total: always paid
    tiers: list[Tier] = Field(default_factory=list)


class CompensationPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(default=1, ge=1)
    rules: list[Rule]
    segment_factor: dict[Segment, float] = Field(
        default_factory=lambda: {
            Segment.NEW: 1.2,
            Segment.REGULAR: 1.0,
            Segment.FREQUENT: 1.0,
            Segment.HIGH_VALUE: 1.5,
        }
    )
    period_days: int = Field(default=7, ge=1)
    per_customer_cap_cents: int = Field(default=2000, ge=0)  # goodwill per customer per period
    per_customer_max_grants: int = Field(default=3, ge=1)  # grants per customer per period
    daily_budget_cents: int = Field(default=50_000, ge=0)  # goodwill per tenant per day
    # Messages (tiffin.care.coalesce): trouble pushes per order, and the window in which a newer
    # message supersedes the last instead of being pushed on its own.
    max_pushes_per_order: int = Field(default=2, ge=1, le=10)
    coalesce_minutes: int = Field(default=4, ge=0, le=60)
    # Goodwill for each order an incident touched, best first (see tiffin/incidents).
    make_good: list[Tier] = Field(default_factory=lambda: _make_good_tiers())

    def rule_for(self, kind: AnomalyType, minutes_late: float) -> Rule | None:
        fitting = [r for r in self.rules if r.type is kind and r.min_minutes_late <= minutes_late]
        return max(fitting, key=lambda r: r.min_minutes_late, default=None)


@dataclass(frozen=True)
class Context:
    kind: AnomalyType
    liable: Liability
    minutes_late: float
    segment: Segment
    order_total_cents: int
    customer_granted_cents: int  # goodwill this period
    customer_grants: int  # grants this period
    budget_used_cents: int  # the tenant's goodwill today


@dataclass(frozen=True)
class Decision:
    tier: Tier | None
    cost_cents: int  # goodwill, counted against budget and caps
    refund_cents: int  # the customer's own money back, outside the budget
    degraded: bool  # a better tier was skipped
    budget_hit: bool  # ... because of the tenant's daily budget
    why: str

    @property
    def grants_anything(self) -> bool:
        return self.tier is not None or self.refund_cents > 0


def decide(policy: CompensationPolicy, ctx: Context) -> Decision:
    if ctx.liable is Liability.CUSTOMER:
        return Decision(None, 0, 0, False, False, "the customer caused it: no compensation")
    rule = policy.rule_for(ctx.kind, ctx.minutes_late)
    if rule is None:
        return Decision(None, 0, 0, False, False, f"policy grants nothing for {ctx.kind.value}")
    refund = ctx.order_total_cents * rule.refund_percent // 100
    label = f"{rule.type.value} rule (≥{rule.min_minutes_late:g} min late)"
    return _first_fitting(policy, rule.tiers, ctx, refund, label)


def decide_make_good(policy: CompensationPolicy, ctx: Context) -> Decision:
    """Goodwill for an order an incident touched: the policy's make-good tiers, under the same
    budget and caps as anomalies (``ctx.kind`` is not used)."""
    return _first_fitting(policy, policy.make_good, ctx, 0, "make-good after an incident")


def _first_fitting(
    policy: CompensationPolicy, tiers: list[Tier], ctx: Context, refund: int, label: str
) -> Decision:
    """The best tier that fits the budget and the customer's caps (tiers are best first)."""
    if ctx.customer_grants >= policy.per_customer_max_grants:
        return Decision(
            None,
            0,
            refund,
            bool(tiers),
            False,
            f"customer already had {ctx.customer_grants} grants in {policy.period_days} days",
        )
    factor = policy.segment_factor.get(ctx.segment, 1.0)
    budget_left = policy.daily_budget_cents - ctx.budget_used_cents
    cap_left = policy.per_customer_cap_cents - ctx.customer_granted_cents
    degraded = budget_hit = False
    for tier in tiers:
        cost = tier.cost_cents(factor)
        if cost > budget_left:
            degraded = budget_hit = True
            continue
        if cost > cap_left:
            degraded = True
            continue
        why = f"{label}, tier {tier.name}"
        if degraded:
            why += " after better tiers did not fit the budget or the customer's cap"
        return Decision(tier, cost, refund, degraded, budget_hit, why)
    why = "no tier fits the remaining budget or the customer's cap" if tiers else "refund only"
    return Decision(None, 0, refund, degraded, budget_hit, why)


def _coupon(amount: int, min_spend: int) -> Tier:
    return Tier(
        name=f"coupon-{amount}",
        instrument=Instrument.COUPON,
        amount_cents=amount,
        min_spend_cents=min_spend,
    )


def _credit(amount: int) -> Tier:
    return Tier(name=f"credit-{amount}", instrument=Instrument.CREDIT, amount_cents=amount)


def _make_good_tiers() -> list[Tier]:
    return [_credit(300), DOUBLE_POINTS]


DOUBLE_POINTS: Tier = Tier(name="double-points", instrument=Instrument.POINTS, points_multiplier=2)

DEFAULT_POLICY = CompensationPolicy(
    version=1,
    rules=[
        Rule(
            type=AnomalyType.DELIVERED_LATE,
            min_minutes_late=5,
            tiers=[_coupon(300, 1500), DOUBLE_POINTS],
        ),
        Rule(
            type=AnomalyType.DELIVERED_LATE,
            min_minutes_late=15,
            tiers=[_credit(500), _coupon(300, 1500), DOUBLE_POINTS],
        ),
        Rule(
            type=AnomalyType.DELIVERED_LATE,
            min_minutes_late=30,
            tiers=[_credit(1000), _credit(500), _coupon(300, 1500), DOUBLE_POINTS],
        ),
        Rule(
            type=AnomalyType.CANCELLED,
            refund_percent=100,
            tiers=[_credit(500), _coupon(300, 1500), DOUBLE_POINTS],
        ),
        Rule(type=AnomalyType.RIDER_LOST, tiers=[_credit(300), DOUBLE_POINTS]),
        Rule(
            type=AnomalyType.ITEM_PROBLEM,
            refund_percent=50,
            tiers=[_coupon(300, 1500), DOUBLE_POINTS],
        ),
    ],
)


def load_policy(data: object) -> CompensationPolicy:
    try:
        return CompensationPolicy.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'policy'}: {e['msg']}" for e in exc.errors()
        )
        raise Invalid(
            f"the compensation policy was refused: {problems}", code="bad_policy"
        ) from None

"""Compliance's pure rules: who is liable for what (readable, as the detectors apply them), and
the consumer-rights checks every order must pass."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tiffin.domain.anomalies import Liability


@dataclass(frozen=True)
class LiabilityRule:
    """One line of the attribution an operator, a merchant or a regulator can read."""

    situation: str
    liable: Liability
    why: str


# The order is the order ``tiffin.anomalies.detectors`` tests them in: the first that fits.
LIABILITY_RULES: tuple[LiabilityRule, ...] = (
    LiabilityRule(
        "the merchant declines or cancels the order", Liability.MERCHANT, "merchant_declined"
    ),
    LiabilityRule("the food is late at the counter", Liability.MERCHANT, "merchant_delay"),
    LiabilityRule("missing or wrong items reported by the customer", Liability.MERCHANT, "items"),
    LiabilityRule("items reported damaged in transit", Liability.RIDER, "damaged"),
    LiabilityRule(
        "the rider cancels, fails or hands the order back", Liability.RIDER, "rider_incident"
    ),
    LiabilityRule(
        "a delay inside a declared force-majeure window (storm, flood)",
        Liability.FORCE_MAJEURE,
        "weather",
    ),
    LiabilityRule("no rider free to take the order", Liability.PLATFORM, "rider_shortage"),
    LiabilityRule(
        "an operator or the system cancels the order", Liability.PLATFORM, "platform_fault"
    ),
    LiabilityRule("any other delay on the road", Liability.PLATFORM, "traffic_delay"),
    LiabilityRule(
        "the customer cancels before the merchant accepts", Liability.CUSTOMER, "customer_cancelled"
    ),
)


class DisputeOutcome(StrEnum):
    UPHELD = "upheld"  # the attribution was wrong: re-charged to ``liable``
    REJECTED = "rejected"  # the attribution stands


class Finding(StrEnum):
    REFUND_NOT_OFFERED = "refund_not_offered"
    LINES_DO_NOT_ADD_UP = "lines_do_not_add_up"
    TOTAL_DOES_NOT_ADD_UP = "total_does_not_add_up"
    DISCOUNT_EXCEEDS_FOOD = "discount_exceeds_food"
    DISCOUNT_WITHOUT_COUPON = "discount_without_coupon"
    DISCOUNT_NOT_AS_PROMISED = "discount_not_as_promised"


def refund_due(status: str, cancelled_by: str | None) -> bool:
    """A refund must be offered whenever the merchant, a rider or the platform ends an order
    the customer paid for; a customer's own cancellation is refunded by checkout, not here."""
    return status in ("cancelled", "failed") and cancelled_by not in (None, "customer")


@dataclass(frozen=True)
class Priced:
    """What the customer saw and paid for one order."""

    lines: tuple[tuple[int, int], ...]  # (list price, quantity) as priced at checkout
    items_cents: int
    delivery_fee_cents: int
    discount_cents: int
    charged_cents: int
    coupon_discount_cents: int | None  # what the coupon spent on it promised; None: no coupon


def promotion_findings(p: Priced) -> list[Finding]:
    """The false-promotion check: list prices add up to the food, the discount is what the
    coupon promised and no more than the food, and the charge is food + fee - discount."""
    found = []
    if sum(price * qty for price, qty in p.lines) != p.items_cents or any(
        price < 0 or qty < 1 for price, qty in p.lines
    ):
        found.append(Finding.LINES_DO_NOT_ADD_UP)
    if p.discount_cents > p.items_cents:
        found.append(Finding.DISCOUNT_EXCEEDS_FOOD)
    if p.charged_cents != p.items_cents + p.delivery_fee_cents - p.discount_cents:
        found.append(Finding.TOTAL_DOES_NOT_ADD_UP)
    if p.discount_cents and p.coupon_discount_cents is None:
        found.append(Finding.DISCOUNT_WITHOUT_COUPON)
    if p.coupon_discount_cents is not None and p.coupon_discount_cents != p.discount_cents:
        found.append(Finding.DISCOUNT_NOT_AS_PROMISED)
    return found

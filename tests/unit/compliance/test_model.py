"""Consumer-rights checks as code: when a refund is owed, and what a false promotion is."""

from __future__ import annotations

import pytest

from tiffin.compliance.model import LIABILITY_RULES, Finding, Priced, promotion_findings, refund_due
from tiffin.domain.anomalies import Liability


@pytest.mark.parametrize(
    ("status", "by", "owed"),
    [
        ("cancelled", "merchant", True),
        ("cancelled", "operator", True),
        ("cancelled", "system", True),
        ("failed", "rider", True),
        ("cancelled", "customer", False),
        ("delivered", None, False),
    ],
)
def test_a_refund_is_owed_whenever_someone_but_the_customer_ends_the_order(
    status: str, by: str | None, owed: bool
) -> None:
    assert refund_due(status, by) is owed


def honest(**changes: object) -> Priced:
    base: dict[str, object] = {
        "lines": ((1600, 2), (400, 1)),
        "items_cents": 3600,
        "delivery_fee_cents": 300,
        "discount_cents": 300,
        "charged_cents": 3600,
        "coupon_discount_cents": 300,
    }
    return Priced(**{**base, **changes})  # type: ignore[arg-type]


def test_an_honest_promotion_passes() -> None:
    assert promotion_findings(honest()) == []
    assert (
        promotion_findings(honest(discount_cents=0, charged_cents=3900, coupon_discount_cents=None))
        == []
    )


@pytest.mark.parametrize(
    ("changes", "finding"),
    [
        ({"items_cents": 3700, "charged_cents": 3700}, Finding.LINES_DO_NOT_ADD_UP),
        ({"charged_cents": 3650}, Finding.TOTAL_DOES_NOT_ADD_UP),
        ({"coupon_discount_cents": None}, Finding.DISCOUNT_WITHOUT_COUPON),
        ({"coupon_discount_cents": 500}, Finding.DISCOUNT_NOT_AS_PROMISED),
        (
            {"discount_cents": 4000, "charged_cents": -100, "coupon_discount_cents": 4000},
            Finding.DISCOUNT_EXCEEDS_FOOD,
        ),
    ],
)
def test_each_false_promotion_is_named(changes: dict[str, object], finding: Finding) -> None:
    assert promotion_findings(honest(**changes)) == [finding]


def test_the_liability_rules_name_every_party() -> None:
    assert {r.liable for r in LIABILITY_RULES} == set(Liability)

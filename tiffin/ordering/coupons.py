"""Spending a coupon (优惠券) at checkout: once, before it expires, above its minimum spend.

A coupon was booked in the ledger when it was granted; spending it only marks it used (with the
order), in the same transaction as the order, so a failed checkout leaves it in the wallet and
an idempotent retry of the checkout does not spend it twice.
"""

from __future__ import annotations

from sqlalchemy import select, update

from tiffin.errors import Conflict, Invalid
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork


def discount_for(amount_cents: int, percent_off: int, items_cents: int) -> int:
    """An amount coupon takes its amount off; a percent coupon its share, up to its amount.
    Never more than the food costs (the delivery fee is not discounted)."""
    off = amount_cents if percent_off == 0 else min(amount_cents, items_cents * percent_off // 100)
    return min(off, items_cents)


def redeem(
    uow: UnitOfWork, customer_id: str, coupon_id: str, *, items_cents: int, order_id: str
) -> int:
    """Spend the coupon on ``order_id``; returns the discount in cents."""
    c = tables.coupons.c
    row = (
        uow.conn.execute(select(tables.coupons).where(c.id == coupon_id).with_for_update())
        .mappings()
        .first()
    )
    if row is None or row["customer_id"] != customer_id:
        raise Invalid(f"you have no coupon {coupon_id!r}", code="unknown_coupon")
    if row["void"]:
        raise Conflict("this coupon was withdrawn", code="coupon_void")
    if row["used_at"] is not None:
        raise Conflict("this coupon was already used", code="coupon_used")
    now = uow.clock.now()
    if row["expires_at"] <= now:
        raise Conflict("this coupon has expired", code="coupon_expired")
    if items_cents < row["min_spend_cents"]:
        raise Invalid(
            f"this coupon needs food worth at least {row['min_spend_cents'] / 100:.2f}",
            code="below_min_spend",
        )
    uow.conn.execute(
        update(tables.coupons).where(c.id == coupon_id).values(used_at=now, order_id=order_id)
    )
    return discount_for(row["amount_cents"], row["percent_off"], items_cents)

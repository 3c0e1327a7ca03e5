"""Order payloads."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from tiffin.api.common import Point, Strict
from tiffin.domain.handover import CODE_DIGITS, DropoffProof, Handover
from tiffin.domain.order import Order, OrderStatus


class LineIn(Strict):
    item_id: str = Field(min_length=1, max_length=40)
    quantity: int = Field(ge=1, le=50)


class OrderCreate(Strict):
    merchant_id: str = Field(min_length=1, max_length=40)
    items: list[LineIn] = Field(min_length=1, max_length=50)
    dropoff: Point | None = Field(default=None, description="defaults to the customer's address")
    dropoff_note: str | None = Field(default=None, max_length=500)
    coupon_id: str | None = Field(
        default=None, max_length=40, description="a coupon from your wallet, spent on this order"
    )
    contactless: bool = Field(
        default=False,
        description="leave the order at the door: the rider proves the drop with your drop-off "
        "code (or a photo) instead of handing it over",
    )
    payment_instrument: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="the payment provider's fingerprint of the card or wallet paying (never "
        "its number): risk control counts the orders, claims and accounts behind each one",
    )


class DeliveryIn(Strict):
    """The rider's proof of a contactless drop; none for a hand-over in person."""

    dropoff_code: str | None = Field(
        default=None,
        pattern=rf"^[0-9]{{{CODE_DIGITS}}}$",
        description="the code the customer gave you",
    )
    photo_ref: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="the id of the photo of the order where you left it",
    )

    def to_domain(self) -> DropoffProof:
        return DropoffProof(code=self.dropoff_code, photo_ref=self.photo_ref)


class LineRead(BaseModel):
    item_id: str
    name: str
    quantity: int
    unit_price_cents: int


class TransitionRead(BaseModel):
    action: str
    from_status: OrderStatus
    to_status: OrderStatus
    actor_role: str
    reason: str
    at: datetime


class OrderRead(BaseModel):
    id: str
    status: OrderStatus
    customer_id: str
    merchant_id: str
    rider_id: str | None
    lines: list[LineRead]
    items_cents: int
    delivery_fee_cents: int
    discount_cents: int
    total_cents: int
    dropoff: Point
    contactless: bool
    dropoff_code: str | None = Field(
        description="give it to the rider at a contactless drop (shown to the customer only)"
    )
    handover: Handover | None
    handover_photo_ref: str | None
    placed_at: datetime
    promised_at: datetime
    ready_at: datetime | None
    picked_up_at: datetime | None
    finished_at: datetime | None
    history: list[TransitionRead]

    @classmethod
    def of(cls, o: Order, *, show_code: bool = False) -> OrderRead:
        """The order as a reader sees it; ``show_code`` only for the customer who placed it."""
        return cls(
            id=o.id,
            status=o.status,
            customer_id=o.customer_id,
            merchant_id=o.merchant_id,
            rider_id=o.rider_id,
            lines=[
                LineRead(
                    item_id=x.item_id,
                    name=x.name,
                    quantity=x.quantity,
                    unit_price_cents=x.unit_price_cents,
                )
                for x in o.lines
            ],
            items_cents=o.items_cents,
            delivery_fee_cents=o.delivery_fee_cents,
            discount_cents=o.discount_cents,
            total_cents=o.total_cents,
            dropoff=Point.of(o.dropoff),
            contactless=o.contactless,
            dropoff_code=(o.dropoff_code or None) if show_code else None,
            handover=o.handover,
            handover_photo_ref=o.handover_photo_ref,
            placed_at=o.placed_at,
            promised_at=o.promised_at,
            ready_at=o.ready_at,
            picked_up_at=o.picked_up_at,
            finished_at=o.finished_at,
            history=[
                TransitionRead(
                    action=t.action.value,
                    from_status=t.from_status,
                    to_status=t.to_status,
                    actor_role=t.actor.role,
                    reason=t.reason,
                    at=t.at,
                )
                for t in o.history
            ],
        )

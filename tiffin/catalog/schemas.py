"""Merchant and menu payloads."""

from __future__ import annotations

from pydantic import BaseModel, Field

from tiffin.api.common import Point, Strict
from tiffin.domain.people import MenuItem, Merchant

PRICE = Field(ge=0, le=1_000_000, description="integer cents")


class MenuItemCreate(Strict):
    name: str = Field(min_length=1, max_length=200, pattern=r"\S")
    price_cents: int = PRICE
    available: bool = True


class MenuItemUpdate(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200, pattern=r"\S")
    price_cents: int | None = Field(default=None, ge=0, le=1_000_000)
    available: bool | None = None


class MerchantUpdate(Strict):
    is_open: bool | None = None
    prep_minutes: int | None = Field(default=None, ge=1, le=180)


class MenuItemRead(BaseModel):
    id: str
    name: str
    price_cents: int
    available: bool

    @classmethod
    def of(cls, item: MenuItem) -> MenuItemRead:
        return cls(
            id=item.id, name=item.name, price_cents=item.price_cents, available=item.available
        )


class MerchantRead(BaseModel):
    id: str
    name: str
    location: Point
    prep_minutes: int
    is_open: bool

    @classmethod
    def of(cls, m: Merchant) -> MerchantRead:
        return cls(
            id=m.id,
            name=m.name,
            location=Point.of(m.location),
            prep_minutes=m.prep_minutes,
            is_open=m.is_open,
        )


class MerchantDetail(MerchantRead):
    menu: list[MenuItemRead]

"""Tenants, zones, merchants and their menus, customers, riders and their shifts.

These are plain records with a few rules each; the order is the aggregate with a real life cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from tiffin.domain.geo import LatLon, contains


@dataclass
class Tenant:
    """A campus logistics office (高校后勤) or a city operator: the boundary nothing crosses."""

    id: str
    slug: str
    name: str
    delivery_fee_cents: int = 300
    rider_speed_m_per_min: float = 250.0
    promise_buffer_minutes: int = 10


@dataclass
class Zone:
    """An area the tenant serves; addresses outside every zone are refused."""

    id: str
    tenant_id: str
    name: str
    polygon: tuple[LatLon, ...]

    def __post_init__(self) -> None:
        if len(self.polygon) < 3:
            raise ValueError("a zone needs at least three corners")

    def covers(self, point: LatLon) -> bool:
        return contains(self.polygon, point)


def served(zones: Sequence[Zone], point: LatLon) -> bool:
    """Whether any of the tenant's zones covers ``point``."""
    return any(zone.covers(point) for zone in zones)


@dataclass
class MenuItem:
    id: str
    merchant_id: str
    name: str
    price_cents: int
    available: bool = True

    def __post_init__(self) -> None:
        if self.price_cents < 0:
            raise ValueError("price cannot be negative")


@dataclass
class Merchant:
    """A canteen or restaurant (商家) with a location and a typical preparation time."""

    id: str
    tenant_id: str
    name: str
    location: LatLon
    prep_minutes: int = 12
    is_open: bool = True


class VehicleType(StrEnum):
    FOOT = "foot"
    BICYCLE = "bicycle"
    EBIKE = "ebike"
    SCOOTER = "scooter"
    CAR = "car"


@dataclass
class Customer:
    id: str
    tenant_id: str
    name: str
    address: LatLon
    address_note: str = ""
    language: str = "en"
    phone: str = ""
    contact_channel: str = "push"  # push, sms, phone (an operator calls them) or inbox


@dataclass
class Rider:
    """A rider (骑手); ``shift_started_at`` is set while on shift."""

    id: str
    tenant_id: str
    name: str
    vehicle: VehicleType = VehicleType.EBIKE
    location: LatLon | None = None
    shift_started_at: datetime | None = None
    location_at: datetime | None = None
    moved_at: datetime | None = None  # last location report that moved them noticeably

    @property
    def on_shift(self) -> bool:
        return self.shift_started_at is not None


@dataclass
class RiderShift:
    """One completed or running shift, kept for workload caps and pay."""

    id: str
    rider_id: str
    tenant_id: str
    started_at: datetime
    ended_at: datetime | None = None


class OfferStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


@dataclass
class Offer:
    """A proposal to one rider to carry one order; the rider accepts or rejects with a reason."""

    id: str
    tenant_id: str
    order_id: str
    rider_id: str
    created_at: datetime
    expires_at: datetime
    status: OfferStatus = OfferStatus.PENDING
    reason: str = ""
    answered_at: datetime | None = None
    score: float | None = None
    explanation: dict[str, object] = field(default_factory=dict)

    def is_open(self, now: datetime) -> bool:
        return self.status is OfferStatus.PENDING and now < self.expires_at

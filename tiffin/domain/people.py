"""Tenants, zones, merchants and their menus, customers, riders and their shifts.

These are plain records with a few rules each; the order is the aggregate with a real life cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tiffin.domain.geo import LatLon, contains
from tiffin.domain.order import IllegalTransition


@dataclass
class Tenant:
    """A campus logistics office (高校后勤) or a city operator: the boundary nothing crosses."""

    id: str
    slug: str
    name: str
    delivery_fee_cents: int = 300
    rider_speed_m_per_min: float = 250.0
    promise_buffer_minutes: int = 10
    time_zone: str = "UTC"  # an IANA name: the times a customer reads are the tenant's own
    # Early warning's longer promise (issue 18): extra minutes on top of the buffer until a
    # time, so a rush's extension falls back by itself when its window ends.
    promise_extra_minutes: int = 0
    promise_extra_until: datetime | None = None

    def __post_init__(self) -> None:
        local_zone(self.time_zone)  # an unknown zone is refused when the tenant is made

    def promise_buffer_at(self, at: datetime) -> int:
        """The buffer a promise made at ``at`` carries: the tenant's own, plus early warning's
        extension while it is in force."""
        extra = self.promise_extra_until is not None and at < self.promise_extra_until
        return self.promise_buffer_minutes + (self.promise_extra_minutes if extra else 0)


def local_zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; ``ValueError`` naming it when there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{name!r} is not a time zone (use an IANA name, e.g. Asia/Shanghai)"
        ) from None


def local_day_start(at: datetime, time_zone: str) -> datetime:
    """Midnight of the day ``at`` falls on, on the wall clock of ``time_zone`` (an aware
    datetime): a campus in Shanghai starts its day at 16:00 UTC, not at 00:00."""
    local = at.astimezone(local_zone(time_zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def clock_time(at: datetime, time_zone: str) -> str:
    """``at`` as a wall-clock time a customer in ``time_zone`` reads: ``HH:MM``."""
    return at.astimezone(local_zone(time_zone)).strftime("%H:%M")


@dataclass
class Zone:
    """An area the tenant serves; addresses outside every zone are refused."""

    id: str
    tenant_id: str
    name: str
    polygon: tuple[LatLon, ...]
    # Early warning's pause (issue 18): checkout refuses new orders to an address in the zone
    # until then; orders already placed are delivered and riders still ride here.
    orders_paused_until: datetime | None = None

    def __post_init__(self) -> None:
        if len(self.polygon) < 3:
            raise ValueError("a zone needs at least three corners")

    def covers(self, point: LatLon) -> bool:
        return contains(self.polygon, point)

    def orders_paused(self, at: datetime) -> bool:
        return self.orders_paused_until is not None and at < self.orders_paused_until


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


def phone_key(phone: str) -> str | None:
    """What makes two written phone numbers the same phone: their last ten digits ("+86 138
    0013 8000" and "13800138000" match), or None for a number too short to mean anything."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[-10:] if len(digits) >= 5 else None


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

    def accept(self, now: datetime) -> None:
        """The rider takes the order; only an offer still open can be taken."""
        self._require_open(now)
        self._answer(OfferStatus.ACCEPTED, now)

    def reject(self, now: datetime, *, reason: str) -> None:
        """The rider declines, saying why (the dispatcher learns from the reasons)."""
        self._require_open(now)
        if not reason.strip():
            raise IllegalTransition("say why you reject the offer", code="reason_required")
        self._answer(OfferStatus.REJECTED, now, reason)

    def withdraw(self, now: datetime, *, reason: str) -> None:
        """The platform takes a pending offer back (order taken, cancelled, rider off shift)."""
        self._require_pending()
        self._answer(OfferStatus.WITHDRAWN, now, reason)

    def expire(self, now: datetime) -> None:
        """The rider let the offer run out: it closes as unanswered."""
        self._require_pending()
        if now < self.expires_at:
            raise IllegalTransition("the offer has not run out yet", code="offer_not_expired")
        self._answer(OfferStatus.EXPIRED, now, "no answer")

    def _require_pending(self) -> None:
        if self.status is not OfferStatus.PENDING:
            raise IllegalTransition(f"this offer is {self.status.value}", code="offer_closed")

    def _require_open(self, now: datetime) -> None:
        self._require_pending()
        if now >= self.expires_at:
            raise IllegalTransition("this offer is expired", code="offer_closed")

    def _answer(self, status: OfferStatus, now: datetime, reason: str | None = None) -> None:
        self.status, self.answered_at = status, now
        if reason is not None:
            self.reason = reason

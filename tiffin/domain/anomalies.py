"""The anomaly vocabulary (异常订单): what went wrong, how bad, who is liable, why, and the facts.

Pure and shared by every layer above: the detectors, the care policy and ledger, the incident
service, the live scanner and the simulator all speak these types. ``Reason`` is the code a
customer's message is written from (the words themselves live in ``care.reasons``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from tiffin.domain.geo import LatLon
from tiffin.domain.order import OrderStatus


class Reason(StrEnum):
    MERCHANT_DELAY = "merchant_delay"
    MERCHANT_DECLINED = "merchant_declined"
    RIDER_SHORTAGE = "rider_shortage"
    RIDER_INCIDENT = "rider_incident"
    TRAFFIC_DELAY = "traffic_delay"
    WEATHER = "weather"
    PLATFORM_FAULT = "platform_fault"
    ITEM_PROBLEM = "item_problem"
    CUSTOMER_REQUEST = "customer_request"


class AnomalyType(StrEnum):
    MERCHANT_SLOW_ACCEPT = "merchant_slow_accept"  # not accepted within N minutes
    FOOD_LATE = "food_late"  # not ready at the promised ready time
    NO_RIDER = "no_rider"  # nobody accepted after K offers or M minutes
    RIDER_LOST = "rider_lost"  # rider offline or stationary mid-delivery
    ETA_SLIP = "eta_slip"  # predicted delivery later than the promise by a threshold
    DELIVERED_LATE = "delivered_late"
    CANCELLED = "cancelled"  # by merchant, rider or platform (not by the customer)
    ITEM_PROBLEM = "item_problem"  # customer reports missing, wrong or damaged items


class Severity(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()


class Liability(StrEnum):
    """Who pays for a failure: the merchant, the rider, the platform, the customer, or nobody."""

    MERCHANT = "merchant"
    RIDER = "rider"
    PLATFORM = "platform"
    CUSTOMER = "customer"
    FORCE_MAJEURE = "force_majeure"


@dataclass(frozen=True)
class Detection:
    """One detector firing for one order. ``since`` is when the triggering fact became true,
    so detection delay (``at - since``) can be measured."""

    order_id: str
    type: AnomalyType
    severity: Severity
    liable: Liability
    reason: Reason
    since: datetime
    at: datetime
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RiderFacts:
    id: str
    on_shift: bool
    position: LatLon | None
    seen_at: datetime | None  # last location report
    moved_at: datetime | None  # last report that moved the rider noticeably


@dataclass(frozen=True)
class OrderFacts:
    order_id: str
    status: OrderStatus
    placed_at: datetime
    promised_at: datetime
    expected_ready_at: datetime  # placement + the merchant's preparation time
    merchant_at: LatLon
    dropoff: LatLon
    accepted_at: datetime | None = None
    ready_at: datetime | None = None
    assigned_at: datetime | None = None
    picked_up_at: datetime | None = None
    finished_at: datetime | None = None
    waiting_since: datetime | None = None  # when it last started needing a rider
    offers_made: int = 0  # offers since it last started needing a rider
    rider: RiderFacts | None = None
    stops_before: int = 0  # drop-offs the rider makes before this one
    weather: bool = False  # a declared force-majeure window (storm, flood) is in force

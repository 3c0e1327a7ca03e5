"""What an abnormal order (异常订单) is: its type, how bad, who is liable, and why it was raised.

Everything here is pure: the detectors, the live scanner and the simulator all speak these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tiffin.care.reasons import Reason


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


class Thresholds(BaseModel):
    """Per-tenant detector thresholds, in minutes unless said otherwise."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    accept_minutes: int = Field(default=5, ge=1, description="merchant must accept within")
    ready_grace_minutes: int = Field(
        default=5, ge=0, description="food may be this late before alarm"
    )
    max_offers: int = Field(default=3, ge=1, description="offers without a taker before alarm")
    no_rider_minutes: int = Field(default=10, ge=1, description="waiting for a rider before alarm")
    rider_silent_minutes: int = Field(
        default=5, ge=1, description="no location report mid-delivery"
    )
    rider_stationary_minutes: int = Field(default=10, ge=1, description="no movement mid-delivery")
    stationary_metres: float = Field(
        default=30.0, gt=0, description="movement below this is standing"
    )
    eta_slip_minutes: int = Field(
        default=10, ge=1, description="predicted lateness that raises alarm"
    )
    late_minutes: int = Field(default=5, ge=0, description="delivered this late counts as late")
    sla_minutes: dict[str, int] = Field(
        default_factory=lambda: {"low": 60, "medium": 30, "high": 15, "critical": 5},
        description="how long an anomaly may stay open before it escalates, by severity",
    )

    def sla_for(self, severity: Severity) -> int:
        return self.sla_minutes.get(severity.label, 30)

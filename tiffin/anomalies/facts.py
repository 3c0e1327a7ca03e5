"""The facts detectors look at: one order, its rider and the clock, as plain values.

The live scanner builds them from the database, the simulator from its own state; the detectors
and the ETA model cannot tell the difference, which is the point.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tiffin.domain.geo import LatLon
from tiffin.domain.order import OrderStatus


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

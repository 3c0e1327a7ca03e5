"""The delivery ETA: when the dispatcher now believes the food will reach the door.

Built from where the rider is, how fast riders move, when the food will be ready and how many
stops the rider makes first. Deliberately simple and explainable: a customer told "12:41" can be
shown why. The same model feeds the ETA-slip detector and every message that quotes an ETA, so
no customer hears an ETA the engine does not believe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from tiffin.domain.anomalies import OrderFacts
from tiffin.domain.geo import LatLon, travel_minutes
from tiffin.domain.order import OrderStatus


class Eta(Protocol):
    """Anything that predicts delivery: the model below, or the simulator's committed routes."""

    def predict(self, facts: OrderFacts, now: datetime) -> datetime | None: ...

    def lateness_minutes(self, facts: OrderFacts, now: datetime) -> float: ...


@dataclass(frozen=True)
class EtaModel:
    metres_per_minute: float = 250.0
    pickup_service: float = 2.0
    dropoff_service: float = 1.0
    minutes_per_extra_stop: float = 4.0  # a drop-off before ours: ride between doors + hand-over
    rider_wait_minutes: float = 5.0  # an order with no rider yet: typical wait for one

    def ride(self, a: LatLon, b: LatLon) -> float:
        return travel_minutes(a, b, self.metres_per_minute)

    def predict(self, facts: OrderFacts, now: datetime) -> datetime | None:
        """The predicted delivery time, or None for an order that is finished."""
        s = facts.status
        if s in (OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.FAILED):
            return None
        queue = facts.stops_before * self.minutes_per_extra_stop
        rider_at = facts.rider.position if facts.rider else None
        if s is OrderStatus.PICKED_UP:
            start = rider_at or facts.merchant_at
            minutes = self.ride(start, facts.dropoff) + queue + self.dropoff_service
            return now + timedelta(minutes=minutes)
        ready = facts.ready_at or max(facts.expected_ready_at, now)
        if s is OrderStatus.ASSIGNED and rider_at is not None:
            at_merchant = now + timedelta(minutes=self.ride(rider_at, facts.merchant_at) + queue)
        else:
            at_merchant = now + timedelta(minutes=self.rider_wait_minutes)
        leave = max(at_merchant, ready) + timedelta(minutes=self.pickup_service)
        ride = self.ride(facts.merchant_at, facts.dropoff) + self.dropoff_service
        return leave + timedelta(minutes=ride)

    def lateness_minutes(self, facts: OrderFacts, now: datetime) -> float:
        """Minutes the predicted delivery misses the promise by (negative: early)."""
        eta = self.predict(facts, now)
        if eta is None:
            return 0.0
        return (eta - facts.promised_at).total_seconds() / 60

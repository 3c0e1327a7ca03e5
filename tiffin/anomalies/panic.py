"""A rider's PANIC button: operators are alerted at once with the rider's location, and every
order the rider holds goes through the anomaly engine's re-dispatch path (as a lost rider's
would), so customers are told and a new rider is found."""

from __future__ import annotations

from dataclasses import dataclass

from tiffin.anomalies.engine import Engine, handle
from tiffin.care.service import tell_operators
from tiffin.domain.anomalies import AnomalyType, Detection, Liability, Reason, Severity
from tiffin.domain.geo import LatLon
from tiffin.domain.principals import Principal
from tiffin.safety.health import own_rider
from tiffin.safety.telemetry import panic_alert, raise_alert
from tiffin.store.uow import UnitOfWork


@dataclass(frozen=True)
class PanicOutcome:
    alert_raised: bool
    orders_redispatched: list[str]


def press_panic(
    uow: UnitOfWork, engine: Engine, principal: Principal, *, location: LatLon
) -> PanicOutcome:
    """Alert the operators and hand the rider's orders to re-dispatch, in one unit of work."""
    rider = own_rider(uow, principal, for_update=True)
    now = uow.clock.now()
    rider.location, rider.location_at = location, now
    uow.riders.save(rider)
    new = raise_alert(uow, rider.tenant_id, rider.id, panic_alert(rider.id, now, location))
    tell_operators(
        uow,
        rider.tenant_id,
        kind="rider_panic",
        key=f"panic:{rider.id}:{now.isoformat()}",
        words=f"PANIC: rider {rider.name} ({rider.id}) at {location.lat:.5f}, "
        f"{location.lon:.5f} pressed the panic button; call them now.",
    )
    moved = []
    for order in uow.orders.carried_by(rider.id):
        detection = Detection(
            order_id=order.id,
            type=AnomalyType.RIDER_LOST,
            severity=Severity.CRITICAL,
            liable=Liability.PLATFORM,
            reason=Reason.RIDER_INCIDENT,
            since=now,
            at=now,
            facts={"rider_id": rider.id, "why": "the rider pressed the panic button"},
        )
        handle(uow, engine, detection)
        moved.append(order.id)
    return PanicOutcome(new, moved)

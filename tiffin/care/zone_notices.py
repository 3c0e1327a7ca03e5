"""Customers whose address lies in a zone closed to riders are told why their delivery changed
and where to collect it: when the zone closes (its orders in flight) and when an order is placed
while it is closed. Once per order and zone (the dedupe key), in the customer's language."""

from __future__ import annotations

from collections.abc import Sequence

from tiffin.care import notify
from tiffin.care.service import tell
from tiffin.domain.anomalies import Severity
from tiffin.domain.events import DomainEvent, OrderPlaced, RiskZoneClosed
from tiffin.domain.order import TERMINAL, Order
from tiffin.domain.zones import RiskZone
from tiffin.safety.service import closures
from tiffin.store import tables
from tiffin.store.outbox import Envelope
from tiffin.store.uow import UnitOfWork


def tell_zone_customer(uow: UnitOfWork, zone: RiskZone, order: Order) -> str | None:
    """Tell the order's customer that it goes to the zone's hand-off point (once)."""

    def words(language: str) -> tuple[str, str]:
        return notify.render_zone_handoff(
            zone=zone.name,
            reason=zone.reason,
            handoff=(zone.handoff.lat, zone.handoff.lon),
            until=zone.closed_until,
            language=language,
            code=order.dropoff_code or None,
        )

    return tell(
        uow,
        tenant_id=order.tenant_id,
        customer_id=order.customer_id,
        order_id=order.id,
        dedupe_key=f"zone:{zone.id}:{order.id}",
        words=words,
        severity=Severity.MEDIUM,
        minutes_late=0,
    )


class ZoneNoticeConsumer:
    """Consumes zone closures and new orders; tells the customers inside closed zones."""

    name = "care.zone_notices"
    wants: tuple[type[DomainEvent], ...] = (RiskZoneClosed, OrderPlaced)
    batch: int | None = None

    def handle_batch(self, uow: UnitOfWork, envelopes: Sequence[Envelope]) -> None:
        now = uow.clock.now()
        closed: dict[str, list[RiskZone]] = {}  # tenant -> zones closed to riders now
        for env in envelopes:
            event = env.event
            if isinstance(event, RiskZoneClosed):
                closed.clear()  # a closure later in the batch counts for the orders after it
                zone = uow.risk_zones.get(event.aggregate_id)
                if zone is None or not zone.closes_to_riders or zone.closed_until <= now:
                    continue
                o = tables.orders.c
                for order in uow.orders.find(
                    o.tenant_id == zone.tenant_id,
                    o.status.not_in([s.value for s in TERMINAL]),
                ):
                    if zone.covers(order.dropoff):
                        tell_zone_customer(uow, zone, order)
            elif isinstance(event, OrderPlaced):
                if event.tenant_id not in closed:  # read once per tenant and batch
                    closed[event.tenant_id] = [
                        z
                        for z in closures(uow, event.tenant_id, now=now)
                        if z.closes_to_riders and z.active(now)
                    ]
                zones = closed[event.tenant_id]
                if not zones:
                    continue
                placed = uow.orders.get(event.aggregate_id)
                if placed is None:
                    continue
                zone = next((z for z in zones if z.covers(placed.dropoff)), None)
                if zone is not None:
                    tell_zone_customer(uow, zone, placed)

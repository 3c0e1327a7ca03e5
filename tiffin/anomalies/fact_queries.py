"""Facts from the database: what the detectors need to know about live orders, read in bulk.

One scan reads each tenant's in-flight orders, their riders, merchants and offers in a handful
of queries, whatever the number of orders.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from tiffin.domain.anomalies import OrderFacts, RiderFacts
from tiffin.domain.order import Action, Order, OrderStatus
from tiffin.domain.people import Merchant, Rider
from tiffin.domain.weather import WeatherWindow, stormy
from tiffin.store.uow import UnitOfWork

S = OrderStatus


def waiting_since(order: Order) -> datetime | None:
    """When the order last started needing a rider (accepted, or handed back)."""
    for step in reversed(order.history):
        if step.action in (Action.ACCEPT, Action.UNASSIGN):
            return step.at
    return None


def _accepted_at(order: Order) -> datetime | None:
    return next((t.at for t in order.history if t.action is Action.ACCEPT), None)


def _assigned_at(order: Order) -> datetime | None:
    return next((t.at for t in reversed(order.history) if t.action is Action.ASSIGN), None)


def rider_facts(rider: Rider) -> RiderFacts:
    return RiderFacts(rider.id, rider.on_shift, rider.location, rider.location_at, rider.moved_at)


def order_facts(
    order: Order,
    merchant: Merchant,
    *,
    rider: Rider | None = None,
    offers_made: int = 0,
    stops_before: int = 0,
    weather: bool = False,
) -> OrderFacts:
    return OrderFacts(
        order_id=order.id,
        status=order.status,
        placed_at=order.placed_at,
        promised_at=order.promised_at,
        expected_ready_at=order.placed_at + timedelta(minutes=merchant.prep_minutes),
        merchant_at=merchant.location,
        dropoff=order.dropoff,
        accepted_at=_accepted_at(order),
        ready_at=order.ready_at,
        assigned_at=_assigned_at(order),
        picked_up_at=order.picked_up_at,
        finished_at=order.finished_at,
        waiting_since=waiting_since(order),
        offers_made=offers_made,
        rider=rider_facts(rider) if rider is not None else None,
        stops_before=stops_before,
        weather=weather,
    )


def facts_for(
    uow: UnitOfWork,
    orders: list[Order],
    *,
    windows: Sequence[WeatherWindow] = (),
    at: datetime | None = None,
) -> list[OrderFacts]:
    """Facts for many orders of one tenant, in bulk; an order is in bad weather when one of
    ``windows`` covers its drop-off or pickup at ``at``."""
    if not orders:
        return []
    merchants = {m.id: m for m in uow.merchants.with_ids({o.merchant_id for o in orders})}
    rider_ids = {o.rider_id for o in orders if o.rider_id}
    riders = {r.id: r for r in uow.riders.with_ids(rider_ids)} if rider_ids else {}
    offers = Counter[tuple[str, datetime]]()
    waiting = [o for o in orders if o.status in (S.ACCEPTED, S.READY)]
    since = {o.id: waiting_since(o) for o in waiting}
    if waiting:
        for offer in uow.offers.for_orders(o.id for o in waiting):
            start = since.get(offer.order_id)
            if start is not None and offer.created_at >= start:
                offers[(offer.order_id, start)] += 1
    carrying = Counter(o.rider_id for o in orders if o.status is S.PICKED_UP and o.rider_id)
    result = []
    for order in orders:
        start = since.get(order.id)
        merchant = merchants[order.merchant_id]
        places = (order.dropoff, merchant.location)
        result.append(
            order_facts(
                order,
                merchant,
                rider=riders.get(order.rider_id) if order.rider_id else None,
                offers_made=offers[(order.id, start)] if start else 0,
                stops_before=carrying[order.rider_id]
                if order.rider_id and order.status is S.ASSIGNED
                else 0,
                weather=at is not None and stormy(windows, at, places),
            )
        )
    return result

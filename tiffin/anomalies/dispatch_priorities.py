"""The anomalies' side of the live dispatcher's ``priorities`` port: orders in trouble go first.

An order with an open no-rider or rider-lost anomaly waits on a rider, so it is boosted; an
order whose rider was lost is never offered back to that rider. The dispatcher cannot know
this from its own rows and does not read anomalies: its callers pass this function in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from tiffin.anomalies.queries import active_for_orders
from tiffin.dispatch.service import Priorities
from tiffin.store.uow import UnitOfWork

BOOSTED_ANOMALIES = ("no_rider", "rider_lost")


def anomaly_priorities(uow: UnitOfWork, order_ids: Sequence[str]) -> Priorities:
    """Boost the orders with an open anomaly that waits on a rider; bar each lost rider from
    the order they lost."""
    boosted: set[str] = set()
    barred: dict[str, set[str]] = defaultdict(set)
    for anomaly in active_for_orders(uow, list(order_ids)):
        if anomaly["type"] in BOOSTED_ANOMALIES:
            boosted.add(anomaly["order_id"])
        lost = (anomaly["facts"] or {}).get("rider_id")
        if anomaly["type"] == "rider_lost" and lost:
            barred[lost].add(anomaly["order_id"])
    return Priorities(frozenset(boosted), {r: frozenset(o) for r, o in barred.items()})

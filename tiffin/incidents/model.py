"""What an incident is: affected components with their impact, and a life cycle.

Pure: the service and the health watch speak these types; the status page is computed from them.
"""

from __future__ import annotations

from enum import StrEnum


class Component(StrEnum):
    ORDERING = "ordering"
    DISPATCH = "dispatch"
    NOTIFICATIONS = "notifications"
    PAYMENTS = "payments"


class Impact(StrEnum):
    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Impact).index(self)


class State(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


class Signal(StrEnum):
    """Health signals that open an incident on their own when they breach."""

    ERROR_RATE = "error_rate"
    OUTBOX_LAG = "outbox_lag"
    DISPATCHER_STALLED = "dispatcher_stalled"
    NOTIFICATION_FAILURES = "notification_failures"


SIGNAL_COMPONENT = {
    Signal.ERROR_RATE: Component.ORDERING,
    Signal.OUTBOX_LAG: Component.NOTIFICATIONS,
    Signal.DISPATCHER_STALLED: Component.DISPATCH,
    Signal.NOTIFICATION_FAILURES: Component.NOTIFICATIONS,
}

SIGNAL_TITLE = {
    Signal.ERROR_RATE: "Elevated error rate on the API",
    Signal.OUTBOX_LAG: "Order updates and messages are delayed",
    Signal.DISPATCHER_STALLED: "Dispatch has stalled: riders are not being assigned",
    Signal.NOTIFICATION_FAILURES: "Messages to customers are failing",
}


def worst(impacts: list[Impact]) -> Impact:
    return max(impacts, key=lambda i: i.rank, default=Impact.NONE)


def component_status(impact: Impact) -> str:
    """How a status page words a component's worst open impact."""
    return {
        Impact.NONE: "operational",
        Impact.MINOR: "degraded_performance",
        Impact.MAJOR: "partial_outage",
        Impact.CRITICAL: "major_outage",
    }[impact]

"""An order's statuses and the actions that move it between them.

Their own module so that the order's events (``tiffin.domain.events``) can name them without
importing the aggregate that records those events.
"""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    PLACED = "placed"
    ACCEPTED = "accepted"
    READY = "ready"
    ASSIGNED = "assigned"
    PICKED_UP = "picked_up"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    FAILED = "failed"


TERMINAL = frozenset({OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.FAILED})


class Action(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    MARK_READY = "mark_ready"
    ASSIGN = "assign"
    UNASSIGN = "unassign"
    PICK_UP = "pick_up"
    DELIVER = "deliver"
    CANCEL = "cancel"
    FAIL = "fail"

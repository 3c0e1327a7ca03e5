"""A kitchen reports, before the detectors notice, that an order's food will be late.

The report is the ``food_late`` anomaly the detectors would open once the promised ready time
passed (liable: the merchant, reason ``merchant_delay``), opened now with the kitchen's own
estimate and note as facts. The tenant's playbook then does what it does for late food (tell
the customer, compensate within policy); when the detector fires later it merges into this
one instead of opening a second. Reporting early costs the kitchen nothing it would not
have owed anyway, and the customer hears sooner.
"""

from __future__ import annotations

from tiffin.anomalies.engine import Engine, handle
from tiffin.domain.anomalies import AnomalyType, Detection, Liability, Reason, Severity
from tiffin.domain.order import OrderStatus
from tiffin.domain.principals import Principal, Role
from tiffin.errors import Conflict, Forbidden, Invalid
from tiffin.ordering.service import visible_order
from tiffin.store.uow import UnitOfWork

COOKING = (OrderStatus.PLACED, OrderStatus.ACCEPTED)
MAX_MINUTES = 120
SEVERE_MINUTES = 15  # as the detector grades late food: 15 minutes or more is high


def report_delay(
    uow: UnitOfWork, engine: Engine, principal: Principal, order_id: str, *, minutes: int, note: str
) -> str | None:
    """The merchant's own order, still cooking, will be ``minutes`` late; returns the new
    anomaly's id (None when a food_late anomaly was already open: the report merges)."""
    if principal.role is not Role.MERCHANT:
        raise Forbidden("only the order's kitchen can report it late", code="merchant_only")
    if not 1 <= minutes <= MAX_MINUTES:
        raise Invalid(f"a delay is 1 to {MAX_MINUTES} minutes", code="bad_minutes")
    order = visible_order(uow, principal, order_id)
    if order.status not in COOKING:
        raise Conflict(
            "only an order still in the kitchen can be reported late", code="not_cooking"
        )
    now = uow.clock.now()
    detection = Detection(
        order.id,
        AnomalyType.FOOD_LATE,
        Severity.HIGH if minutes >= SEVERE_MINUTES else Severity.MEDIUM,
        Liability.MERCHANT,
        Reason.MERCHANT_DELAY,
        now,
        now,
        {"reported_by": "merchant", "minutes_late": minutes, "note": note},
    )
    return handle(uow, engine, detection)

"""Domain events: past-tense facts an aggregate records when its state changes.

Every event names the order (or other aggregate), the tenant, who did it (``actor``), why
(``reason``) and when (``at``, from the injected clock). The store writes them to the outbox
in the same transaction as the state change, under the class's ``topic``, with ``payload()``
as the body; ``decode(topic, payload)`` turns a stored row back into its event.

There is one class per topic. An order's steps share the base ``OrderStatusChanged`` (one
subclass per action), so a consumer can ask for every step of an order or for the few it acts
on, and match on the class either way.

The payload keeps the shape the rows already stored have: the common fields, the event's own
fields under ``data``, and for an order's steps ``action``, ``from_status`` and ``to_status``
(for the other facts, the topic under ``what``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Self

from tiffin.domain.order_status import Action, OrderStatus
from tiffin.domain.principals import SYSTEM as SYSTEM
from tiffin.domain.principals import Actor as Actor
from tiffin.domain.principals import ActorRole


class UnknownEvent(LookupError):
    """A topic no event class is registered for (written by a newer version, or a typo)."""

    def __init__(self, topic: str) -> None:
        super().__init__(f"no event class for topic {topic!r}")
        self.topic = topic


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base of every event; each concrete class sets ``topic``, the stable outbox topic."""

    topic: ClassVar[str]
    aggregate_id: str
    tenant_id: str
    at: datetime
    actor: Actor = SYSTEM
    reason: str = ""

    def payload(self) -> dict[str, Any]:
        """JSON-ready body: times as ISO strings, the actor flattened, own fields under
        ``data``. Built by hand: ``dataclasses.asdict`` deep-copies, and this runs for every
        event written."""
        return {
            "aggregate_id": self.aggregate_id,
            "tenant_id": self.tenant_id,
            "at": self.at.isoformat(),
            "actor": {"role": self.actor.role.value, "id": self.actor.id},
            "reason": self.reason,
            "data": self._data(),
        } | self._labels()

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Self:
        """The event whose ``payload()`` this is (or an older row of the same topic)."""
        actor = payload.get("actor") or {}
        return cls(
            aggregate_id=payload["aggregate_id"],
            tenant_id=payload["tenant_id"],
            at=datetime.fromisoformat(payload["at"]),
            actor=Actor(ActorRole(actor.get("role", SYSTEM.role)), actor.get("id")),
            reason=payload.get("reason") or "",
            **cls._fields_from(payload),
        )

    def _data(self) -> dict[str, Any]:
        """The event's own fields, as stored under ``data``."""
        return {}

    def _labels(self) -> dict[str, Any]:
        """Top-level keys after ``data``: facts about things other than an order's status
        have always carried their topic as ``what``."""
        return {"what": self.topic}

    @classmethod
    def _fields_from(cls, payload: dict[str, Any]) -> dict[str, Any]:
        """The event's own fields, read back from a payload."""
        return {}


# Riders' shifts: the aggregate is the rider.


@dataclass(frozen=True, kw_only=True)
class RiderShiftStarted(DomainEvent):
    """A rider went on shift (the aggregate is the rider)."""

    topic: ClassVar[str] = "rider.shift_started"


@dataclass(frozen=True, kw_only=True)
class RiderShiftEnded(DomainEvent):
    """A rider went off shift; their open offers were withdrawn with it."""

    topic: ClassVar[str] = "rider.shift_ended"


# Offers: the aggregate is the order offered.


@dataclass(frozen=True, kw_only=True)
class OfferEvent(DomainEvent):
    """Something happened to an offer of an order (the aggregate) to a rider."""

    offer_id: str
    rider_id: str

    def _data(self) -> dict[str, Any]:
        return {"offer_id": self.offer_id, "rider_id": self.rider_id}

    @classmethod
    def _fields_from(cls, payload: dict[str, Any]) -> dict[str, Any]:
        data = payload["data"]
        return {"offer_id": data["offer_id"], "rider_id": data["rider_id"]}


@dataclass(frozen=True, kw_only=True)
class OfferMade(OfferEvent):
    """The dispatcher (or an operator) offered the order to a rider."""

    topic: ClassVar[str] = "offer.made"


@dataclass(frozen=True, kw_only=True)
class OfferRejected(OfferEvent):
    """The rider turned the offer down, saying why (``reason``)."""

    topic: ClassVar[str] = "offer.rejected"


@dataclass(frozen=True, kw_only=True)
class RiskZoneClosed(DomainEvent):
    """An operator closed a high-risk zone (the aggregate) to deliveries until ``closed_until``."""

    topic: ClassVar[str] = "safety.zone_closed"
    name: str
    closed_until: datetime

    def _data(self) -> dict[str, Any]:
        return {"name": self.name, "until": self.closed_until.isoformat()}

    @classmethod
    def _fields_from(cls, payload: dict[str, Any]) -> dict[str, Any]:
        data = payload["data"]
        return {"name": data["name"], "closed_until": datetime.fromisoformat(data["until"])}


@dataclass(frozen=True, kw_only=True)
class WorkloadCapsChanged(DomainEvent):
    """An operator set the tenant's (the aggregate's) workload caps for its riders."""

    topic: ClassVar[str] = "dispatch.caps_changed"
    max_orders_per_hour: int
    max_continuous_minutes: int
    max_carried: int

    def _data(self) -> dict[str, Any]:
        return {
            "max_orders_per_hour": self.max_orders_per_hour,
            "max_continuous_minutes": self.max_continuous_minutes,
            "max_carried": self.max_carried,
        }

    @classmethod
    def _fields_from(cls, payload: dict[str, Any]) -> dict[str, Any]:
        data = payload["data"]
        return {
            "max_orders_per_hour": int(data["max_orders_per_hour"]),
            "max_continuous_minutes": int(data["max_continuous_minutes"]),
            "max_carried": int(data["max_carried"]),
        }


# Decisions and operator actions the audit chain records (issue 16): the aggregate is what
# was decided or acted on (a risk decision, a grant, a case, a dispute, a rule).


@dataclass(frozen=True, kw_only=True)
class DecisionRecorded(DomainEvent):
    """An automatic decision: a risk verdict, a compensation grant and its liability call."""

    topic: ClassVar[str] = "audit.decision"
    kind: str  # risk, compensation
    facts: dict[str, Any]

    def _data(self) -> dict[str, Any]:
        return {"kind": self.kind, "facts": self.facts}

    @classmethod
    def _fields_from(cls, payload: dict[str, Any]) -> dict[str, Any]:
        data = payload["data"]
        return {"kind": str(data["kind"]), "facts": dict(data["facts"])}


@dataclass(frozen=True, kw_only=True)
class CustomerMessaged(DomainEvent):
    """Something was said to a customer (or a status-page subscriber): an order step, a
    notification, a make-good, a statement. The aggregate is the message (or notification);
    the words are kept as sent, for the audit chain."""

    topic: ClassVar[str] = "audit.message"
    recipient: str  # customer:<id>, or subscriber:<id> for a status-page subscription
    order_id: str | None
    channels: tuple[str, ...]  # inbox, push, sms, call, email, webhook: as planned when sent
    dedupe_key: str  # what the message is about (an anomaly, an incident update, an event)
    title: str
    body: str

    def _data(self) -> dict[str, Any]:
        return {
            "recipient": self.recipient,
            "order_id": self.order_id,
            "channels": list(self.channels),
            "dedupe_key": self.dedupe_key,
            "title": self.title,
            "body": self.body,
        }

    @classmethod
    def _fields_from(cls, payload: dict[str, Any]) -> dict[str, Any]:
        data = payload["data"]
        return {
            "recipient": str(data["recipient"]),
            "order_id": data.get("order_id"),
            "channels": tuple(data.get("channels") or ()),
            "dedupe_key": str(data.get("dedupe_key") or ""),
            "title": str(data["title"]),
            "body": str(data["body"]),
        }


@dataclass(frozen=True, kw_only=True)
class OperatorActed(DomainEvent):
    """An operator's (or a merchant's, a rider's) action on a rule, a case or a dispute."""

    topic: ClassVar[str] = "audit.action"
    kind: str  # e.g. risk.rule_saved, risk.case_resolved, compliance.dispute_decided
    facts: dict[str, Any]

    def _data(self) -> dict[str, Any]:
        return {"kind": self.kind, "facts": self.facts}

    @classmethod
    def _fields_from(cls, payload: dict[str, Any]) -> dict[str, Any]:
        data = payload["data"]
        return {"kind": str(data["kind"]), "facts": dict(data["facts"])}


@dataclass(frozen=True, kw_only=True)
class DispatchModeChanged(DomainEvent):
    """The tenant's (the aggregate's) dispatch switched between normal and crisis weights;
    ``reason`` says what switched it (a declaration, or the backlog and for how long)."""

    topic: ClassVar[str] = "dispatch.mode_changed"
    previous: str
    mode: str

    def _data(self) -> dict[str, Any]:
        return {"previous": self.previous, "mode": self.mode}

    @classmethod
    def _fields_from(cls, payload: dict[str, Any]) -> dict[str, Any]:
        data = payload["data"]
        return {"previous": data["previous"], "mode": data["mode"]}


@dataclass(frozen=True, kw_only=True)
class FeatureSwitched(DomainEvent):
    """A deferrable feature (the aggregate) was switched off, or back on, by an operator."""

    topic: ClassVar[str] = "resilience.feature_switched"
    off: bool
    for_seconds: int | None = None

    def _data(self) -> dict[str, Any]:
        return {"off": self.off, "for_seconds": self.for_seconds}

    @classmethod
    def _fields_from(cls, payload: dict[str, Any]) -> dict[str, Any]:
        data = payload["data"]
        seconds = data.get("for_seconds")
        return {"off": bool(data["off"]), "for_seconds": int(seconds) if seconds else None}


@dataclass(frozen=True, kw_only=True)
class DrillScheduleChanged(DomainEvent):
    """A drill schedule (the aggregate) was made, paused, resumed, deleted or run at once: a
    drill points load and kill -9 at a database, so who did which is kept in the audit chain."""

    topic: ClassVar[str] = "resilience.drill_schedule_changed"
    change: str  # scheduled | paused | resumed | deleted | run_requested
    kind: str  # crash | failover | overload

    def _data(self) -> dict[str, Any]:
        return {"change": self.change, "kind": self.kind}

    @classmethod
    def _fields_from(cls, payload: dict[str, Any]) -> dict[str, Any]:
        data = payload["data"]
        return {"change": str(data["change"]), "kind": str(data["kind"])}


# An order's steps: the aggregate is the order.


# What customers say about trouble (the aggregate is the anomaly it is about): the sentiment
# watch (tiffin.comms.watch) reads every one.


@dataclass(frozen=True, kw_only=True)
class CustomerSpoke(DomainEvent):
    """Base of the texts customers write: ``text`` for the sentiment watch, on ``order_id``."""

    order_id: str
    text: str

    def _data(self) -> dict[str, Any]:
        return {"order_id": self.order_id, "text": self.text}

    @classmethod
    def _fields_from(cls, payload: dict[str, Any]) -> dict[str, Any]:
        data = payload["data"]
        return {"order_id": data["order_id"], "text": data["text"]}


@dataclass(frozen=True, kw_only=True)
class FeedbackGiven(CustomerSpoke):
    """A customer rated how an anomaly was handled, with a comment (``rating`` 1-5)."""

    topic: ClassVar[str] = "care.feedback_given"
    rating: int

    def _data(self) -> dict[str, Any]:
        return super()._data() | {"rating": self.rating}

    @classmethod
    def _fields_from(cls, payload: dict[str, Any]) -> dict[str, Any]:
        return super()._fields_from(payload) | {"rating": int(payload["data"]["rating"])}


@dataclass(frozen=True, kw_only=True)
class ProblemReported(CustomerSpoke):
    """A customer reported missing, wrong or damaged items, in their own words."""

    topic: ClassVar[str] = "care.problem_reported"


@dataclass(frozen=True, kw_only=True)
class SafetyRulesChanged(DomainEvent):
    """An operator changed the tenant's (the aggregate's) rider safety rules."""

    topic: ClassVar[str] = "safety.rules_changed"
    require_checkin: bool
    require_training: bool
    require_insurance: bool
    retention_days: int

    def _data(self) -> dict[str, Any]:
        return {
            "require_checkin": self.require_checkin,
            "require_training": self.require_training,
            "require_insurance": self.require_insurance,
            "retention_days": self.retention_days,
        }

    @classmethod
    def _fields_from(cls, payload: dict[str, Any]) -> dict[str, Any]:
        data = payload["data"]
        return {
            "require_checkin": bool(data["require_checkin"]),
            "require_training": bool(data["require_training"]),
            "require_insurance": bool(data["require_insurance"]),
            "retention_days": int(data["retention_days"]),
        }


@dataclass(frozen=True, kw_only=True)
class PublicHealthModeChanged(DomainEvent):
    """An operator switched the tenant's (the aggregate's) public-health mode (疫情模式)."""

    topic: ClassVar[str] = "safety.public_health_mode"
    on: bool

    def _data(self) -> dict[str, Any]:
        return {"on": self.on}

    @classmethod
    def _fields_from(cls, payload: dict[str, Any]) -> dict[str, Any]:
        return {"on": bool(payload["data"]["on"])}


@dataclass(frozen=True, kw_only=True)
class OrderStatusChanged(DomainEvent):
    """An order moved from one status to another (or recorded a fact within one).

    ``rider_id`` is the rider the step concerns where it names one (``names_rider``): the one
    assigned, the one handing back, the one carrying it, the one holding it when it ended.
    """

    action: ClassVar[str]
    names_rider: ClassVar[bool] = False
    from_status: OrderStatus | None  # None only when the order is placed
    to_status: OrderStatus
    rider_id: str | None = None

    def _data(self) -> dict[str, Any]:
        return {"rider_id": self.rider_id} if self.names_rider else {}

    def _labels(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "from_status": self.from_status.value if self.from_status else "",
            "to_status": self.to_status.value,
        }

    @classmethod
    def _fields_from(cls, payload: dict[str, Any]) -> dict[str, Any]:
        source = payload.get("from_status")
        return {
            "from_status": OrderStatus(source) if source else None,
            "to_status": OrderStatus(payload["to_status"]),
            "rider_id": (payload.get("data") or {}).get("rider_id"),
        }


@dataclass(frozen=True, kw_only=True)
class OrderPlaced(OrderStatusChanged):
    """A customer placed an order at a merchant."""

    topic: ClassVar[str] = "order.placed"
    action: ClassVar[str] = "placed"
    merchant_id: str
    total_cents: int
    from_status: OrderStatus | None = None
    to_status: OrderStatus = OrderStatus.PLACED

    def _data(self) -> dict[str, Any]:
        return {"total_cents": self.total_cents, "merchant_id": self.merchant_id}

    @classmethod
    def _fields_from(cls, payload: dict[str, Any]) -> dict[str, Any]:
        data = payload["data"]
        return super()._fields_from(payload) | {
            "merchant_id": data["merchant_id"],
            "total_cents": int(data["total_cents"]),
        }


@dataclass(frozen=True, kw_only=True)
class OrderAccepted(OrderStatusChanged):
    """The merchant took the order and is cooking it."""

    topic: ClassVar[str] = "order.accept"
    action: ClassVar[str] = Action.ACCEPT.value


@dataclass(frozen=True, kw_only=True)
class OrderRejected(OrderStatusChanged):
    """The merchant declined the order (it ends cancelled)."""

    topic: ClassVar[str] = "order.reject"
    action: ClassVar[str] = Action.REJECT.value
    names_rider: ClassVar[bool] = True


@dataclass(frozen=True, kw_only=True)
class OrderMarkedReady(OrderStatusChanged):
    """The food is ready at the merchant."""

    topic: ClassVar[str] = "order.mark_ready"
    action: ClassVar[str] = Action.MARK_READY.value


@dataclass(frozen=True, kw_only=True)
class OrderAssigned(OrderStatusChanged):
    """A rider took the order."""

    topic: ClassVar[str] = "order.assign"
    action: ClassVar[str] = Action.ASSIGN.value
    names_rider: ClassVar[bool] = True


@dataclass(frozen=True, kw_only=True)
class OrderUnassigned(OrderStatusChanged):
    """The order went back to the pool: its rider handed it back, or the platform took it."""

    topic: ClassVar[str] = "order.unassign"
    action: ClassVar[str] = Action.UNASSIGN.value
    names_rider: ClassVar[bool] = True


@dataclass(frozen=True, kw_only=True)
class OrderPickedUp(OrderStatusChanged):
    """The rider has the food."""

    topic: ClassVar[str] = "order.pick_up"
    action: ClassVar[str] = Action.PICK_UP.value
    names_rider: ClassVar[bool] = True


@dataclass(frozen=True, kw_only=True)
class OrderDelivered(OrderStatusChanged):
    """The rider handed the food over."""

    topic: ClassVar[str] = "order.deliver"
    action: ClassVar[str] = Action.DELIVER.value
    names_rider: ClassVar[bool] = True


@dataclass(frozen=True, kw_only=True)
class OrderCancelled(OrderStatusChanged):
    """Someone (``actor``) cancelled the order, saying why."""

    topic: ClassVar[str] = "order.cancel"
    action: ClassVar[str] = Action.CANCEL.value
    names_rider: ClassVar[bool] = True


@dataclass(frozen=True, kw_only=True)
class OrderFailed(OrderStatusChanged):
    """The delivery failed after pick-up (the food never arrived)."""

    topic: ClassVar[str] = "order.fail"
    action: ClassVar[str] = Action.FAIL.value
    names_rider: ClassVar[bool] = True


ORDER_EVENTS: dict[Action, type[OrderStatusChanged]] = {
    Action(t.action): t
    for t in (
        OrderAccepted,
        OrderRejected,
        OrderMarkedReady,
        OrderAssigned,
        OrderUnassigned,
        OrderPickedUp,
        OrderDelivered,
        OrderCancelled,
        OrderFailed,
    )
}
"""The event each action of the order's state machine records."""

_EVERY_TYPE: tuple[type[DomainEvent], ...] = (
    RiderShiftStarted,
    RiderShiftEnded,
    OfferMade,
    OfferRejected,
    RiskZoneClosed,
    WorkloadCapsChanged,
    FeedbackGiven,
    ProblemReported,
    DecisionRecorded,
    OperatorActed,
    CustomerMessaged,
    DispatchModeChanged,
    SafetyRulesChanged,
    PublicHealthModeChanged,
    FeatureSwitched,
    DrillScheduleChanged,
    OrderPlaced,
    *ORDER_EVENTS.values(),
)
EVENT_TYPES: dict[str, type[DomainEvent]] = {t.topic: t for t in _EVERY_TYPE}
"""Every topic the outbox carries, and the class its rows decode to."""


def event_type(topic: str) -> type[DomainEvent]:
    """The class of ``topic``'s events; ``UnknownEvent`` if there is none."""
    try:
        return EVENT_TYPES[topic]
    except KeyError:
        raise UnknownEvent(topic) from None


def decode(topic: str, payload: dict[str, Any]) -> DomainEvent:
    """The event stored under ``topic`` with ``payload``; ``UnknownEvent`` if the topic has no
    class."""
    return event_type(topic).from_payload(payload)

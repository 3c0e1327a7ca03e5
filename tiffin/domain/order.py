"""The order aggregate and its state machine.

The main path is placed -> accepted (merchant) -> ready (food) -> assigned (rider) -> picked_up
-> delivered. Real dispatch sends a rider while the kitchen is still cooking, so ``assign`` is
legal from ``accepted`` too; food readiness is then recorded as a fact (``ready_at``) while the
order stays ``assigned``, and ``pick_up`` requires it. ``cancelled`` and ``failed`` are terminal.

Each transition checks who may do it (``RULES``), records a ``Transition`` in the history and
emits the action's event (one ``OrderStatusChanged`` class per action, ``ORDER_EVENTS``).
Anything else raises ``IllegalTransition``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tiffin.domain.events import ORDER_EVENTS, DomainEvent, OrderPlaced
from tiffin.domain.geo import LatLon
from tiffin.domain.handover import NO_PROOF, DropoffProof, Handover, HandoverRefused, judge
from tiffin.domain.order_status import TERMINAL as TERMINAL
from tiffin.domain.order_status import Action as Action
from tiffin.domain.order_status import OrderStatus as OrderStatus
from tiffin.domain.principals import Actor, ActorRole


class IllegalTransition(Exception):
    """The action is not allowed in this state, for this actor, or without its preconditions."""

    def __init__(self, detail: str, *, code: str = "illegal_transition") -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


S = OrderStatus
R = ActorRole
PLATFORM = frozenset({R.OPERATOR, R.SYSTEM})


@dataclass(frozen=True)
class Rule:
    sources: frozenset[OrderStatus]
    roles: frozenset[ActorRole]


RULES: dict[Action, Rule] = {
    Action.ACCEPT: Rule(frozenset({S.PLACED}), frozenset({R.MERCHANT}) | PLATFORM),
    Action.REJECT: Rule(frozenset({S.PLACED}), frozenset({R.MERCHANT}) | PLATFORM),
    Action.MARK_READY: Rule(
        frozenset({S.ACCEPTED, S.ASSIGNED}), frozenset({R.MERCHANT}) | PLATFORM
    ),
    Action.ASSIGN: Rule(frozenset({S.ACCEPTED, S.READY}), frozenset({R.RIDER}) | PLATFORM),
    Action.UNASSIGN: Rule(frozenset({S.ASSIGNED}), frozenset({R.RIDER}) | PLATFORM),
    Action.PICK_UP: Rule(frozenset({S.ASSIGNED}), frozenset({R.RIDER}) | PLATFORM),
    Action.DELIVER: Rule(frozenset({S.PICKED_UP}), frozenset({R.RIDER}) | PLATFORM),
    Action.CANCEL: Rule(
        frozenset({S.PLACED, S.ACCEPTED, S.READY, S.ASSIGNED}),
        frozenset({R.CUSTOMER, R.MERCHANT}) | PLATFORM,
    ),
    Action.FAIL: Rule(frozenset({S.PICKED_UP}), frozenset({R.RIDER}) | PLATFORM),
}

# A customer may cancel only before the kitchen has started: after that the food is made.
CUSTOMER_CANCELLABLE = frozenset({S.PLACED})
# Actions that must say why: they end or undo something somebody was counting on.
NEEDS_REASON = frozenset({Action.REJECT, Action.UNASSIGN, Action.CANCEL, Action.FAIL})


@dataclass(frozen=True, slots=True)
class OrderLine:
    item_id: str
    name: str
    quantity: int
    unit_price_cents: int

    def __post_init__(self) -> None:
        if self.quantity < 1:
            raise ValueError("quantity must be at least 1")
        if self.unit_price_cents < 0:
            raise ValueError("price cannot be negative")

    @property
    def total_cents(self) -> int:
        return self.quantity * self.unit_price_cents


@dataclass(frozen=True, slots=True)
class Transition:
    action: Action
    from_status: OrderStatus
    to_status: OrderStatus
    actor: Actor
    reason: str
    at: datetime


@dataclass(eq=False)
class Order:
    """An order from one customer at one merchant, delivered by at most one rider at a time."""

    id: str
    tenant_id: str
    customer_id: str
    merchant_id: str
    lines: list[OrderLine]
    dropoff: LatLon
    dropoff_note: str
    delivery_fee_cents: int
    placed_at: datetime
    promised_at: datetime
    status: OrderStatus = OrderStatus.PLACED
    rider_id: str | None = None
    ready_at: datetime | None = None
    picked_up_at: datetime | None = None
    finished_at: datetime | None = None
    discount_cents: int = 0  # a coupon redeemed at checkout
    contactless: bool = False  # the customer asked for it (a closed zone forces it too)
    dropoff_code: str = ""  # shown to the customer only; proves a contactless drop
    handover: Handover | None = None  # how it was delivered, once it was
    handover_photo_ref: str | None = None
    history: list[Transition] = field(default_factory=list)
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def place(
        cls,
        *,
        id: str,
        tenant_id: str,
        customer_id: str,
        merchant_id: str,
        lines: list[OrderLine],
        dropoff: LatLon,
        dropoff_note: str = "",
        delivery_fee_cents: int,
        placed_at: datetime,
        promised_at: datetime,
        discount_cents: int = 0,
        contactless: bool = False,
        dropoff_code: str = "",
    ) -> Order:
        """Create a new order; emits ``OrderPlaced``."""
        if not lines:
            raise IllegalTransition("an order needs at least one line", code="empty_order")
        if promised_at < placed_at:
            raise ValueError("promise lies before placement")
        if not 0 <= discount_cents <= sum(line.total_cents for line in lines):
            raise ValueError("a discount lies between nothing and the food's price")
        order = cls(
            id=id,
            tenant_id=tenant_id,
            customer_id=customer_id,
            merchant_id=merchant_id,
            lines=list(lines),
            dropoff=dropoff,
            dropoff_note=dropoff_note,
            delivery_fee_cents=delivery_fee_cents,
            placed_at=placed_at,
            promised_at=promised_at,
            discount_cents=discount_cents,
            contactless=contactless,
            dropoff_code=dropoff_code,
        )
        order.events.append(
            OrderPlaced(
                aggregate_id=id,
                tenant_id=tenant_id,
                at=placed_at,
                actor=Actor(R.CUSTOMER, customer_id),
                merchant_id=merchant_id,
                total_cents=order.total_cents,
            )
        )
        return order

    @property
    def items_cents(self) -> int:
        return sum(line.total_cents for line in self.lines)

    @property
    def total_cents(self) -> int:
        return self.items_cents + self.delivery_fee_cents - self.discount_cents

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    def apply(
        self,
        action: Action,
        *,
        actor: Actor,
        at: datetime,
        reason: str = "",
        rider_id: str | None = None,
    ) -> None:
        """Perform ``action`` if the rules allow it; otherwise raise ``IllegalTransition``."""
        rule = RULES[action]
        if actor.role not in rule.roles:  # the role first: it is the reason that will not pass
            raise IllegalTransition(
                f"a {actor.role} cannot {action.value} an order", code="actor_not_allowed"
            )
        if self.status not in rule.sources:
            raise IllegalTransition(f"cannot {action.value} an order that is {self.status.value}")
        customer_cancel = actor.role is R.CUSTOMER and action is Action.CANCEL
        if customer_cancel and self.status not in CUSTOMER_CANCELLABLE:
            raise IllegalTransition(
                "the merchant has already accepted this order; ask support to cancel it",
                code="too_late_to_cancel",
            )
        if action in NEEDS_REASON and not reason.strip():
            raise IllegalTransition(f"{action.value} needs a reason", code="reason_required")
        if at < self._last_change_at():
            raise IllegalTransition("a transition cannot happen before the previous one")
        target = self._target(action, actor, rider_id)
        self._record(action, target, actor, at, reason, rider_id)

    def deliver(
        self,
        *,
        actor: Actor,
        at: datetime,
        proof: DropoffProof = NO_PROOF,
        contactless: bool = False,
    ) -> None:
        """Deliver, recording how it changed hands; ``contactless`` is true when the customer
        asked for it or a closed zone covers the address. A rider's wrong code or missing proof
        raises ``IllegalTransition`` with the ``HandoverRefused`` code, after the usual checks
        (so a wrong order state is reported as such, not as a wrong code)."""
        rule = RULES[Action.DELIVER]
        by_rider = actor.role is R.RIDER
        if self.status in rule.sources and (not by_rider or actor.id == self.rider_id):
            try:
                how = judge(
                    proof,
                    expected_code=self.dropoff_code,
                    contactless=contactless or self.contactless,
                    by_rider=by_rider,
                )
            except HandoverRefused as exc:
                raise IllegalTransition(exc.detail, code=exc.code) from None
        else:
            how = Handover.IN_PERSON  # apply() refuses below
        self.apply(Action.DELIVER, actor=actor, at=at)
        self.handover = how
        self.handover_photo_ref = proof.photo_ref if how is Handover.PHOTO else None

    def _target(self, action: Action, actor: Actor, rider_id: str | None) -> OrderStatus:
        carrying = action in (Action.PICK_UP, Action.DELIVER, Action.FAIL, Action.UNASSIGN)
        if carrying and actor.role is R.RIDER and actor.id != self.rider_id:
            raise IllegalTransition("this order is not assigned to you", code="not_your_order")
        if action is Action.ASSIGN:
            if not rider_id:
                raise IllegalTransition("assign needs a rider", code="rider_required")
            if actor.role is R.RIDER and actor.id != rider_id:
                raise IllegalTransition("a rider can only take an order for themselves")
            return S.ASSIGNED
        if action is Action.PICK_UP and self.ready_at is None:
            raise IllegalTransition("the food is not ready yet", code="food_not_ready")
        if action is Action.MARK_READY:
            return S.ASSIGNED if self.status is S.ASSIGNED else S.READY
        if action is Action.UNASSIGN:
            return S.READY if self.ready_at is not None else S.ACCEPTED
        return {
            Action.ACCEPT: S.ACCEPTED,
            Action.REJECT: S.CANCELLED,
            Action.PICK_UP: S.PICKED_UP,
            Action.DELIVER: S.DELIVERED,
            Action.CANCEL: S.CANCELLED,
            Action.FAIL: S.FAILED,
        }[action]

    def _record(
        self,
        action: Action,
        target: OrderStatus,
        actor: Actor,
        at: datetime,
        reason: str,
        rider_id: str | None,
    ) -> None:
        source = self.status
        # The rider the step names (if its event names one): the new one for an assignment,
        # otherwise the one holding the order before the step.
        named_rider = rider_id if action is Action.ASSIGN else self.rider_id
        if action is Action.ASSIGN:
            self.rider_id = rider_id
        elif action is Action.UNASSIGN:
            self.rider_id = None
        elif action is Action.MARK_READY:
            self.ready_at = at
        elif action is Action.PICK_UP:
            self.picked_up_at = at
        if target in TERMINAL:
            self.finished_at = at
        self.status = target
        self.history.append(Transition(action, source, target, actor, reason, at))
        event = ORDER_EVENTS[action]
        self.events.append(
            event(
                aggregate_id=self.id,
                tenant_id=self.tenant_id,
                at=at,
                actor=actor,
                reason=reason,
                from_status=source,
                to_status=target,
                rider_id=named_rider if event.names_rider else None,
            )
        )

    def _last_change_at(self) -> datetime:
        return self.history[-1].at if self.history else self.placed_at

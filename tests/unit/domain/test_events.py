"""Every event class survives the outbox (payload -> from_payload), reads the rows already
stored, and an unknown topic is refused by name."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tiffin.domain.events import (
    EVENT_TYPES,
    ORDER_EVENTS,
    Actor,
    CustomerMessaged,
    DecisionRecorded,
    DispatchModeChanged,
    DomainEvent,
    DrillScheduleChanged,
    FeatureSwitched,
    FeedbackGiven,
    OfferMade,
    OfferRejected,
    OperatorActed,
    OrderCancelled,
    OrderPlaced,
    OrderStatusChanged,
    ProblemReported,
    PublicHealthModeChanged,
    RiderShiftEnded,
    RiderShiftStarted,
    RiskZoneClosed,
    SafetyRulesChanged,
    UnknownEvent,
    WorkloadCapsChanged,
    decode,
    event_type,
)
from tiffin.domain.order import Action, OrderStatus

T0 = datetime(2026, 3, 2, 11, 30, tzinfo=UTC)
RIDER = Actor("rider", "rdr_1")
COMMON: dict[str, Any] = {"tenant_id": "ten_1", "at": T0, "actor": RIDER, "reason": "why"}


def examples() -> list[DomainEvent]:
    """One event of every registered class, every own field set to something other than its
    default."""
    steps: list[DomainEvent] = [
        cls(
            aggregate_id="ord_1",
            **COMMON,
            from_status=OrderStatus.ASSIGNED,
            to_status=OrderStatus.PICKED_UP,
            rider_id="rdr_1" if cls.names_rider else None,
        )
        for cls in ORDER_EVENTS.values()
    ]
    return [
        *steps,
        OrderPlaced(aggregate_id="ord_1", **COMMON, merchant_id="mer_1", total_cents=2700),
        RiderShiftStarted(aggregate_id="rdr_1", **COMMON),
        RiderShiftEnded(aggregate_id="rdr_1", **COMMON),
        OfferMade(aggregate_id="ord_1", **COMMON, offer_id="ofr_1", rider_id="rdr_1"),
        OfferRejected(aggregate_id="ord_1", **COMMON, offer_id="ofr_1", rider_id="rdr_1"),
        RiskZoneClosed(
            aggregate_id="rzn_1", **COMMON, name="Block 9", closed_until=T0 + timedelta(hours=3)
        ),
        WorkloadCapsChanged(
            aggregate_id="ten_1",
            **COMMON,
            max_orders_per_hour=5,
            max_continuous_minutes=200,
            max_carried=2,
        ),
        FeedbackGiven(aggregate_id="anm_1", **COMMON, order_id="ord_1", text="太慢", rating=2),
        ProblemReported(aggregate_id="anm_1", **COMMON, order_id="ord_1", text="missing: soup"),
        DecisionRecorded(
            aggregate_id="rsk_1", **COMMON, kind="risk", facts={"verdict": "review", "score": 60}
        ),
        OperatorActed(
            aggregate_id="rcs_1", **COMMON, kind="risk.case_resolved", facts={"outcome": "x"}
        ),
        CustomerMessaged(
            aggregate_id="msg_1",
            **COMMON,
            recipient="customer:cus_1",
            order_id="ord_1",
            channels=("push", "sms", "inbox"),
            dedupe_key="anomaly:anm_1",
            title="出餐延迟",
            body="抱歉，商家出餐较慢。",
        ),
        DispatchModeChanged(aggregate_id="ten_1", **COMMON, previous="normal", mode="crisis"),
        SafetyRulesChanged(
            aggregate_id="ten_1",
            **COMMON,
            require_checkin=True,
            require_training=True,
            require_insurance=True,
            retention_days=9,
        ),
        PublicHealthModeChanged(aggregate_id="ten_1", **COMMON, on=True),
        FeatureSwitched(aggregate_id="browse", **COMMON, off=True, for_seconds=600),
        DrillScheduleChanged(aggregate_id="drl_1", **COMMON, change="paused", kind="crash"),
    ]


def test_the_examples_cover_every_registered_topic() -> None:
    assert sorted(e.topic for e in examples()) == sorted(EVENT_TYPES)


@pytest.mark.parametrize("event", examples(), ids=lambda e: e.topic)
def test_every_event_survives_the_outbox(event: DomainEvent) -> None:
    stored = json.loads(json.dumps(event.payload()))  # as the JSON column gives it back
    assert decode(event.topic, stored) == event
    assert type(event).from_payload(stored) == event


# Rows as the code before typed events wrote them (``Happened(what=...)`` and the order's
# generic event with a ``data`` dict): they must still read, and new rows must look the same.
STORED: list[tuple[str, dict[str, Any], DomainEvent]] = [
    (
        "order.placed",
        {
            "aggregate_id": "ord_1",
            "tenant_id": "ten_1",
            "at": "2026-03-02T11:30:00+00:00",
            "actor": {"role": "customer", "id": "cus_1"},
            "reason": "",
            "data": {"total_cents": 2700, "merchant_id": "mer_1"},
            "action": "placed",
            "from_status": "",
            "to_status": "placed",
        },
        OrderPlaced(
            aggregate_id="ord_1",
            tenant_id="ten_1",
            at=T0,
            actor=Actor("customer", "cus_1"),
            merchant_id="mer_1",
            total_cents=2700,
        ),
    ),
    (
        "order.cancel",
        {
            "aggregate_id": "ord_1",
            "tenant_id": "ten_1",
            "at": "2026-03-02T11:30:00+00:00",
            "actor": {"role": "merchant", "id": "mer_1"},
            "reason": "sold out",
            "data": {"rider_id": None},
            "action": "cancel",
            "from_status": "accepted",
            "to_status": "cancelled",
        },
        OrderCancelled(
            aggregate_id="ord_1",
            tenant_id="ten_1",
            at=T0,
            actor=Actor("merchant", "mer_1"),
            reason="sold out",
            from_status=OrderStatus.ACCEPTED,
            to_status=OrderStatus.CANCELLED,
        ),
    ),
    (
        "offer.rejected",
        {
            "aggregate_id": "ord_1",
            "tenant_id": "ten_1",
            "at": "2026-03-02T11:30:00+00:00",
            "actor": {"role": "rider", "id": "rdr_1"},
            "reason": "too far",
            "data": {"offer_id": "ofr_1", "rider_id": "rdr_1"},
            "what": "offer.rejected",
        },
        OfferRejected(
            aggregate_id="ord_1",
            tenant_id="ten_1",
            at=T0,
            actor=RIDER,
            reason="too far",
            offer_id="ofr_1",
            rider_id="rdr_1",
        ),
    ),
    (
        "safety.zone_closed",
        {
            "aggregate_id": "rzn_1",
            "tenant_id": "ten_1",
            "at": "2026-03-02T11:30:00+00:00",
            "actor": {"role": "operator", "id": "usr_ops"},
            "reason": "outbreak",
            "data": {"name": "Block 9", "until": "2026-03-02T14:30:00+00:00"},
            "what": "safety.zone_closed",
        },
        RiskZoneClosed(
            aggregate_id="rzn_1",
            tenant_id="ten_1",
            at=T0,
            actor=Actor("operator", "usr_ops"),
            reason="outbreak",
            name="Block 9",
            closed_until=T0 + timedelta(hours=3),
        ),
    ),
    (
        "rider.shift_started",
        {
            "aggregate_id": "rdr_1",
            "tenant_id": "ten_1",
            "at": "2026-03-02T11:30:00+00:00",
            "actor": {"role": "rider", "id": "rdr_1"},
            "reason": "",
            "data": {},
            "what": "rider.shift_started",
        },
        RiderShiftStarted(aggregate_id="rdr_1", tenant_id="ten_1", at=T0, actor=RIDER),
    ),
]


@pytest.mark.parametrize(("topic", "payload", "event"), STORED, ids=[s[0] for s in STORED])
def test_rows_stored_before_typed_events_still_read_and_look_the_same(
    topic: str, payload: dict[str, Any], event: DomainEvent
) -> None:
    assert decode(topic, payload) == event
    assert event.payload() == payload
    assert list(event.payload()) == list(payload)  # even the order of the keys


def test_an_unknown_topic_is_refused_by_name() -> None:
    with pytest.raises(UnknownEvent, match="order.teleported") as err:
        decode("order.teleported", {})
    assert err.value.topic == "order.teleported"
    with pytest.raises(UnknownEvent):
        event_type("Happened")


def test_every_action_of_the_state_machine_has_its_event() -> None:
    assert set(ORDER_EVENTS) == set(Action)
    assert all(issubclass(t, OrderStatusChanged) for t in ORDER_EVENTS.values())
    assert {t.topic for t in ORDER_EVENTS.values()} == {f"order.{a.value}" for a in Action}


def test_consumers_can_match_on_the_class() -> None:
    def said(event: DomainEvent) -> str:
        match event:
            case OfferRejected(rider_id=rider, reason=why):
                return f"{rider} refused: {why}"
            case OrderStatusChanged(to_status=OrderStatus.CANCELLED):
                return "cancelled"
            case _:
                return "other"

    events = {e.topic: e for e in examples()}
    assert said(events["offer.rejected"]) == "rdr_1 refused: why"
    assert said(decode("order.cancel", STORED[1][1])) == "cancelled"
    assert said(events["rider.shift_started"]) == "other"

"""Every detector, on plain facts: fires when it should, stays quiet when it should not."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tiffin.anomalies.detectors import (
    attribute_delay,
    handed_back,
    item_problem,
    on_finished,
    scan,
)
from tiffin.anomalies.eta import EtaModel
from tiffin.anomalies.thresholds import Thresholds
from tiffin.domain.anomalies import AnomalyType as A
from tiffin.domain.anomalies import Liability, OrderFacts, Reason, RiderFacts, Severity
from tiffin.domain.geo import LatLon
from tiffin.domain.order import OrderStatus as S

T0 = datetime(2026, 11, 25, 11, 30, tzinfo=UTC)
T = Thresholds()
ETA = EtaModel()
CANTEEN = LatLon(31.030, 121.440)
DOOR = LatLon(31.034, 121.444)  # about 570 m away: a 3-minute ride


def minutes(m: float) -> timedelta:
    return timedelta(minutes=m)


def facts(status: S = S.PLACED, **kw: object) -> OrderFacts:
    base = OrderFacts(
        order_id="o1",
        status=status,
        placed_at=T0,
        promised_at=T0 + minutes(35),
        expected_ready_at=T0 + minutes(12),
        merchant_at=CANTEEN,
        dropoff=DOOR,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def rider(**kw: object) -> RiderFacts:
    base = RiderFacts("r1", True, CANTEEN, T0 + minutes(14), T0 + minutes(14))
    return replace(base, **kw)  # type: ignore[arg-type]


def kinds(f: OrderFacts, at: datetime) -> set[A]:
    return {d.type for d in scan(f, at, T, ETA)}


def test_merchant_slow_accept_fires_after_n_minutes_and_blames_the_merchant() -> None:
    assert kinds(facts(), T0 + minutes(4)) == set()
    found = scan(facts(), T0 + minutes(5), T, ETA)
    assert [d.type for d in found] == [A.MERCHANT_SLOW_ACCEPT]
    assert found[0].liable is Liability.MERCHANT and found[0].since == T0 + minutes(5)


def test_food_late_after_prep_time_plus_grace_but_not_once_ready() -> None:
    accepted = facts(S.ACCEPTED, accepted_at=T0 + minutes(1), waiting_since=T0 + minutes(1))
    assert A.FOOD_LATE not in kinds(accepted, T0 + minutes(16))
    assert A.FOOD_LATE in kinds(accepted, T0 + minutes(17))
    ready = replace(accepted, status=S.READY, ready_at=T0 + minutes(20))
    assert A.FOOD_LATE not in kinds(ready, T0 + minutes(21))


def test_no_rider_m_minutes_after_the_food_is_ready_or_after_k_offers() -> None:
    waiting = facts(S.READY, ready_at=T0 + minutes(8), waiting_since=T0 + minutes(1))
    assert A.NO_RIDER not in kinds(waiting, T0 + minutes(17))
    assert A.NO_RIDER in kinds(waiting, T0 + minutes(18))
    offered = replace(waiting, offers_made=3)
    found = [d for d in scan(offered, T0 + minutes(9), T, ETA) if d.type is A.NO_RIDER]
    assert found and found[0].facts["offers_made"] == 3


def test_an_order_still_cooking_is_not_short_of_a_rider() -> None:
    cooking = facts(S.ACCEPTED, accepted_at=T0, waiting_since=T0)  # ready expected at minute 12
    assert A.NO_RIDER not in kinds(cooking, T0 + minutes(15))
    assert A.NO_RIDER in kinds(cooking, T0 + minutes(22))


def test_no_rider_in_a_declared_storm_is_force_majeure() -> None:
    waiting = facts(S.READY, ready_at=T0, waiting_since=T0, weather=True)
    d = next(d for d in scan(waiting, T0 + minutes(11), T, ETA) if d.type is A.NO_RIDER)
    assert (d.liable, d.reason) == (Liability.FORCE_MAJEURE, Reason.WEATHER)


@pytest.mark.parametrize(
    ("who", "why"),
    [
        (dict(seen_at=T0 + minutes(14)), "no location report"),
        (dict(on_shift=False), "rider went off shift with the order"),
        (dict(seen_at=T0 + minutes(24), moved_at=T0 + minutes(14)), "not moving"),
    ],
)
def test_rider_lost_when_silent_off_shift_or_standing_still(
    who: dict[str, object], why: str
) -> None:
    f = facts(
        S.ASSIGNED, assigned_at=T0 + minutes(13), ready_at=T0 + minutes(12), rider=rider(**who)
    )
    found = [d for d in scan(f, T0 + minutes(25), T, ETA) if d.type is A.RIDER_LOST]
    assert found and found[0].facts["why"] == why and found[0].liable is Liability.RIDER


def test_a_rider_who_reports_and_moves_is_not_lost() -> None:
    now = T0 + minutes(16)
    f = facts(
        S.ASSIGNED,
        assigned_at=T0 + minutes(13),
        rider=rider(seen_at=now - minutes(1), moved_at=now - minutes(1)),
    )
    assert A.RIDER_LOST not in kinds(f, now)


def test_rider_lost_with_the_food_is_critical() -> None:
    f = facts(S.PICKED_UP, picked_up_at=T0 + minutes(14), rider=rider(on_shift=False))
    d = next(d for d in scan(f, T0 + minutes(15), T, ETA) if d.type is A.RIDER_LOST)
    assert d.severity is Severity.CRITICAL


def test_eta_slip_when_the_prediction_misses_the_promise_by_the_threshold() -> None:
    # No rider yet: predicted = now + 5 (find one) + 2 (pickup) + ~2.3 (ride) + 1 (hand-over).
    waiting = facts(S.READY, ready_at=T0 + minutes(12), waiting_since=T0 + minutes(29))
    assert A.ETA_SLIP not in kinds(waiting, T0 + minutes(30))
    found = [d for d in scan(waiting, T0 + minutes(37), T, ETA) if d.type is A.ETA_SLIP]
    assert found and found[0].facts["minutes_late"] >= T.eta_slip_minutes


def test_finished_orders_delivered_late_are_charged_to_the_kitchen_if_the_food_was_late() -> None:
    late_food = facts(S.DELIVERED, ready_at=T0 + minutes(30), finished_at=T0 + minutes(50))
    d = on_finished(late_food, T0 + minutes(50), T, actor_role="rider", reason_text="")
    assert d is not None and d.type is A.DELIVERED_LATE
    assert (d.liable, d.reason) == (Liability.MERCHANT, Reason.MERCHANT_DELAY)
    assert d.facts["minutes_late"] == 15 and d.severity is Severity.MEDIUM
    on_time = replace(late_food, ready_at=T0 + minutes(10), finished_at=T0 + minutes(38))
    assert on_finished(on_time, T0 + minutes(38), T, actor_role="rider", reason_text="") is None


def test_delay_attribution_kitchen_then_weather_then_platform() -> None:
    now = T0 + minutes(40)
    assert attribute_delay(facts(S.ACCEPTED), now, T)[0] is Liability.MERCHANT
    ready = facts(S.READY, ready_at=T0 + minutes(12))
    assert attribute_delay(replace(ready, weather=True), now, T)[0] is Liability.FORCE_MAJEURE
    assert attribute_delay(ready, now, T) == (Liability.PLATFORM, Reason.RIDER_SHORTAGE)
    riding = facts(S.PICKED_UP, ready_at=T0 + minutes(12), assigned_at=T0 + minutes(13))
    assert attribute_delay(riding, now, T) == (Liability.PLATFORM, Reason.TRAFFIC_DELAY)


@pytest.mark.parametrize(
    ("role", "liable", "reason"),
    [
        ("merchant", Liability.MERCHANT, Reason.MERCHANT_DECLINED),
        ("rider", Liability.RIDER, Reason.RIDER_INCIDENT),
        ("operator", Liability.PLATFORM, Reason.PLATFORM_FAULT),
    ],
)
def test_cancellations_by_anyone_but_the_customer_are_anomalies(
    role: str, liable: Liability, reason: Reason
) -> None:
    f = facts(S.CANCELLED, finished_at=T0 + minutes(3))
    d = on_finished(f, T0 + minutes(3), T, actor_role=role, reason_text="kitchen closed")
    assert d is not None and (d.type, d.liable, d.reason) == (A.CANCELLED, liable, reason)
    assert on_finished(f, T0 + minutes(3), T, actor_role="customer", reason_text="x") is None


def test_item_problems_missing_is_the_kitchens_damaged_the_riders() -> None:
    missing = item_problem("o1", T0, problem="missing", photo_ref="photo/1.jpg", note="no rice")
    damaged = item_problem("o1", T0, problem="damaged", photo_ref=None, note="")
    assert missing.liable is Liability.MERCHANT and missing.facts["photo_ref"] == "photo/1.jpg"
    assert damaged.liable is Liability.RIDER
    with pytest.raises(ValueError):
        item_problem("o1", T0, problem="cold", photo_ref=None, note="")


def test_a_hand_back_is_a_lost_rider() -> None:
    d = handed_back("o1", T0 + minutes(1), since=T0, rider_id="r1", why="flat tyre")
    assert d.type is A.RIDER_LOST and d.facts == {"rider_id": "r1", "why": "handed back: flat tyre"}
    assert (d.at - d.since) == minutes(1)

"""The early-warning model: a shortfall appears only when expected orders exceed what the
riders left after failed checks, weather and closures can carry; actions scale with it."""

from __future__ import annotations

import pytest

from tiffin.safety.warning.model import (
    ORDERS_PER_RIDER_HOUR,
    Action,
    Warning,
    ZoneSignals,
    bound_pauses,
    carried_per_rider_hour,
    forecast_orders,
    riders_expected,
    warn,
)


def signals(**kw: object) -> ZoneSignals:
    base: dict[str, object] = {
        "zone_id": "zn1",
        "zone_name": "Campus",
        "riders_on_shift": 10,
        "checkins": 0,
        "failed_checkins": 0,
        "risk_level": None,
        "bad_weather": False,
        "orders_expected": 20.0,
    }
    return ZoneSignals(**(base | kw))  # type: ignore[arg-type]


def test_enough_riders_means_no_warning() -> None:
    w = warn(signals(), 2, "t")
    assert w.capacity == 60 and w.shortfall_riders == 0 and w.recommendations == ()


def test_failed_checks_weather_and_closures_take_riders_away() -> None:
    assert riders_expected(signals(checkins=10, failed_checkins=4)) == 6
    assert riders_expected(signals(bad_weather=True)) == 8
    assert round(riders_expected(signals(risk_level="high")), 2) == 6.7
    assert riders_expected(signals(risk_level="medium")) == 10


def test_a_shortfall_recommends_standby_and_longer_promises() -> None:
    w = warn(signals(riders_on_shift=4, checkins=4, failed_checkins=2, orders_expected=15), 1, "h")
    assert w.riders_expected == 2 and w.capacity == 6 and w.shortfall_riders == 3
    actions = {r.action: r for r in w.recommendations}
    assert set(actions) == {Action.CALL_STANDBY, Action.EXTEND_PROMISE, Action.PAUSE_ZONE}
    assert actions[Action.CALL_STANDBY].riders_wanted == 3
    assert actions[Action.EXTEND_PROMISE].extra_minutes == 15
    assert "50% of health checks failed" in actions[Action.CALL_STANDBY].why
    assert actions[Action.PAUSE_ZONE].id == "h:zn1:pause_zone"


def test_a_small_shortfall_does_not_pause_the_zone() -> None:
    w = warn(signals(riders_on_shift=3, orders_expected=11), 1, "h")
    assert w.shortfall_riders == 1
    assert Action.PAUSE_ZONE not in {r.action for r in w.recommendations}


def test_the_riders_own_rate_sets_the_capacity() -> None:
    w = warn(signals(riders_on_shift=4, orders_expected=40), 1, "h", orders_per_rider_hour=6.5)
    assert w.capacity == 26 and w.shortfall_riders == 3  # 14 orders beyond, 6.5 a rider


def test_the_forecast_follows_the_usual_day_scaled_by_todays_pace() -> None:
    # before the rush: a quiet last hour as usual, the rush is in the profile, not the rate
    assert forecast_orders(last_hour=8, usual_last_hour=8, usual_ahead=130, horizon_hours=2) == 130
    # after it: the usual afternoon, not the lunch hour carried on
    after = forecast_orders(last_hour=68, usual_last_hour=70, usual_ahead=40, horizon_hours=2)
    assert after == pytest.approx(40 * 69 / 71)
    # a busier day scales the profile up, bounded
    assert (
        forecast_orders(last_hour=29, usual_last_hour=14, usual_ahead=100, horizon_hours=2) == 200
    )
    assert forecast_orders(last_hour=99, usual_last_hour=9, usual_ahead=100, horizon_hours=2) == 200
    assert forecast_orders(last_hour=0, usual_last_hour=9, usual_ahead=100, horizon_hours=2) == 50
    # no history: the last hour's rate over the horizon
    assert (
        forecast_orders(last_hour=12, usual_last_hour=None, usual_ahead=None, horizon_hours=2) == 24
    )


def test_the_rate_is_the_busiest_hours_with_the_city_figure_as_fallback() -> None:
    assert carried_per_rider_hour([(85, 12.0), (75, 12.0)]) == pytest.approx(160 / 24)
    assert carried_per_rider_hour([]) == ORDERS_PER_RIDER_HOUR
    assert carried_per_rider_hour([(3, 1.0)]) == ORDERS_PER_RIDER_HOUR  # too little history
    assert carried_per_rider_hour([(0, 12.0)]) == ORDERS_PER_RIDER_HOUR


def _short(zone: str, orders: float) -> Warning:
    return warn(signals(zone_id=zone, riders_on_shift=1, orders_expected=orders), 1, "h")


def test_pauses_never_stop_every_zone_and_nothing_in_force_is_recommended_again() -> None:
    west, east = _short("w", 30), _short("e", 20)  # both would pause; the west is worse off
    bounded = bound_pauses([west, east], paused=set(), promise_extra=0, zones=2)
    paused = {
        w.zone_id for w in bounded for r in w.recommendations if r.action is Action.PAUSE_ZONE
    }
    assert paused == {"w"}
    # the west already paused: the east may not be, nor the west again
    bounded = bound_pauses([west, east], paused={"w"}, promise_extra=0, zones=2)
    assert not any(r.action is Action.PAUSE_ZONE for w in bounded for r in w.recommendations)
    # one zone alone is never paused
    (alone,) = bound_pauses([west], paused=set(), promise_extra=0, zones=1)
    assert Action.PAUSE_ZONE not in {r.action for r in alone.recommendations}
    # a promise extension at least as long already in force is not recommended again
    (w,) = bound_pauses([west], paused=set(), promise_extra=30, zones=3)
    assert {r.action for r in w.recommendations} == {Action.CALL_STANDBY, Action.PAUSE_ZONE}


def test_no_shortfall_no_recommendation_after_the_rush() -> None:
    after = forecast_orders(last_hour=68, usual_last_hour=70, usual_ahead=20, horizon_hours=2)
    w = warn(signals(riders_on_shift=4, orders_expected=after), 2, "h", orders_per_rider_hour=6.0)
    assert w.shortfall_riders == 0 and w.recommendations == ()

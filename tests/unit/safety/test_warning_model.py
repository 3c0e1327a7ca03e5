"""The early-warning model: a shortfall appears only when expected orders exceed what the
riders left after failed checks, weather and closures can carry; actions scale with it."""

from __future__ import annotations

from tiffin.safety.warning.model import Action, ZoneSignals, riders_expected, warn


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

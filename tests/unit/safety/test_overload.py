"""Overload protection (pure): near a limit no new bundles, and the rider is told why."""

from __future__ import annotations

from tiffin.safety.overload import assess_workload


def test_far_from_the_limits_bundles_are_offered() -> None:
    w = assess_workload(riding_minutes=60, today_minutes=200, continuous_limit=240)
    assert not w.near_limit and w.reason is None


def test_near_the_continuous_limit_no_new_bundles_and_why() -> None:
    w = assess_workload(riding_minutes=226, today_minutes=226, continuous_limit=240)
    assert w.near_limit and "226 min without a break" in (w.reason or "")


def test_near_the_daily_limit_no_new_bundles() -> None:
    w = assess_workload(riding_minutes=30, today_minutes=590, continuous_limit=240)
    assert w.near_limit and "daily limit is 600 min" in (w.reason or "")


def test_bad_weather_lowers_both_limits() -> None:
    calm = assess_workload(riding_minutes=170, today_minutes=170, continuous_limit=240)
    storm = assess_workload(
        riding_minutes=170, today_minutes=170, continuous_limit=240, bad_weather=True
    )
    assert not calm.near_limit
    assert storm.near_limit and storm.continuous_limit == 180 and storm.daily_limit == 450
    assert "lowered for the weather" in (storm.reason or "")

"""Weather-linked thresholds: raised while a warning covers the time (and the order's place, for
a zoned warning), not otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tiffin.anomalies.thresholds import Thresholds
from tiffin.anomalies.weather import STORM_EXTRA_MINUTES, WeatherWindow, weathered
from tiffin.domain.geo import LatLon
from tiffin.domain.weather import WeatherArea

NOON = datetime(2026, 11, 30, 12, tzinfo=UTC)
STORM = WeatherWindow(NOON - timedelta(hours=1), NOON + timedelta(hours=1))
NORTH = WeatherArea(
    ring=(LatLon(31.036, 121.446), LatLon(31.036, 121.450), LatLon(31.040, 121.450))
    + (LatLon(31.040, 121.446),)
)
DORM = LatLon(31.038, 121.447)  # inside NORTH
LIBRARY = LatLon(31.028, 121.448)  # outside it


def test_a_storm_in_force_raises_the_lateness_thresholds() -> None:
    base = Thresholds()
    raised = weathered(base, [STORM], NOON)
    assert raised.late_minutes == base.late_minutes + STORM_EXTRA_MINUTES["late_minutes"]
    assert raised.eta_slip_minutes == base.eta_slip_minutes + 15
    assert raised.no_rider_minutes == base.no_rider_minutes + 10
    assert raised.accept_minutes == base.accept_minutes  # a kitchen is not rained on
    assert raised.sla_minutes == base.sla_minutes


def test_outside_the_window_or_its_zone_nothing_changes() -> None:
    base = Thresholds(late_minutes=7)
    assert weathered(base, [], NOON) == base
    assert weathered(base, [STORM], STORM.ends_at) == base  # the end is not in force
    assert weathered(base, [STORM], STORM.starts_at - timedelta(seconds=1)) == base
    zoned = WeatherWindow(STORM.starts_at, STORM.ends_at, (NORTH,))
    assert weathered(base, [zoned], NOON, (LIBRARY,)) == base
    assert weathered(base, [zoned], NOON) == base  # a zoned window covers no unknown place
    assert weathered(base, [zoned], NOON, (LIBRARY, DORM)).late_minutes == 22

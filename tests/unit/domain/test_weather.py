"""Weather windows: which orders a warning covers, and the promise buffer a storm adds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tiffin.domain.geo import LatLon
from tiffin.domain.weather import (
    STORM_BUFFER_MINUTES,
    WeatherArea,
    WeatherWindow,
    storm_buffer_minutes,
)

NOON = datetime(2026, 11, 30, 12, tzinfo=UTC)
SQUARE = WeatherArea(
    ring=(
        LatLon(31.036, 121.446),
        LatLon(31.036, 121.450),
        LatLon(31.040, 121.450),
        LatLon(31.040, 121.446),
    )
)
DORM, LIBRARY = LatLon(31.038, 121.447), LatLon(31.028, 121.448)
CANTEEN = LatLon(31.030, 121.445)


def window(*areas: WeatherArea) -> WeatherWindow:
    return WeatherWindow(NOON - timedelta(hours=1), NOON + timedelta(hours=1), areas)


def test_a_tenant_wide_window_covers_every_order_while_in_force() -> None:
    storm = window()
    assert storm.covers(NOON, (LIBRARY,)) and storm.covers(NOON)
    assert not storm.covers(storm.ends_at, (LIBRARY,))
    assert not storm.covers(storm.starts_at - timedelta(microseconds=1), (LIBRARY,))


def test_a_zoned_window_covers_an_order_whose_dropoff_or_pickup_is_inside() -> None:
    storm = window(SQUARE)
    assert storm.covers(NOON, (DORM, CANTEEN))  # the drop-off is in the storm
    assert storm.covers(NOON, (LIBRARY, DORM))  # the pickup is
    assert not storm.covers(NOON, (LIBRARY, CANTEEN))


def test_a_circle_covers_what_lies_within_its_radius() -> None:
    circle = WeatherArea(centre=DORM, radius_m=300)
    assert circle.contains(LatLon(31.0385, 121.4472))
    assert not circle.contains(LIBRARY)
    assert WeatherArea.from_json(circle.to_json()) == circle
    assert WeatherArea.from_json(SQUARE.to_json()) == SQUARE


def test_the_buffer_is_added_once_inside_and_never_outside() -> None:
    assert storm_buffer_minutes([window(SQUARE)], NOON, (DORM,)) == STORM_BUFFER_MINUTES
    assert storm_buffer_minutes([window(SQUARE), window()], NOON, (DORM,)) == 15
    assert storm_buffer_minutes([window(SQUARE)], NOON, (LIBRARY, CANTEEN)) == 0
    assert storm_buffer_minutes([], NOON, (DORM,)) == 0
    assert storm_buffer_minutes([window(SQUARE)], NOON + timedelta(hours=2), (DORM,)) == 0


def test_an_area_is_a_polygon_or_a_circle() -> None:
    with pytest.raises(ValueError):
        WeatherArea()
    with pytest.raises(ValueError):
        WeatherArea(ring=(DORM, LIBRARY))
    with pytest.raises(ValueError):
        WeatherArea(centre=DORM, radius_m=0)
    with pytest.raises(ValueError):
        WeatherArea(ring=SQUARE.ring, centre=DORM, radius_m=5)

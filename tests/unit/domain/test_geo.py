from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tiffin.domain.geo import LatLon, contains, distance_m

SQUARE = [LatLon(31.0, 121.0), LatLon(31.0, 121.1), LatLon(31.1, 121.1), LatLon(31.1, 121.0)]


def test_one_degree_of_latitude_is_about_111_km() -> None:
    assert distance_m(LatLon(31.0, 121.0), LatLon(32.0, 121.0)) == pytest.approx(111_195, rel=1e-3)


@pytest.mark.parametrize(
    ("point", "inside"),
    [
        (LatLon(31.05, 121.05), True),
        (LatLon(31.0, 121.05), True),  # on an edge
        (LatLon(31.2, 121.05), False),
        (LatLon(31.05, 120.99), False),
    ],
)
def test_zone_contains(point: LatLon, inside: bool) -> None:
    assert contains(SQUARE, point) is inside


def test_bad_coordinates_are_refused() -> None:
    with pytest.raises(ValueError):
        LatLon(91, 0)


coords = st.builds(LatLon, st.floats(-80, 80), st.floats(-170, 170))


@given(coords, coords)
def test_distance_is_symmetric_and_non_negative(a: LatLon, b: LatLon) -> None:
    assert distance_m(a, b) >= 0
    assert distance_m(a, b) == pytest.approx(distance_m(b, a))

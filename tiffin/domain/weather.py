"""Weather windows (天气联动调度): a storm warning in force over a time and, optionally, places.

A window declared by an operator or pushed by a weather service's feed (CAP) covers the whole
tenant unless it names areas; with areas, only orders whose drop-off or pickup lies inside one
are covered. While a window covers an order its promise is longer (``STORM_BUFFER_MINUTES``),
the dispatcher counts it late only past that longer promise, and the playbook waits longer
before calling it late (``tiffin.anomalies.weather``). Pure: callers read windows and pass
them in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tiffin.domain.geo import LatLon, contains, distance_m

# Minutes a storm adds to a delivery (the storm scenario's riders ride at 0.6 speed: about a
# quarter of an hour on a campus trip). Added to the promise at checkout and to the
# dispatcher's lateness target while a window covers the order.
STORM_BUFFER_MINUTES = 15


@dataclass(frozen=True)
class WeatherArea:
    """A polygon (``ring`` of at least three points) or a circle (``centre`` and
    ``radius_m``): what a warning covers."""

    ring: tuple[LatLon, ...] = ()
    centre: LatLon | None = None
    radius_m: float = 0.0

    def __post_init__(self) -> None:
        if bool(self.ring) == (self.centre is not None):
            raise ValueError("an area is a polygon or a circle")
        if self.ring and len(self.ring) < 3:
            raise ValueError("a polygon needs at least three points")
        if self.centre is not None and not self.radius_m > 0:
            raise ValueError("a circle needs a positive radius")

    def contains(self, place: LatLon) -> bool:
        if self.centre is not None:
            return distance_m(self.centre, place) <= self.radius_m
        return contains(self.ring, place)

    def to_json(self) -> dict[str, Any]:
        """Stored as plain JSON: ``{"polygon": [[lat, lon], ...]}`` or
        ``{"circle": [lat, lon, radius_m]}``."""
        if self.centre is not None:
            return {"circle": [self.centre.lat, self.centre.lon, self.radius_m]}
        return {"polygon": [[p.lat, p.lon] for p in self.ring]}

    @staticmethod
    def from_json(data: dict[str, Any]) -> WeatherArea:
        if "circle" in data:
            lat, lon, radius = data["circle"]
            return WeatherArea(centre=LatLon(lat, lon), radius_m=float(radius))
        return WeatherArea(ring=tuple(LatLon(lat, lon) for lat, lon in data["polygon"]))


@dataclass(frozen=True)
class WeatherWindow:
    """A warning in force from ``starts_at`` until (not including) ``ends_at``; no ``areas``
    covers the whole tenant."""

    starts_at: datetime
    ends_at: datetime
    areas: tuple[WeatherArea, ...] = ()

    def covers(self, at: datetime, places: Iterable[LatLon] = ()) -> bool:
        """Whether the window is in force at ``at`` over any of ``places`` (an order's
        drop-off and pickup); a tenant-wide window covers every place, and no place."""
        if not self.starts_at <= at < self.ends_at:
            return False
        if not self.areas:
            return True
        return any(area.contains(p) for p in places for area in self.areas)


def stormy(windows: Sequence[WeatherWindow], at: datetime, places: Iterable[LatLon]) -> bool:
    """Whether any window covers ``places`` at ``at``."""
    where = tuple(places)
    return any(w.covers(at, where) for w in windows)


def storm_buffer_minutes(
    windows: Sequence[WeatherWindow], at: datetime, places: Iterable[LatLon]
) -> int:
    """Minutes added to a delivery promise (and the dispatcher's lateness target) for an order
    at ``places`` at ``at``: ``STORM_BUFFER_MINUTES`` once, however many windows overlap."""
    return STORM_BUFFER_MINUTES if stormy(windows, at, places) else 0

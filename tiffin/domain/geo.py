"""Geography: points, distances, and zone polygons.

Distances are great-circle metres; polygons are small (a campus, a district), so a planar
ray-casting test on lat/lon is exact enough and needs no projection library.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_000.0


@dataclass(frozen=True, slots=True)
class LatLon:
    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (-90.0 <= self.lat <= 90.0) or not (-180.0 <= self.lon <= 180.0):
            raise ValueError(f"not a coordinate: ({self.lat}, {self.lon})")
        if math.isnan(self.lat) or math.isnan(self.lon):
            raise ValueError("coordinate is NaN")


def distance_m(a: LatLon, b: LatLon) -> float:
    """Great-circle distance in metres (haversine)."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi = phi2 - phi1
    dlmb = math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def contains(polygon: Sequence[LatLon], point: LatLon) -> bool:
    """Whether ``point`` lies inside ``polygon`` (ray casting; edges count as inside)."""
    n = len(polygon)
    if n < 3:
        return False
    inside = False
    j = n - 1
    for i in range(n):
        pi, pj = polygon[i], polygon[j]
        if _on_segment(pi, pj, point):
            return True
        crosses = (pi.lat > point.lat) != (pj.lat > point.lat)
        if crosses:
            lon_at = pi.lon + (point.lat - pi.lat) * (pj.lon - pi.lon) / (pj.lat - pi.lat)
            if point.lon < lon_at:
                inside = not inside
        j = i
    return inside


def _on_segment(a: LatLon, b: LatLon, p: LatLon, eps: float = 1e-12) -> bool:
    cross = (b.lat - a.lat) * (p.lon - a.lon) - (b.lon - a.lon) * (p.lat - a.lat)
    if abs(cross) > eps:
        return False
    return (
        min(a.lat, b.lat) - eps <= p.lat <= max(a.lat, b.lat) + eps
        and min(a.lon, b.lon) - eps <= p.lon <= max(a.lon, b.lon) + eps
    )


def travel_minutes(a: LatLon, b: LatLon, metres_per_minute: float) -> float:
    """Minutes to travel from ``a`` to ``b`` at a constant speed."""
    if metres_per_minute <= 0:
        raise ValueError("speed must be positive")
    return distance_m(a, b) / metres_per_minute

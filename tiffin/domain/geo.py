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
    """Whether ``point`` lies inside ``polygon`` (edges count as inside)."""
    return inside([(p.lon, p.lat) for p in polygon], (point.lon, point.lat))


def inside(polygon: Sequence[tuple[float, float]], point: tuple[float, float]) -> bool:
    """Ray casting on plain (x, y) pairs; points on an edge count as inside."""
    n = len(polygon)
    if n < 3:
        return False
    px, py = point
    hit = False
    for i in range(n):
        (ax, ay), (bx, by) = polygon[i], polygon[i - 1]
        if _on_segment((ax, ay), (bx, by), point):
            return True
        if (ay > py) != (by > py) and px < ax + (py - ay) * (bx - ax) / (by - ay):
            hit = not hit
    return hit


def _on_segment(
    a: tuple[float, float], b: tuple[float, float], p: tuple[float, float], eps: float = 1e-12
) -> bool:
    cross = (b[1] - a[1]) * (p[0] - a[0]) - (b[0] - a[0]) * (p[1] - a[1])
    if abs(cross) > eps:
        return False
    return (
        min(a[0], b[0]) - eps <= p[0] <= max(a[0], b[0]) + eps
        and min(a[1], b[1]) - eps <= p[1] <= max(a[1], b[1]) + eps
    )


def travel_minutes(a: LatLon, b: LatLon, metres_per_minute: float) -> float:
    """Minutes to travel from ``a`` to ``b`` at a constant speed."""
    if metres_per_minute <= 0:
        raise ValueError("speed must be positive")
    return distance_m(a, b) / metres_per_minute

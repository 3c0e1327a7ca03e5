"""The campus drawn from the tenant's own geometry: latitude/longitude onto an SVG canvas.

No map tiles: zones, closures, merchants, riders and orders are projected with an
equirectangular projection around the middle of everything drawn, which is exact enough for a
campus or a city district.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from tiffin.domain.geo import LatLon

WIDTH = 800
HEIGHT = 560
MARGIN = 24


@dataclass(frozen=True)
class Canvas:
    """Maps a point to SVG pixels; north is up and one metre is as long in both directions."""

    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float
    scale: float  # pixels per degree of latitude
    cos_lat: float

    def xy(self, p: LatLon) -> tuple[float, float]:
        x = MARGIN + (p.lon - self.min_lon) * self.cos_lat * self.scale
        y = MARGIN + (self.max_lat - p.lat) * self.scale
        return round(x, 1), round(y, 1)

    def points(self, polygon: Iterable[LatLon]) -> str:
        """An SVG ``points`` attribute."""
        return " ".join(f"{x},{y}" for x, y in (self.xy(p) for p in polygon))


def canvas_for(points: Iterable[LatLon]) -> Canvas:
    """The canvas that shows every point with a margin (a default square with none)."""
    found = list(points) or [LatLon(0.0, 0.0)]
    min_lat, max_lat = min(p.lat for p in found), max(p.lat for p in found)
    min_lon, max_lon = min(p.lon for p in found), max(p.lon for p in found)
    cos_lat = math.cos(math.radians((min_lat + max_lat) / 2))
    span_y = max(max_lat - min_lat, 1e-4)
    span_x = max((max_lon - min_lon) * cos_lat, 1e-4)
    scale = min((WIDTH - 2 * MARGIN) / span_x, (HEIGHT - 2 * MARGIN) / span_y)
    return Canvas(min_lat, max_lat, min_lon, max_lon, scale, cos_lat)


def label_rows(points: list[tuple[float, float]], near: float = 12.0) -> list[int]:
    """For each point, how many earlier points sit within ``near`` pixels: riders waiting at
    the same canteen get their names one line apart instead of on top of each other."""
    rows: list[int] = []
    for i, (x, y) in enumerate(points):
        rows.append(sum(1 for px, py in points[:i] if abs(px - x) < near and abs(py - y) < near))
    return rows

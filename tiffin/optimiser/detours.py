"""Rides that go around closed zones (pure): the shortest path between two points that never
enters a zone's interior, over a visibility graph of the zones' corners.

A straight line is used whenever it stays out of every zone (the usual case, one shapely test).
Otherwise the path runs from corner to corner: the shortest path around polygonal obstacles
always bends only at obstacle corners, so the visibility graph (the start, the end and every
corner, joined wherever the segment between them stays out of every interior) holds it, and
Dijkstra finds it. Running along a zone's edge is allowed; crossing it is not.

An endpoint inside a zone (a rider caught in it when it closed) ignores that zone for the
query: the rider must be able to ride out. A point no path reaches (walled in by zones) is
``UNREACHABLE_M`` away, which dispatch treats as infeasible.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import LineString, MultiPolygon, Polygon

from tiffin.optimiser.model import DispatchParams, Point
from tiffin.optimiser.zones import ClosedZone

UNREACHABLE_M = 1e7


def _parts(union: Polygon | MultiPolygon) -> list[Polygon]:
    """Each connected obstacle, holes filled (a hole is reachable only through its zone)."""
    polygons = list(union.geoms) if isinstance(union, MultiPolygon) else [union]
    return [Polygon(p.exterior) for p in polygons if not p.is_empty]


@dataclass(frozen=True, eq=False)
class Obstacles:
    """Zones closed to riders, as polygons in the plane (metres)."""

    polygons: tuple[tuple[Point, ...], ...]
    _parts: list[Polygon] = field(init=False, repr=False)
    _corners: list[tuple[float, float]] = field(init=False, repr=False)
    _graph: dict[int, list[tuple[int, float]]] = field(init=False, repr=False)
    _memo: dict[tuple[float, float, float, float], float] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        shapes = [Polygon([(p.x, p.y) for p in poly]).buffer(0) for poly in self.polygons]
        parts = _parts(shapely.union_all(shapes)) if shapes else []
        for part in parts:
            shapely.prepare(part)
        corners = [c for part in parts for c in list(part.exterior.coords)[:-1]]
        object.__setattr__(self, "_parts", parts)
        object.__setattr__(self, "_corners", corners)
        object.__setattr__(self, "_memo", {})
        graph: dict[int, list[tuple[int, float]]] = {i: [] for i in range(len(corners))}
        for i in range(len(corners)):
            for j in range(i + 1, len(corners)):
                if self._clear(corners[i], corners[j], parts):
                    d = math.dist(corners[i], corners[j])
                    graph[i].append((j, d))
                    graph[j].append((i, d))
        object.__setattr__(self, "_graph", graph)

    def __bool__(self) -> bool:
        return bool(self._parts)

    @staticmethod
    def _clear(a: tuple[float, float], b: tuple[float, float], parts: Sequence[Polygon]) -> bool:
        """Whether the segment a-b stays out of every part's interior (edges may be touched)."""
        if a == b:
            return True
        seg = LineString([a, b])
        return not any(p.intersects(seg) and not p.touches(seg) for p in parts)

    def _around(self, a: tuple[float, float], b: tuple[float, float]) -> list[Polygon]:
        """The obstacles that apply to a ride from a to b (not those an endpoint is inside)."""
        ends = shapely.points([a, b])
        return [p for p in self._parts if not any(p.covers(e) for e in ends)]

    def crosses(self, a: Point, b: Point) -> bool:
        """Whether the straight ride from a to b would enter a zone."""
        ends = ((a.x, a.y), (b.x, b.y))
        return not self._clear(*ends, self._around(*ends))

    def path(self, a: Point, b: Point) -> list[Point]:
        """The shortest ride from a to b that enters no zone, as the points it bends at."""
        dist, points = self._search((a.x, a.y), (b.x, b.y))
        if not math.isfinite(dist):
            return []
        return [Point(x, y) for x, y in points]

    def distance(self, a: Point, b: Point) -> float:
        """Length in metres of ``path(a, b)`` (``UNREACHABLE_M`` when no path exists)."""
        key = (a.x, a.y, b.x, b.y)
        if key not in self._memo:
            dist, _ = self._search(key[:2], key[2:])
            self._memo[key] = dist if math.isfinite(dist) else UNREACHABLE_M
        return self._memo[key]

    def _search(
        self, a: tuple[float, float], b: tuple[float, float]
    ) -> tuple[float, list[tuple[float, float]]]:
        parts = self._around(a, b)
        if self._clear(a, b, parts):
            return math.dist(a, b), [a, b]
        # Dijkstra over: start (node -1), corners (0..n-1), end (node n).
        n = len(self._corners)
        best: dict[int, float] = {-1: 0.0}
        came: dict[int, int] = {}
        queue: list[tuple[float, int]] = [(0.0, -1)]
        while queue:
            d, node = heapq.heappop(queue)
            if d > best.get(node, math.inf):
                continue
            if node == n:
                break
            here = a if node == -1 else self._corners[node]
            if node == -1:
                steps = [
                    (i, math.dist(a, c))
                    for i, c in enumerate(self._corners)
                    if self._clear(a, c, parts)
                ]
            else:
                steps = list(self._graph[node])
            if node != -1 and self._clear(here, b, parts):
                steps.append((n, math.dist(here, b)))
            for nxt, w in steps:
                if d + w < best.get(nxt, math.inf):
                    best[nxt], came[nxt] = d + w, node
                    heapq.heappush(queue, (d + w, nxt))
        if n not in best:
            return math.inf, []
        nodes = [n]
        while nodes[-1] != -1:
            nodes.append(came[nodes[-1]])
        points = [a if i == -1 else b if i == n else self._corners[i] for i in reversed(nodes)]
        return best[n], points

    def ride_minutes(
        self,
        xa: NDArray[np.float64],
        ya: NDArray[np.float64],
        xb: NDArray[np.float64],
        yb: NDArray[np.float64],
        metres_per_minute: float,
    ) -> NDArray[np.float64]:
        """Whole minutes for every pair of broadcast arrays of start and end coordinates."""
        xa, ya, xb, yb = np.broadcast_arrays(xa, ya, xb, yb)
        metres = np.hypot(xa - xb, ya - yb)
        lines = shapely.linestrings(
            np.stack([np.stack([xa, ya], -1), np.stack([xb, yb], -1)], -2).reshape(-1, 2, 2)
        ).reshape(metres.shape)
        suspect = np.zeros(metres.shape, dtype=bool)
        for part in self._parts:
            suspect |= shapely.intersects(part, lines) & ~shapely.touches(part, lines)
        for idx in zip(*np.nonzero(suspect), strict=True):
            a = Point(float(xa[idx]), float(ya[idx]))
            metres[idx] = self.distance(a, Point(float(xb[idx]), float(yb[idx])))
        return np.ceil(metres / metres_per_minute)


def around_zones(params: DispatchParams, zones: Sequence[ClosedZone], now: int) -> DispatchParams:
    """``params`` whose rides go around the zones closed at ``now`` (unchanged if none are)."""
    active = tuple(z.polygon for z in zones if z.active(now))
    if not active:
        return params
    return replace(params, obstacles=Obstacles(active))

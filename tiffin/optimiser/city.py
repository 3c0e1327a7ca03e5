"""A city's decision split into zones decided in parallel, with a second pass for the borders.

The city is cut into a grid of square cells. Pass one: each zone decides its own orders with its
own riders (bundling, candidates and the sparse matching of ``sparse.py``), all zones at once on
the executor the caller gives (a process pool in the benchmark and a ``tiffin serve`` per zone
live; without one they run in turn). Pass two: orders whose merchant lies within ``border_m`` of
another zone, and orders pass one left unmatched, are decided together against every rider of
every zone that pass one left free, so an order at a border can take the nearer rider across it.

Border rule: a point belongs to the cell that contains it, a point exactly on a line to the cell
east / north of it (floor division), so every rider is in exactly one zone and the split is the
same in every process.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

from tiffin.optimiser.model import Assignment, Courier, DispatchParams, Job, Point, Snapshot
from tiffin.optimiser.sparse import (
    DEFAULT_CANDIDATES,
    assignments,
    bundles_for,
    decide,
    eligible,
)

DEFAULT_BORDER_M = 500.0


@dataclass(frozen=True)
class ZoneGrid:
    """Square cells of ``cell_m`` metres from ``origin``, ``columns`` x ``rows`` of them."""

    origin: Point
    cell_m: float
    columns: int
    rows: int

    def __post_init__(self) -> None:
        if self.cell_m <= 0 or self.columns < 1 or self.rows < 1:
            raise ValueError("a zone grid needs a positive cell size and at least one cell")

    @property
    def zones(self) -> int:
        return self.columns * self.rows

    def _cell(self, p: Point) -> tuple[int, int]:
        col = math.floor((p.x - self.origin.x) / self.cell_m)
        row = math.floor((p.y - self.origin.y) / self.cell_m)
        return min(max(col, 0), self.columns - 1), min(max(row, 0), self.rows - 1)

    def zone_of(self, p: Point) -> int:
        """The zone a point belongs to (points outside the grid go to the nearest edge cell)."""
        col, row = self._cell(p)
        return row * self.columns + col

    def near_border(self, p: Point, margin_m: float) -> bool:
        """Whether ``p`` lies within ``margin_m`` of a line shared with another zone."""
        col, row = self._cell(p)
        fx = p.x - self.origin.x - col * self.cell_m
        fy = p.y - self.origin.y - row * self.cell_m
        return (
            (col > 0 and fx < margin_m)
            or (col < self.columns - 1 and self.cell_m - fx < margin_m)
            or (row > 0 and fy < margin_m)
            or (row < self.rows - 1 and self.cell_m - fy < margin_m)
        )

    @classmethod
    def covering(cls, points: Iterable[Point], columns: int, rows: int = 1) -> ZoneGrid:
        """The smallest grid of ``columns`` x ``rows`` square cells that covers ``points``."""
        pts = list(points)
        if not pts:
            return cls(Point(0.0, 0.0), 1.0, columns, rows)
        x0, y0 = min(p.x for p in pts), min(p.y for p in pts)
        width = max(p.x for p in pts) - x0
        height = max(p.y for p in pts) - y0
        cell = max(width / columns, height / rows, 1.0) * (1 + 1e-9)
        return cls(Point(x0, y0), cell, columns, rows)


@dataclass(frozen=True)
class ZoneOutcome:
    """What one zone decided: assignments to carry out, riders held, and bundles left open."""

    decisions: tuple[Assignment, ...]
    held_riders: frozenset[str]  # matched this cycle (committed or waiting to commit)
    open_bundles: tuple[tuple[Job, ...], ...]


def decide_zone(
    jobs: Sequence[Job], couriers: Sequence[Courier], now: int, params: DispatchParams, k: int
) -> ZoneOutcome:
    """Pass one for one zone (a top-level function, so a process pool can run it)."""
    if not jobs or not couriers:
        return ZoneOutcome((), frozenset(), ())
    bundles = bundles_for(jobs, couriers, now, params)
    matched, edges = decide(bundles, couriers, now, params, k)
    decided = assignments(bundles, couriers, matched, edges, now, params)
    return ZoneOutcome(
        tuple(decided),
        frozenset(couriers[c].id for c in matched.values()),
        tuple(b for i, b in enumerate(bundles) if i not in matched),
    )


def _run_zone(
    task: tuple[Sequence[Job], Sequence[Courier], int, DispatchParams, int],
) -> ZoneOutcome:
    return decide_zone(*task)


def solve_city(
    snapshot: Snapshot,
    params: DispatchParams,
    grid: ZoneGrid,
    executor: Executor | None = None,
    k: int = DEFAULT_CANDIDATES,
    border_m: float = DEFAULT_BORDER_M,
) -> list[Assignment]:
    """tiffin's dispatcher for a city: zones in parallel, then the borders and the leftovers."""
    jobs, couriers = eligible(snapshot, params)
    if not jobs or not couriers:
        return []
    now = snapshot.now
    zone_jobs: list[list[Job]] = [[] for _ in range(grid.zones)]
    zone_riders: list[list[Courier]] = [[] for _ in range(grid.zones)]
    border: list[Job] = []
    for job in jobs:
        if grid.zones > 1 and grid.near_border(job.pickup, border_m):
            border.append(job)
        else:
            zone_jobs[grid.zone_of(job.pickup)].append(job)
    for courier in couriers:
        zone_riders[grid.zone_of(courier.position)].append(courier)
    tasks = [(zone_jobs[z], zone_riders[z], now, params, k) for z in range(grid.zones)]
    outcomes = list(executor.map(_run_zone, tasks)) if executor else [_run_zone(t) for t in tasks]
    decisions = [a for o in outcomes for a in o.decisions]
    held = frozenset().union(*(o.held_riders for o in outcomes))
    # pass two: border orders and every bundle pass one left open, against the riders left free
    left = [c for c in couriers if c.id not in held]
    if not left:
        return decisions
    bundles = [b for o in outcomes for b in o.open_bundles]
    if border:
        bundles += bundles_for(border, left, now, params)
    if not bundles:
        return decisions
    matched, edges = decide(bundles, left, now, params, k)
    decisions += assignments(bundles, left, matched, edges, now, params)
    return decisions

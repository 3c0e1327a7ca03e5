"""High-risk zones (疫情热点 / 高风险区) closed to riders for a time window.

While a zone is closed no rider picks up or drops off inside it: an order whose merchant lies
inside cannot be dispatched (it stays open for the anomaly engine), and an order for an address
inside is redirected to the zone's contactless hand-off point (无接触配送) at its edge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from tiffin.domain.geo import inside
from tiffin.optimiser.model import Job, Point


@dataclass(frozen=True)
class ClosedZone:
    id: str
    polygon: tuple[Point, ...]
    handoff: Point
    closed_from: int
    closed_until: int

    def active(self, now: int) -> bool:
        return self.closed_from <= now < self.closed_until

    def contains(self, p: Point) -> bool:
        return inside([(c.x, c.y) for c in self.polygon], (p.x, p.y))


def apply_zones(
    jobs: Sequence[Job], zones: Sequence[ClosedZone], now: int
) -> tuple[list[Job], list[Job]]:
    """Split jobs into (dispatchable, with drop-offs redirected) and (blocked at the merchant)."""
    active = [z for z in zones if z.active(now)]
    if not active:
        return list(jobs), []
    ok, blocked = [], []
    for job in jobs:
        if any(z.contains(job.pickup) for z in active):
            blocked.append(job)
            continue
        zone = next((z for z in active if z.contains(job.dropoff)), None)
        ok.append(replace(job, dropoff=zone.handoff) if zone else job)
    return ok, blocked

"""Where a day's click-to-door goes beyond the physical lower bound, and what hindsight would buy.

Every delivered order's distance to its bound splits exactly in two:

- **late pickup**: the food (or the pickup service a waiting rider would have done) was ready,
  and no rider was there yet: ``pickup - max(ready, placed + pickup service)``;
- **detour**: the ride from the merchant to the door was longer than straight there, because
  other orders of the bundle were dropped first: ``dropoff - pickup - ride - dropoff service``.

Grouping the late pickups by preparation time shows which orders no dispatcher can catch
without a rider already standing at the merchant. ``HindsightForecast`` is a yardstick, not a
policy: it reads the day's orders before they are placed, so repositioning with it measures the
most that a perfect demand forecast could give tiffin's repositioning. ``foreseen`` is the other
yardstick: the same day with every order known some minutes before it is placed, so riders can
set off for food nobody has ordered yet (measured against the true placement times).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace

from tiffin.optimiser.model import Job, travel_minutes
from tiffin.optimiser.routes import lower_bound_minutes
from tiffin.sim.mdrp import MdrpInstance
from tiffin.sim.simulator import SimResult

PREP_BANDS = ((0, 5), (6, 11), (12, 17), (18, 23), (24, 10**6))


@dataclass(frozen=True)
class PrepBand:
    """Orders whose food took ``low``..``high`` minutes, and their late pickups."""

    low: int
    high: int
    orders: int
    late_minutes: float  # summed over the band's orders

    @property
    def label(self) -> str:
        return f"{self.low}+" if self.high >= 10**6 else f"{self.low}-{self.high}"


@dataclass(frozen=True)
class GapBreakdown:
    """Means over a day's delivered orders (minutes)."""

    delivered: int
    click_to_door: float
    bound: float
    late_pickup: float
    detour: float
    ready_to_pickup: float  # pickup - ready: what the MDRP paper reports
    bands: tuple[PrepBand, ...]

    @property
    def gap(self) -> float:
        return self.click_to_door - self.bound


def breakdown(result: SimResult, truth: MdrpInstance | None = None) -> GapBreakdown:
    """Split each delivered order's click-to-door into its bound, late pickup and detour;
    ``truth`` is the real day when ``result`` ran on a ``foreseen`` one."""
    p = result.instance.params
    real = {j.id: j for j in truth.jobs} if truth is not None else None
    c2d = bound = late = detour = ready_to_pickup = 0.0
    band_orders = [0] * len(PREP_BANDS)
    band_late = [0.0] * len(PREP_BANDS)
    for d in result.deliveries.values():
        job = real[d.job.id] if real is not None else d.job
        ride = travel_minutes(job.pickup, job.dropoff, p.metres_per_minute)
        waited = d.pickup_at - max(job.ready_at, job.placed_at + p.pickup_service)
        c2d += d.dropoff_at - job.placed_at
        bound += lower_bound_minutes(job, p)
        late += waited
        detour += d.dropoff_at - d.pickup_at - ride - p.dropoff_service
        ready_to_pickup += d.pickup_at - job.ready_at
        band = _band(job.ready_at - job.placed_at)
        band_orders[band] += 1
        band_late[band] += waited
    n = max(1, len(result.deliveries))
    bands = tuple(
        PrepBand(low, high, band_orders[i], band_late[i])
        for i, (low, high) in enumerate(PREP_BANDS)
    )
    return GapBreakdown(
        len(result.deliveries),
        c2d / n,
        bound / n,
        late / n,
        detour / n,
        ready_to_pickup / n,
        bands,
    )


def _band(prep_minutes: int) -> int:
    for i, (low, high) in enumerate(PREP_BANDS):
        if low <= prep_minutes <= high:
            return i
    return 0  # food ready before it was ordered: the shortest band


def foreseen(day: MdrpInstance, minutes: int) -> MdrpInstance:
    """``day`` with every order visible ``minutes`` before its placement (ready times kept)."""
    return replace(day, jobs=tuple(replace(j, placed_at=j.placed_at - minutes) for j in day.jobs))


class HindsightForecast:
    """Exactly the orders each merchant will get: it reads the future, so only as a yardstick."""

    def __init__(self, jobs: Sequence[Job]) -> None:
        self._placed: dict[str, list[int]] = {}
        for job in sorted(jobs, key=lambda j: j.placed_at):
            self._placed.setdefault(job.merchant_id, []).append(job.placed_at)

    def observe(self, site: str, placed_at: int) -> None:
        """Nothing to learn: the whole day is already known."""

    def expected(self, site: str, now: int, horizon_minutes: int) -> float:
        times = self._placed.get(site, [])
        return float(bisect_right(times, now + horizon_minutes) - bisect_right(times, now))

    def sites(self) -> list[str]:
        return list(self._placed)

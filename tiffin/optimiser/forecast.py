"""Demand forecast per site (a merchant, or a zone live): how many orders in the next minutes.

Simple exponential smoothing of order counts per fixed bucket, fed only with orders already
placed (no peeking). With several days of history the live service can blend in a seasonal-naive
term (same bucket yesterday); inside one simulated day there is no yesterday.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class DemandForecast:
    bucket_minutes: int = 10
    alpha: float = 0.3  # weight of the newest bucket
    _level: dict[str, float] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _bucket: int | None = None

    def observe(self, site: str, placed_at: int) -> None:
        """Record one order placed at ``site`` (call in time order)."""
        self._roll(placed_at)
        self._counts[site] += 1

    def expected(self, site: str, now: int, horizon_minutes: int) -> float:
        """Orders expected at ``site`` in the next ``horizon_minutes``."""
        self._roll(now)
        per_bucket = self._level.get(site, 0.0)
        return per_bucket * horizon_minutes / self.bucket_minutes

    def sites(self) -> list[str]:
        return list(self._level)

    def _roll(self, t: int) -> None:
        bucket = t // self.bucket_minutes
        if self._bucket is None:
            self._bucket = bucket
        while self._bucket < bucket:
            # Sites in the order first seen, not set order: the repositioning that reads them
            # breaks ties by this order, and a set's follows the per-process string hash.
            for site in [*self._level, *(s for s in self._counts if s not in self._level)]:
                count = self._counts.get(site, 0)
                old = self._level.get(site)
                self._level[site] = (
                    count if old is None else (self.alpha * count + (1 - self.alpha) * old)
                )
            self._counts = defaultdict(int)
            self._bucket += 1

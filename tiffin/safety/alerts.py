"""Telemetry alert rules (pure): speeding, a possible fall, a long stop mid-delivery.

The speed limit is the e-bike limit of GB 17761-2018 (25 km/h) with a small margin for GPS noise;
a long stop counts only while the rider carries an order (a rider waiting for a shift is fine).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tiffin.domain.geo import LatLon

SPEED_LIMIT_MPS = 25 / 3.6 * 1.1  # 25 km/h, +10 % for GPS noise
STILL_MPS = 0.5
LONG_STOP = timedelta(minutes=10)


class AlertKind(StrEnum):
    SPEEDING = "speeding"
    POSSIBLE_FALL = "possible_fall"
    LONG_STOP = "long_stop"
    PANIC = "panic"


@dataclass(frozen=True)
class Sample:
    at: datetime
    location: LatLon
    speed_mps: float
    impact: bool = False


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    at: datetime
    location: LatLon
    detail: str
    key: str  # one alert per key: a replayed batch raises nothing new


def alerts_for(
    rider_id: str,
    samples: Sequence[Sample],
    *,
    carrying: bool,
    moved_at: datetime | None,
    limit_mps: float = SPEED_LIMIT_MPS,
) -> list[Alert]:
    """Alerts a batch raises; ``moved_at`` is when the rider was last seen moving."""
    found: list[Alert] = []
    fastest = max(samples, key=lambda s: s.speed_mps, default=None)
    if fastest is not None and fastest.speed_mps > limit_mps:
        kmh = fastest.speed_mps * 3.6
        minute = fastest.at.replace(second=0, microsecond=0)
        found.append(
            Alert(
                AlertKind.SPEEDING,
                fastest.at,
                fastest.location,
                f"{kmh:.0f} km/h, above the {limit_mps * 3.6 / 1.1:.0f} km/h limit",
                f"speeding:{rider_id}:{minute.isoformat()}",
            )
        )
    for s in samples:
        if s.impact:
            found.append(
                Alert(
                    AlertKind.POSSIBLE_FALL,
                    s.at,
                    s.location,
                    "the phone felt an impact: call the rider",
                    f"fall:{rider_id}:{s.at.isoformat()}",
                )
            )
    last = samples[-1] if samples else None
    if carrying and last and moved_at is not None and last.at - moved_at >= LONG_STOP:
        minutes = int((last.at - moved_at).total_seconds() // 60)
        found.append(
            Alert(
                AlertKind.LONG_STOP,
                last.at,
                last.location,
                f"stopped for {minutes} min while carrying an order",
                f"stop:{rider_id}:{moved_at.isoformat()}",
            )
        )
    return found


def last_moving(samples: Sequence[Sample], before: datetime | None) -> datetime | None:
    """When the rider was last seen moving, after this batch."""
    moving = [s.at for s in samples if s.speed_mps > STILL_MPS]
    return max(moving) if moving else before

"""Weather-linked thresholds (天气联动调度): while an operator's storm warning (a declared
force-majeure window) is in force, riders are slower through no fault of their own, so the
playbook waits longer before it calls an order late or a rider stuck. Pure: the caller reads
the windows in force (``queries.weather_windows``) and passes them in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tiffin.anomalies.thresholds import Thresholds


@dataclass(frozen=True)
class WeatherWindow:
    """A declared warning; ``zone_id`` None covers the whole tenant (windows today have none)."""

    starts_at: datetime
    ends_at: datetime
    zone_id: str | None = None

    def covers(self, at: datetime, zone_id: str | None) -> bool:
        in_time = self.starts_at <= at < self.ends_at
        return in_time and (self.zone_id is None or self.zone_id == zone_id)


# Minutes added to each threshold while a warning covers the order: a storm adds about a
# quarter of an hour to a campus delivery (the storm scenario's riders at 0.6 speed).
STORM_EXTRA_MINUTES: dict[str, int] = {
    "late_minutes": 15,
    "eta_slip_minutes": 15,
    "no_rider_minutes": 10,
    "rider_stationary_minutes": 10,
}


def weathered(
    thresholds: Thresholds,
    windows: Sequence[WeatherWindow],
    at: datetime,
    zone_id: str | None = None,
) -> Thresholds:
    """``thresholds`` raised by ``STORM_EXTRA_MINUTES`` when a window covers ``at`` (and the
    zone, for a zoned window); unchanged otherwise."""
    if not any(w.covers(at, zone_id) for w in windows):
        return thresholds
    extra = STORM_EXTRA_MINUTES
    raised = {name: getattr(thresholds, name) + minutes for name, minutes in extra.items()}
    return thresholds.model_copy(update=raised)

"""Weather-linked thresholds (天气联动调度): while a storm warning (a declared force-majeure
window, an operator's or a weather feed's) covers an order, its rider is slower through no
fault of their own, so the playbook waits longer before it calls the order late or the rider
stuck. A zoned window covers only orders whose drop-off or pickup lies in its areas. Pure: the
caller reads the windows in force (``tiffin.store.weather``) and passes them in."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from tiffin.anomalies.thresholds import Thresholds
from tiffin.domain.geo import LatLon
from tiffin.domain.weather import WeatherWindow, stormy

__all__ = ["STORM_EXTRA_MINUTES", "WeatherWindow", "weathered"]

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
    places: Iterable[LatLon] = (),
) -> Thresholds:
    """``thresholds`` raised by ``STORM_EXTRA_MINUTES`` when a window covers ``at`` over
    ``places`` (the order's drop-off and pickup; any place for a tenant-wide window);
    unchanged otherwise."""
    if not stormy(windows, at, places):
        return thresholds
    extra = STORM_EXTRA_MINUTES
    raised = {name: getattr(thresholds, name) + minutes for name, minutes in extra.items()}
    return thresholds.model_copy(update=raised)

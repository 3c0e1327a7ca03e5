"""The early-warning model (pure): from a zone's signals, the riders it can count on, the orders
it should expect, the shortfall, and what to do about it.

Kept deliberately simple so an operator can check it by hand:
- riders expected = riders on shift in the zone, minus the share who failed a health check in
  the last hours (they will be sent home), minus a fifth in bad weather (a declared storm or heat
  window lowers the workload limits) and, in a zone an authority rates high, a third more
  (riders may not enter a closed zone, so it is served from its edge);
- orders expected = what the zone usually gets over the horizon at this time of day (the same
  window on recent days), scaled by how today's last hour runs against the usual last hour
  (``forecast_orders``); with no history, the last hour's rate carried over the horizon;
- a rider carries what the tenant's riders carried in each recent day's busiest hour
  (``carried_per_rider_hour``; ``ORDERS_PER_RIDER_HOUR`` without history); the shortfall is
  the orders beyond what the expected riders carry, in riders.

Recommendations are bounded: a promise extension is at most ``MAX_EXTRA_MINUTES`` and lasts the
horizon; a pause stops new orders to one zone for the horizon, never to every zone of a tenant
(``bound_pauses``), and nothing is recommended that is already in force.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

ORDERS_PER_RIDER_HOUR = 3.0  # a city figure: the fallback when the tenant has no history
MIN_RIDER_HOURS = 2.0  # less busy-hour history than this: the fallback rate
LEVEL_MIN, LEVEL_MAX = 0.5, 2.0  # how far today's pace may scale the usual profile
WEATHER_LOSS = 0.2
HIGH_RISK_LOSS = 0.33
PAUSE_AT = 0.5  # pause new orders when half the expected orders cannot be carried
MINUTES_PER_MISSING_RIDER = 5  # the promise lengthens this much per rider short, capped
MAX_EXTRA_MINUTES = 30


class Action(StrEnum):
    EXTEND_PROMISE = "extend_promise"
    PAUSE_ZONE = "pause_zone"
    CALL_STANDBY = "call_standby"


@dataclass(frozen=True)
class ZoneSignals:
    zone_id: str
    zone_name: str
    riders_on_shift: int
    checkins: int  # health check-ins of the zone's riders in the signal window
    failed_checkins: int
    risk_level: str | None  # the highest authority level in force over the zone
    bad_weather: bool
    orders_expected: float


@dataclass(frozen=True)
class Recommendation:
    id: str
    zone_id: str
    action: Action
    why: str
    extra_minutes: int = 0
    riders_wanted: int = 0


@dataclass(frozen=True)
class Warning:
    zone_id: str
    zone_name: str
    failed_share: float
    riders_expected: float
    orders_expected: float
    capacity: float
    shortfall_riders: int
    recommendations: tuple[Recommendation, ...]


def failed_share(s: ZoneSignals) -> float:
    return s.failed_checkins / s.checkins if s.checkins else 0.0


def riders_expected(s: ZoneSignals) -> float:
    kept = s.riders_on_shift * (1 - failed_share(s))
    if s.bad_weather:
        kept *= 1 - WEATHER_LOSS
    if s.risk_level == "high":
        kept *= 1 - HIGH_RISK_LOSS
    return kept


def forecast_orders(
    *,
    last_hour: int,
    usual_last_hour: float | None,
    usual_ahead: float | None,
    horizon_hours: float,
) -> float:
    """Orders expected over the next ``horizon_hours``.

    Extrapolating the last window lags a peak both ways (it sees the rush only once it is
    here, and still sees it after it has gone), so with history the forecast follows the usual
    day's shape: ``usual_ahead`` (mean orders in the same window on recent days) scaled by
    today's pace, ``last_hour`` against ``usual_last_hour`` (the same hour on those days; +1
    each so a quiet hour does not divide by zero), bounded to [``LEVEL_MIN``, ``LEVEL_MAX``].
    Without history (``None``) the last hour's rate is carried over the horizon."""
    if usual_ahead is None or usual_last_hour is None:
        return last_hour * horizon_hours
    level = (last_hour + 1) / (usual_last_hour + 1)
    return usual_ahead * min(LEVEL_MAX, max(LEVEL_MIN, level))


def carried_per_rider_hour(busiest_hours: Sequence[tuple[int, float]]) -> float:
    """Orders a rider carries in an hour, from each recent day's busiest hour: (orders delivered
    in it, rider-hours on shift in it). The busiest hour, because a whole day's average counts
    the idle hours and so measures how busy riders were, not what they can carry (on the
    simulated campus's ordinary days: 3.3 over the day, 6.75 in the lunch hour). Fewer than
    ``MIN_RIDER_HOURS`` or no delivery: ``ORDERS_PER_RIDER_HOUR``."""
    delivered = sum(n for n, _ in busiest_hours)
    hours = sum(h for _, h in busiest_hours)
    if hours < MIN_RIDER_HOURS or not delivered:
        return ORDERS_PER_RIDER_HOUR
    return delivered / hours


def warn(
    s: ZoneSignals,
    horizon_hours: float,
    window: str,
    orders_per_rider_hour: float = ORDERS_PER_RIDER_HOUR,
) -> Warning:
    """The zone's outlook over ``horizon_hours``; ``window`` (e.g. the hour it starts) makes
    recommendation ids stable within it, so applying twice is one application.
    ``orders_per_rider_hour`` is what the tenant's riders carry (``signals.carried_rate``)."""
    per_rider = orders_per_rider_hour * horizon_hours
    riders = riders_expected(s)
    capacity = riders * per_rider
    missing_orders = max(0.0, s.orders_expected - capacity)
    short = math.ceil(missing_orders / per_rider - 1e-9) if missing_orders > 0 else 0
    share = failed_share(s)
    reasons = [f"{s.orders_expected:.1f} orders expected, {riders:.1f} riders to carry them"]
    if share:
        reasons.append(f"{share:.0%} of health checks failed")
    if s.bad_weather:
        reasons.append("a weather warning is in force")
    if s.risk_level:
        reasons.append(f"the authority rates the zone {s.risk_level}")
    why = "; ".join(reasons)
    recs: list[Recommendation] = []
    if short:
        base = f"{window}:{s.zone_id}"
        extra = min(MAX_EXTRA_MINUTES, short * MINUTES_PER_MISSING_RIDER)
        recs.append(
            Recommendation(
                f"{base}:call_standby", s.zone_id, Action.CALL_STANDBY, why, riders_wanted=short
            )
        )
        recs.append(
            Recommendation(
                f"{base}:extend_promise", s.zone_id, Action.EXTEND_PROMISE, why, extra_minutes=extra
            )
        )
        if s.orders_expected and missing_orders / s.orders_expected >= PAUSE_AT:
            recs.append(Recommendation(f"{base}:pause_zone", s.zone_id, Action.PAUSE_ZONE, why))
    return Warning(
        s.zone_id,
        s.zone_name,
        round(share, 3),
        round(riders, 2),
        round(s.orders_expected, 2),
        round(capacity, 2),
        short,
        tuple(recs),
    )


def bound_pauses(
    warnings: Sequence[Warning],
    *,
    paused: Collection[str],
    promise_extra: int,
    zones: int,
) -> list[Warning]:
    """Drop what is already in force and what would stop the whole tenant: no pause for a zone
    already paused, no longer promise while an extension at least as long is in force, and
    pauses only while at least one of the tenant's ``zones`` stays open (the worst-short zones
    first). A paused zone's canteens still cook for the open zones, so one open zone keeps the
    service going; pausing them all would not."""
    open_left = zones - len(paused)
    ranked = sorted(
        (w for w in warnings if w.orders_expected),
        key=lambda w: (w.capacity - w.orders_expected) / w.orders_expected,
    )
    may_pause: set[str] = set()
    for w in ranked:
        wants = any(r.action is Action.PAUSE_ZONE for r in w.recommendations)
        if wants and w.zone_id not in paused and open_left > 1:
            may_pause.add(w.zone_id)
            open_left -= 1
    out = []
    for w in warnings:
        keep = tuple(
            r
            for r in w.recommendations
            if not (r.action is Action.PAUSE_ZONE and w.zone_id not in may_pause)
            and not (r.action is Action.EXTEND_PROMISE and r.extra_minutes <= promise_extra)
        )
        out.append(replace(w, recommendations=keep))
    return out

"""The early-warning model (pure): from a zone's signals, the riders it can count on, the orders
it should expect, the shortfall, and what to do about it.

Kept deliberately simple so an operator can check it by hand:
- riders expected = riders on shift in the zone, minus the share who failed a health check in
  the last hours (they will be sent home), minus a fifth in bad weather (a declared storm or heat
  window lowers the workload limits) and, in a zone an authority rates high, a third more
  (riders may not enter a closed zone, so it is served from its edge);
- orders expected = the dispatch forecast's exponential smoothing of the zone's recent orders,
  over the horizon;
- a rider carries ``ORDERS_PER_RIDER_HOUR`` orders an hour; the shortfall is the orders beyond
  what the expected riders carry, in riders.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

ORDERS_PER_RIDER_HOUR = 3.0
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


def warn(s: ZoneSignals, horizon_hours: float, window: str) -> Warning:
    """The zone's outlook over ``horizon_hours``; ``window`` (e.g. the hour it starts) makes
    recommendation ids stable within it, so applying twice is one application."""
    per_rider = ORDERS_PER_RIDER_HOUR * horizon_hours
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

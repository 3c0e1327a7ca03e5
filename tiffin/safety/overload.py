"""Overload protection (pure): continuous riding time and daily hours against the limits, which
bad weather (a declared storm or heat window) lowers. Near a limit a rider is offered no new
bundles and told why."""

from __future__ import annotations

from dataclasses import dataclass

DAILY_MINUTES = 10 * 60  # at most ten hours on shift in a day
NEAR_MINUTES = 15  # no new bundle this close to a limit: one bundle takes about that long
BAD_WEATHER_FACTOR = 0.75  # storms and heat wear riders out sooner


@dataclass(frozen=True)
class Workload:
    riding_minutes: int  # since the shift started
    today_minutes: int  # on shift today, this shift included
    continuous_limit: int
    daily_limit: int
    bad_weather: bool
    reason: str | None  # why no new bundles are offered, None while far from the limits

    @property
    def near_limit(self) -> bool:
        return self.reason is not None


def assess_workload(
    *,
    riding_minutes: int,
    today_minutes: int,
    continuous_limit: int,
    daily_limit: int = DAILY_MINUTES,
    bad_weather: bool = False,
) -> Workload:
    """The rider's workload against the limits (lowered in bad weather), and why to stop."""
    if bad_weather:
        continuous_limit = int(continuous_limit * BAD_WEATHER_FACTOR)
        daily_limit = int(daily_limit * BAD_WEATHER_FACTOR)
    weather = " (lowered for the weather)" if bad_weather else ""
    reason = None
    if riding_minutes >= continuous_limit - NEAR_MINUTES:
        reason = (
            f"you have ridden {riding_minutes} min without a break; the limit is "
            f"{continuous_limit} min{weather}: finish what you carry and take a break"
        )
    elif today_minutes >= daily_limit - NEAR_MINUTES:
        reason = (
            f"you have been on shift {today_minutes} min today; the daily limit is "
            f"{daily_limit} min{weather}: finish what you carry and rest"
        )
    return Workload(
        riding_minutes, today_minutes, continuous_limit, daily_limit, bad_weather, reason
    )

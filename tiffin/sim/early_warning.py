"""Early warning played into a simulated day (the epidemic day runs it).

Every ``CADENCE`` simulated minutes the real model (``safety.warning.model.warn``) reads each
served zone's signals as ``safety.warning.signals.gather`` reads them live: riders on duty by
where they are now, the health check-ins of the last six hours by where their rider is now, the
highest authority level over the zone (a closure counts where its centre lies, so a paused zone
is rated high too) and the orders the dispatch forecaster expects from the zone's recent orders
by drop-off, forecast as live (``model.forecast_orders``: the same window on the tenant's past
days, scaled by today's last hour), at the rate the tenant's riders carried on those past days.
An operator then applies every recommendation not yet applied, once per id, with the effect
``safety.warning.service.apply`` has live (bounded as live by ``model.bound_pauses``):

- ``call_standby``: live it messages the on-call roster; here the riders wanted come from a
  standby pool ``STANDBY_DELAY`` minutes later, each through the tenant's real health check;
- ``extend_promise``: live it sets the tenant's promise extension (capped) until the horizon
  ends; here the promise told to customers who order in that window is longer by as much;
- ``pause_zone``: live checkout refuses new orders to addresses in the zone until the horizon
  ends; here orders placed in that window with their door in the zone never reach the
  dispatcher (``admits``), while riders and canteens carry on.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from tiffin.domain.geo import inside
from tiffin.optimiser.model import Job, Point
from tiffin.optimiser.zones import ClosedZone
from tiffin.safety.policy import SafetyRules, assess_checkin, shift_refusals
from tiffin.safety.warning.model import (
    MAX_EXTRA_MINUTES,
    ORDERS_PER_RIDER_HOUR,
    Action,
    Recommendation,
    Warning,
    ZoneSignals,
    bound_pauses,
    forecast_orders,
    warn,
)
from tiffin.safety.warning.service import HORIZON, window
from tiffin.safety.warning.signals import LAST_HOUR, SIGNAL_WINDOW
from tiffin.sim.mdrp import MdrpCourier

CADENCE = 15  # minutes between two looks at the outlook
STANDBY_DELAY = 20  # minutes from the roster call to a standby rider on shift
STANDBY_POOL = 4  # standby riders the campus office can call on in a day
HORIZON_MINUTES = int(HORIZON.total_seconds() // 60)
WINDOW_MINUTES = int(SIGNAL_WINDOW.total_seconds() // 60)
LAST_MINUTES = int(LAST_HOUR.total_seconds() // 60)


@dataclass(frozen=True)
class ServedZone:
    """A zone the simulated tenant serves (metres, like the rest of the simulated day)."""

    id: str
    name: str
    polygon: tuple[Point, ...]

    def covers(self, p: Point) -> bool:
        return inside([(c.x, c.y) for c in self.polygon], (p.x, p.y))


@dataclass(frozen=True)
class CheckIn:
    minute: int
    rider_id: str
    passed: bool


@dataclass(frozen=True)
class AppliedAction:
    minute: int
    recommendation: Recommendation
    detail: str


def centroid(polygon: Sequence[Point]) -> Point:
    """As ``safety.warning.signals.centroid``: the mean of the corners."""
    return Point(sum(p.x for p in polygon) / len(polygon), sum(p.y for p in polygon) / len(polygon))


def zone_at(zones: Sequence[ServedZone], where: Point | None) -> str | None:
    """The name of the first served zone covering ``where`` (None: in none, as live)."""
    if where is None:
        return None
    return next((z.name for z in zones if z.covers(where)), None)


def expected_orders(
    zones: Sequence[ServedZone],
    jobs: Sequence[Job],
    now: int,
    horizon_minutes: int,
    history: Sequence[Sequence[Job]] = (),
) -> dict[str, float]:
    """As live (``signals._expected_orders``): per zone by drop-off, today's orders of the last
    hour (only those placed by ``now``) and, on each past day of ``history`` with any order in
    the window, the same hour and the horizon after it, through ``model.forecast_orders``."""

    def count(day: Sequence[Job], start: int, end: int) -> Counter[str | None]:
        return Counter(zone_at(zones, j.dropoff) for j in day if start < j.placed_at <= end)

    last = count(jobs, now - LAST_MINUTES, now)
    days = [d for d in history if count(d, now - LAST_MINUTES, now + horizon_minutes)]
    before = [count(d, now - LAST_MINUTES, now) for d in days]
    ahead = [count(d, now, now + horizon_minutes) for d in days]
    n = len(days)
    return {
        z.name: forecast_orders(
            last_hour=last[z.name],
            usual_last_hour=sum(c[z.name] for c in before) / n if n else None,
            usual_ahead=sum(c[z.name] for c in ahead) / n if n else None,
            horizon_hours=horizon_minutes / 60,
        )
        for z in zones
    }


def promised_minute(job: Job, door: Point, metres_per_minute: float, buffer: int) -> int:
    """The promise told at checkout (``ordering.promise``): ready + the ride to the door +
    the tenant's buffer when the order is placed."""
    ride = math.dist((job.pickup.x, job.pickup.y), (door.x, door.y)) / metres_per_minute
    return job.ready_at + math.ceil(ride) + buffer


def measured_shortfall(
    orders: int, rider_minutes: float, minutes: int, rate: float = ORDERS_PER_RIDER_HOUR
) -> dict[str, float]:
    """Riders the orders placed in a window needed at the model's rate (``rate`` orders per
    rider-hour) against the riders on shift (rider-minutes over the window's minutes); the
    shortfall in whole riders, as the model counts it."""
    hours = minutes / 60
    needed = orders / (rate * hours)
    available = rider_minutes / minutes
    return {
        "orders": orders,
        "riders_needed": round(needed, 2),
        "riders_available": round(available, 2),
        "shortfall_riders": max(0, math.ceil(needed - available - 1e-9)),
    }


@dataclass
class EarlyWarning:
    """The simulator's controller: looks every ``CADENCE`` minutes and applies what it is told."""

    zones: tuple[ServedZone, ...]
    jobs: tuple[Job, ...]
    rules: SafetyRules
    day: datetime  # minute 0 of the simulated day
    authority: tuple[ClosedZone, ...]  # zones the authority rates high while they are closed
    starts: dict[str, Point]  # every rider's starting point (refused riders stay there)
    checkins: list[CheckIn]
    rng: np.random.Generator  # the standby riders' check-ins
    shift_end: int
    base_buffer: int
    fail_share: float
    history: tuple[tuple[Job, ...], ...] = ()  # the tenant's past days' orders (the forecast)
    orders_per_rider_hour: float = ORDERS_PER_RIDER_HOUR  # what its riders carried on them
    cadence: int = CADENCE
    skip: frozenset[Action] = frozenset()  # actions the operator declines (a what-if)
    warnings: list[tuple[int, list[Warning]]] = field(default_factory=list)
    actions: list[AppliedAction] = field(default_factory=list)
    pauses: list[tuple[str, int, int]] = field(default_factory=list)  # (zone id, from, until)
    extensions: list[tuple[int, int, int]] = field(default_factory=list)  # (from, min, until)
    standby: list[MdrpCourier] = field(default_factory=list)
    standby_refused: int = 0
    refused: list[Job] = field(default_factory=list)  # orders checkout refused (paused zone)
    _called: int = 0

    def extra_at(self, minute: int) -> int:
        """Early warning's promise extension in force at ``minute`` (the latest set, until its
        window ends), as ``Tenant.promise_buffer_at`` reads it live."""
        latest = next((e for e in reversed(self.extensions) if e[0] <= minute), None)
        return latest[1] if latest is not None and minute < latest[2] else 0

    def buffer_at(self, minute: int) -> int:
        """The promise buffer in force when an order is placed at ``minute``."""
        return self.base_buffer + self.extra_at(minute)

    def paused_at(self, minute: int) -> set[str]:
        return {z for z, start, until in self.pauses if start <= minute < until}

    def admits(self, job: Job, now: int) -> bool:
        """Checkout's ``zone_paused`` refusal: a door in a zone whose new orders are paused."""
        paused = self.paused_at(now)
        refuse = any(z.id in paused and z.covers(job.dropoff) for z in self.zones)
        if refuse:
            self.refused.append(job)
        return not refuse

    def tick(
        self, now: int, on_duty: dict[str, Point]
    ) -> tuple[list[MdrpCourier], list[ClosedZone]]:
        if now % self.cadence:
            return [], []
        hours = HORIZON_MINUTES / 60
        at = window(self.day + timedelta(minutes=now))
        outlook = bound_pauses(
            [warn(s, hours, at, self.orders_per_rider_hour) for s in self.signals(now, on_duty)],
            paused=self.paused_at(now),
            promise_extra=self.extra_at(now),
            zones=len(self.zones),
        )
        self.warnings.append((now, outlook))
        done = {a.recommendation.id for a in self.actions}
        joining: list[MdrpCourier] = []
        for rec in (r for w in outlook for r in w.recommendations if r.id not in done):
            detail = self._apply(now, rec, joining)
            self.actions.append(AppliedAction(now, rec, detail))
        return joining, []  # a pause closes nothing to riders

    def signals(self, now: int, on_duty: dict[str, Point]) -> list[ZoneSignals]:
        on_shift = Counter(zone_at(self.zones, p) for p in on_duty.values())
        checks: Counter[str | None] = Counter()
        failed: Counter[str | None] = Counter()
        for c in self.checkins:
            if now - WINDOW_MINUTES < c.minute <= now:
                name = zone_at(self.zones, on_duty.get(c.rider_id, self.starts.get(c.rider_id)))
                checks[name] += 1
                failed[name] += not c.passed
        high = {zone_at(self.zones, centroid(z.polygon)) for z in self.authority if z.active(now)}
        expected = expected_orders(self.zones, self.jobs, now, HORIZON_MINUTES, self.history)
        return [
            ZoneSignals(
                zone_id=z.id,
                zone_name=z.name,
                riders_on_shift=on_shift[z.name],
                checkins=checks[z.name],
                failed_checkins=failed[z.name],
                risk_level="high" if z.name in high else None,
                bad_weather=False,  # no weather warning on the epidemic day
                orders_expected=expected[z.name],
            )
            for z in self.zones
        ]

    def _apply(self, now: int, rec: Recommendation, joining: list[MdrpCourier]) -> str:
        zone = next(z for z in self.zones if z.id == rec.zone_id)
        if rec.action in self.skip:
            return "not applied: the operator declined"
        if rec.action is Action.EXTEND_PROMISE:
            current = self.extra_at(now)
            minutes = min(MAX_EXTRA_MINUTES, max(current, rec.extra_minutes))
            self.extensions.append((now, minutes, now + HORIZON_MINUTES))
            return f"promise extension {current} -> {minutes} min until {now + HORIZON_MINUTES}"
        if rec.action is Action.PAUSE_ZONE:
            if all(z.id in self.paused_at(now) for z in self.zones if z.id != zone.id):
                return "not applied: it would stop every zone"  # live: a 409
            self.pauses.append((zone.id, now, now + HORIZON_MINUTES))
            return f"new orders to {zone.name} paused until minute {now + HORIZON_MINUTES}"
        arrive = now + STANDBY_DELAY
        wanted = min(rec.riders_wanted, STANDBY_POOL - self._called)
        came = 0
        for _ in range(wanted):
            self._called += 1
            rider = MdrpCourier(
                f"standby{self._called}", centroid(zone.polygon), arrive, self.shift_end
            )
            if arrive >= self.shift_end or not self._fit(rider):
                continue
            self.standby.append(rider)
            self.starts[rider.id] = rider.start
            joining.append(rider)
            came += 1
        return (
            f"{wanted} standby riders called for {rec.riders_wanted}; {came} on shift at {arrive}"
        )

    def _fit(self, rider: MdrpCourier) -> bool:
        """The standby rider's own check-in before the shift, under the tenant's rules."""
        failing = self.rng.random() < self.fail_share
        fever = (
            380 + int(self.rng.integers(0, 15)) if failing else 362 + int(self.rng.integers(0, 8))
        )
        at = self.day + timedelta(minutes=rider.on_at - 5)
        checkin = assess_checkin(
            self.rules, at=at, temperature_tenths=fever, symptoms=(), test_result=None
        )
        self.checkins.append(CheckIn(rider.on_at - 5, rider.id, checkin.passed))
        refusals = shift_refusals(
            self.rules,
            self.day + timedelta(minutes=rider.on_at),
            last_checkin=checkin,
            required=[],
            trainings=[],
            policies=[],
        )
        self.standby_refused += bool(refusals)
        return not refusals

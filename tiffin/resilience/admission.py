"""Admission control, the pure rule: under saturation refuse deferrable work first, then
important, core last, and never let one tenant's burst take another tenant's share.

Saturation is measured, not guessed: ``pressure`` is the larger of in-flight requests over
``capacity`` and the recent wait for a write slot over ``wait_target_s`` (an exponentially
weighted average that fades while nothing waits). Levels rise at once when pressure crosses a
threshold and fall one step at a time only after pressure has stayed below ``release`` times
that threshold for ``calm_s`` (hysteresis: no flapping at the edge). Time comes from ``now``
(monotonic seconds), so tests drive it with a fake clock.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from tiffin.domain.priorities import Priority

NORMAL, SHED_DEFERRABLE, SHED_IMPORTANT, SHED_CORE = 0, 1, 2, 3
LEVEL_NAMES = ("normal", "shedding deferrable", "shedding important", "shedding core")
RETRY_AFTER_S = {Priority.CORE: 1, Priority.IMPORTANT: 5, Priority.DEFERRABLE: 15}


@dataclass(frozen=True)
class AdmissionLimits:
    capacity: int = 32  # requests in flight the server works through without queueing much
    wait_target_s: float = 0.05  # a write-slot wait above this means writes queue
    important_at: float = 1.5  # pressure at which important work is refused too
    core_at: float = 4.0  # pressure at which core work over a tenant's share is refused
    release: float = 0.7  # a level drops once pressure is under release x its threshold ...
    calm_s: float = 2.0  # ... for this long
    wait_half_life_s: float = 0.5  # the wait signal halves per this much time without waits
    wait_min_samples: int = 20  # waits within the last second before the wait signal counts
    ewma_alpha: float = 0.2

    def threshold(self, level: int) -> float:
        return (0.0, 1.0, self.important_at, self.core_at)[level]


@dataclass(frozen=True)
class Refusal:
    """Why a request was turned away, and when to come back."""

    code: str
    detail: str
    retry_after_s: int


@dataclass
class Admission:
    """In-flight counts (total and per tenant), the wait signal and the shedding level."""

    limits: AdmissionLimits
    now: Callable[[], float]
    level: int = NORMAL
    in_flight: int = 0
    by_tenant: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)  # by priority label
    _wait: float = 0.0
    _wait_at: float | None = None
    _wait_times: deque[float] = field(default_factory=deque)
    _calm_since: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def pressure(self) -> float:
        """max(in flight / capacity, recent write-slot wait / its target). The wait counts only
        with enough waits in the last second: a handful of writes queueing is not overload."""
        times, since = self._wait_times, self.now() - 1.0
        while times and times[0] < since:
            times.popleft()
        if len(times) < self.limits.wait_min_samples:
            return self.in_flight / self.limits.capacity
        return max(
            self.in_flight / self.limits.capacity, self._faded_wait() / self.limits.wait_target_s
        )

    def _faded_wait(self) -> float:
        if self._wait_at is None:
            return 0.0
        idle = max(0.0, self.now() - self._wait_at)
        return float(self._wait * 0.5 ** (idle / self.limits.wait_half_life_s))

    def observe_wait(self, seconds: float) -> None:
        """A request waited ``seconds`` for a write slot."""
        with self._lock:
            a = self.limits.ewma_alpha
            self._wait = a * seconds + (1 - a) * self._faded_wait()
            self._wait_at = self.now()
            self._wait_times.append(self._wait_at)
            if len(self._wait_times) > 4 * self.limits.wait_min_samples:
                self._wait_times.popleft()  # enough to know; bounded memory

    def update(self) -> int:
        """Move the level toward the pressure: up at once, down a step after a calm spell."""
        limits, p, now = self.limits, self.pressure(), self.now()
        target = next(
            lv
            for lv in (SHED_CORE, SHED_IMPORTANT, SHED_DEFERRABLE, NORMAL)
            if p >= limits.threshold(lv)
        )
        if target > self.level:
            self.level, self._calm_since = target, None
        elif target < self.level and p < limits.release * limits.threshold(self.level):
            if self._calm_since is None:
                self._calm_since = now
            elif now - self._calm_since >= limits.calm_s:
                self.level -= 1
                self._calm_since = now if self.level > target else None
        else:
            self._calm_since = None
        return self.level

    def _share(self, tenant: str, bound: float) -> float:
        """A tenant's fair part of ``bound`` among the tenants with work in flight."""
        active = len(self.by_tenant) + (0 if tenant in self.by_tenant else 1)
        return max(1.0, bound / active)

    def admit(self, priority: Priority, tenant: str) -> Refusal | None:
        """None if the request may go in (then call ``release`` when it is done)."""
        with self._lock:
            level = self.update()
            refusal = self._refusal(priority, tenant, level)
            if refusal is None:
                self.in_flight += 1
                self.by_tenant[tenant] += 1
            else:
                self.refused[priority.label] += 1
            return refusal

    def _refusal(self, priority: Priority, tenant: str, level: int) -> Refusal | None:
        mine, cap = self.by_tenant[tenant], self.limits.capacity
        retry = RETRY_AFTER_S[priority]
        if priority is Priority.DEFERRABLE and level >= SHED_DEFERRABLE:
            return Refusal(
                "overloaded", "busy serving orders; this can wait: try again later", retry
            )
        if priority is Priority.IMPORTANT and (
            level >= SHED_IMPORTANT
            or (level >= SHED_DEFERRABLE and mine >= self._share(tenant, cap))
        ):
            return Refusal("overloaded", "busy serving orders; try again shortly", retry)
        core_share = self._share(tenant, cap * self.limits.core_at)
        if priority is Priority.CORE and level >= SHED_CORE and mine >= core_share:
            return Refusal(
                "overloaded", "too many of your requests at once; retry in a moment", retry
            )
        return None

    def release(self, tenant: str) -> None:
        with self._lock:
            self.in_flight -= 1
            self.by_tenant[tenant] -= 1
            if self.by_tenant[tenant] <= 0:
                del self.by_tenant[tenant]

    def snapshot(self) -> dict[str, object]:
        """For /readyz and the metrics."""
        with self._lock:
            return {
                "level": LEVEL_NAMES[self.update()],
                "in_flight": self.in_flight,
                "pressure": round(self.pressure(), 2),
                "refused": dict(self.refused),
            }

"""The staged start, the pure rule: after a start or a crash, core jobs first (the outbox relay,
the dispatcher, the health watch), then what follows the core (customers' notifications, the
important scans) once the core is up, and deferrable jobs only after the core has been healthy
for ``settle_s`` without a break. Time comes from the injected clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from tiffin.domain.priorities import Priority

FIRST, NEXT, LAST = 1, 2, 3


@dataclass(frozen=True)
class Job:
    """A background loop and its class. ``after_core``: a core job that only makes sense once
    the core runs (notifications are written by the relay)."""

    name: str
    priority: Priority
    after_core: bool = False

    @property
    def wave(self) -> int:
        if self.priority is Priority.CORE and not self.after_core:
            return FIRST
        return NEXT if self.priority is not Priority.DEFERRABLE else LAST


@dataclass
class StagedStart:
    """Which jobs are due now; what started when, in order (for the log and /readyz)."""

    jobs: list[Job]
    now: Callable[[], datetime]
    settle_s: float = 10.0
    started: list[tuple[Job, datetime]] = field(default_factory=list)
    _healthy_since: datetime | None = None

    def due(self, *, core_up: bool, core_healthy: bool) -> list[Job]:
        """The jobs to start now; call again until ``done``. ``core_up``: the first-wave jobs
        have each completed a round; ``core_healthy``: nothing core is failing right now."""
        now = self.now()
        if not core_healthy:
            self._healthy_since = None
        elif self._healthy_since is None:
            self._healthy_since = now
        waves = {FIRST}
        if core_up and self._started_wave(FIRST):
            waves.add(NEXT)
            settled = self._healthy_since is not None and (
                (now - self._healthy_since).total_seconds() >= self.settle_s
            )
            if settled and self._started_wave(NEXT):
                waves.add(LAST)
        begun = {job.name for job, _ in self.started}
        due = [j for j in self.jobs if j.wave in waves and j.name not in begun]
        self.started += [(j, now) for j in due]
        return due

    def _started_wave(self, wave: int) -> bool:
        begun = {job.name for job, _ in self.started}
        return all(j.name in begun for j in self.jobs if j.wave == wave)

    @property
    def done(self) -> bool:
        return len(self.started) == len(self.jobs)

    def snapshot(self) -> dict[str, object]:
        """For /readyz: the order things started in, and what still waits."""
        begun = {job.name for job, _ in self.started}
        return {
            "started": [
                {"job": j.name, "class": j.priority.label, "wave": j.wave, "at": at.isoformat()}
                for j, at in self.started
            ],
            "waiting": [j.name for j in self.jobs if j.name not in begun],
        }

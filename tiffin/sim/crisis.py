"""Crises played into a simulated day: what happens, and when.

The simulator applies a ``CrisisPlan`` minute by minute before each dispatch cycle, so the real
engine meets each crisis exactly as it would live: riders vanish mid-route, customers cancel,
storms slow everyone down, zones close.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tiffin.optimiser.zones import ClosedZone


@dataclass(frozen=True)
class SlowWindow:
    """Riders move at ``factor`` of their speed between ``start`` and ``end`` (a storm)."""

    start: int
    end: int
    factor: float

    def __post_init__(self) -> None:
        if not 0 < self.factor <= 1:
            raise ValueError("a slow window's factor lies in (0, 1]")


@dataclass(frozen=True)
class Declaration:
    """An operator's declared weather warning or incident, in force from ``start`` to ``end``."""

    name: str
    start: int
    end: int


@dataclass(frozen=True)
class CrisisPlan:
    cancellations: dict[str, int] = field(default_factory=dict)  # order -> minute
    dropouts: dict[str, int] = field(default_factory=dict)  # rider -> minute
    slow: tuple[SlowWindow, ...] = ()
    closed_zones: tuple[ClosedZone, ...] = ()
    kitchen_delays: dict[str, int] = field(default_factory=dict)  # order -> minutes past its prep
    incident: tuple[int, int] | None = None  # a dispatch incident: (opened, resolved) minutes
    declared: tuple[Declaration, ...] = ()

    def declared_at(self, now: int) -> tuple[str, ...]:
        """The warnings and incidents in force at ``now``."""
        return tuple(d.name for d in self.declared if d.start <= now < d.end)

    def speed_factor(self, now: int) -> float:
        factor = 1.0
        for window in self.slow:
            if window.start <= now < window.end:
                factor = min(factor, window.factor)
        return factor

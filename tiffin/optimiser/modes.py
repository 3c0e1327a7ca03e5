"""Dispatch modes: normal and crisis settings, and the switch between them with hysteresis.

One set of weights cannot serve both an ordinary day and a storm: a gentle overdue bonus lets
a rider wait for food that is nearly ready (good on ordinary days: ready-to-pickup falls), but
in a storm's backlog it lets old orders starve (the storm's p90 grew from 82 to 108 minutes).
So the weights are a function of the situation. Crisis starts at once when an operator declares
a weather warning or an incident, or when the backlog (orders whose food is ready and that
have no rider, per rider on shift) stays at or above ``enter_backlog`` for ``enter_minutes``.
It ends only when nothing is declared and the backlog has stayed at or below ``exit_backlog``
(lower than the entry level) for ``exit_minutes``: the gap and the waits are the hysteresis
that keeps the mode from flapping at the threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from tiffin.optimiser.model import DispatchParams, Job


class Mode(StrEnum):
    NORMAL = "normal"
    CRISIS = "crisis"


@dataclass(frozen=True)
class Weights:
    """The knobs a mode sets on top of the base parameters (speeds and services stay)."""

    overdue_weight: float
    lookahead_minutes: int
    wait_weight: float = 0.3
    commit_minutes: int = 2


NORMAL_WEIGHTS = Weights(overdue_weight=3.0, lookahead_minutes=20)  # tuned on the MDRP days
CRISIS_WEIGHTS = Weights(overdue_weight=8.0, lookahead_minutes=15)  # storm-lunch, rider-dropout


@dataclass(frozen=True)
class ModeSettings:
    """The weights of each mode."""

    normal: Weights = NORMAL_WEIGHTS
    crisis: Weights = CRISIS_WEIGHTS

    def params(self, mode: Mode, base: DispatchParams) -> DispatchParams:
        """``base`` with the weights of ``mode``."""
        w = self.crisis if mode is Mode.CRISIS else self.normal
        return replace(
            base,
            overdue_weight=w.overdue_weight,
            lookahead_minutes=w.lookahead_minutes,
            wait_weight=w.wait_weight,
            commit_minutes=w.commit_minutes,
        )


@dataclass(frozen=True)
class SwitchRule:
    """When the backlog makes a crisis, and when it has ended."""

    enter_backlog: float = 1.0  # ready orders without a rider, per rider on shift
    enter_minutes: int = 5
    exit_backlog: float = 0.3
    exit_minutes: int = 15

    def __post_init__(self) -> None:
        if not 0 <= self.exit_backlog < self.enter_backlog:
            raise ValueError("the exit level must lie below the entry level (hysteresis)")
        if self.enter_minutes < 1 or self.exit_minutes < 1:
            raise ValueError("a mode holds for at least a minute before it switches")


@dataclass(frozen=True)
class ModeState:
    """The current mode, since when, and how long the backlog has been above / below."""

    mode: Mode = Mode.NORMAL
    since: int = 0
    above_since: int | None = None  # first minute of the current run at or above entry
    below_since: int | None = None  # first minute of the current run at or below exit


@dataclass(frozen=True)
class ModeChange:
    """A switch, to log as an event and show operators."""

    at: int
    previous: Mode
    mode: Mode
    reason: str


def backlog(jobs: Sequence[Job], riders_on_shift: int, now: int) -> float:
    """Orders whose food is ready and that have no rider, per rider on shift."""
    waiting = sum(1 for j in jobs if j.ready_at <= now)
    return waiting / max(1, riders_on_shift)


def step(
    state: ModeState,
    now: int,
    load: float,
    declared: Sequence[str] = (),
    rule: SwitchRule | None = None,
) -> tuple[ModeState, ModeChange | None]:
    """Advance the mode by one observation at ``now``; ``declared`` names the active weather
    warnings and incidents. Returns the new state and the change, if the mode switched."""
    rule = rule or SwitchRule()
    above = state.above_since if load >= rule.enter_backlog else None
    if load >= rule.enter_backlog and above is None:
        above = now
    below = state.below_since if load <= rule.exit_backlog else None
    if load <= rule.exit_backlog and below is None:
        below = now
    state = replace(state, above_since=above, below_since=below)
    if state.mode is Mode.NORMAL:
        if declared:
            reason = "declared: " + ", ".join(sorted(declared))
        elif above is not None and now - above + 1 >= rule.enter_minutes:
            reason = f"backlog {load:.2f} per rider for {now - above + 1} minutes"
        else:
            return state, None
        return _switch(state, now, Mode.CRISIS, reason)
    if declared or below is None or now - below + 1 < rule.exit_minutes:
        return state, None
    reason = f"backlog at or below {rule.exit_backlog:g} per rider for {now - below + 1} minutes"
    return _switch(state, now, Mode.NORMAL, reason)


def _switch(state: ModeState, now: int, mode: Mode, reason: str) -> tuple[ModeState, ModeChange]:
    change = ModeChange(now, state.mode, mode, reason)
    return replace(state, mode=mode, since=now), change

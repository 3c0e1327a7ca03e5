"""Normal and crisis modes: the switch, its hysteresis, and the weights each mode sets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tiffin.optimiser.model import DispatchParams, Job, Point
from tiffin.optimiser.modes import (
    Mode,
    ModeChange,
    ModeSettings,
    ModeState,
    SwitchRule,
    backlog,
    step,
)

RULE = SwitchRule(enter_backlog=1.0, enter_minutes=5, exit_backlog=0.3, exit_minutes=15)


def run(loads: list[float], declared: dict[int, tuple[str, ...]] | None = None) -> list[Mode]:
    state, modes = ModeState(), []
    for minute, load in enumerate(loads):
        state, _change = step(state, minute, load, (declared or {}).get(minute, ()), RULE)
        modes.append(state.mode)
    return modes


def test_a_backlog_must_last_before_crisis_starts() -> None:
    modes = run([2.0] * 4 + [0.5])
    assert modes == [Mode.NORMAL] * 5
    assert run([2.0] * 5)[-1] is Mode.CRISIS


def test_a_backlog_that_dips_between_the_levels_does_not_end_the_crisis() -> None:
    modes = run([2.0] * 5 + [0.6] * 40)  # below entry, above exit: no switch back
    assert set(modes[4:]) == {Mode.CRISIS}


def test_crisis_ends_only_after_the_backlog_stays_low_long_enough() -> None:
    modes = run([2.0] * 5 + [0.1] * 14 + [0.5] + [0.1] * 15)
    assert modes[5 + 14] is Mode.CRISIS  # a blip above the exit level restarts the wait
    assert modes[-2] is Mode.CRISIS and modes[-1] is Mode.NORMAL


def test_a_declared_warning_switches_at_once_and_holds_the_crisis() -> None:
    declared = {m: ("weather warning",) for m in range(3, 30)}
    modes = run([0.0] * 40, declared)
    assert modes[2] is Mode.NORMAL and modes[3] is Mode.CRISIS
    assert set(modes[3:30]) == {Mode.CRISIS}  # low backlog does not end a declared crisis
    assert modes[30] is Mode.NORMAL  # lifted, and the backlog has long been low


def test_each_switch_is_reported_once_with_its_reason() -> None:
    state, changes = ModeState(), []
    for minute, load in enumerate([2.0] * 6 + [0.0] * 20):
        state, change = step(state, minute, load, (), RULE)
        if change:
            changes.append(change)
    assert changes == [
        ModeChange(4, Mode.NORMAL, Mode.CRISIS, "backlog 2.00 per rider for 5 minutes"),
        ModeChange(
            20, Mode.CRISIS, Mode.NORMAL, "backlog at or below 0.3 per rider for 15 minutes"
        ),
    ]


@settings(max_examples=200, deadline=None)
@given(loads=st.lists(st.floats(0, 3, allow_nan=False), max_size=120))
def test_the_mode_never_flaps(loads: list[float]) -> None:
    """Two switches are always at least the shorter hold apart, and a switch to crisis without a
    declaration follows enter_minutes at or above the entry level."""
    state, switches = ModeState(), []
    for minute, load in enumerate(loads):
        state, change = step(state, minute, load, (), RULE)
        if change:
            switches.append(change.at)
            if change.mode is Mode.CRISIS:
                assert all(x >= RULE.enter_backlog for x in loads[minute - 4 : minute + 1])
            else:
                assert all(x <= RULE.exit_backlog for x in loads[minute - 14 : minute + 1])
    gaps = [b - a for a, b in zip(switches, switches[1:], strict=False)]
    assert all(g >= min(RULE.enter_minutes, RULE.exit_minutes) for g in gaps)


def test_the_levels_must_leave_a_gap() -> None:
    with pytest.raises(ValueError, match="hysteresis"):
        SwitchRule(enter_backlog=0.5, exit_backlog=0.5)


def test_backlog_counts_ready_orders_per_rider() -> None:
    here = Point(0, 0)
    jobs = [Job("a", "m", here, here, 0, 5), Job("b", "m", here, here, 0, 20)]
    assert backlog(jobs, 2, 10) == 0.5
    assert backlog(jobs, 0, 30) == 2.0  # no rider on shift: every ready order counts in full


def test_each_mode_sets_its_own_weights_and_keeps_the_rest() -> None:
    base = DispatchParams(metres_per_minute=250.0)
    modes = ModeSettings()
    crisis, normal = modes.params(Mode.CRISIS, base), modes.params(Mode.NORMAL, base)
    assert crisis.overdue_weight > normal.overdue_weight
    assert crisis.metres_per_minute == normal.metres_per_minute == 250.0

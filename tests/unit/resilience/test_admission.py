"""The admission rule: who is refused first, fairness between tenants, and hysteresis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tiffin.domain.priorities import Priority
from tiffin.resilience.admission import (
    NORMAL,
    SHED_CORE,
    SHED_DEFERRABLE,
    SHED_IMPORTANT,
    Admission,
    AdmissionLimits,
)
from tiffin.resilience.degraded import HEALTH, OPERATOR, Degraded, Switch

CORE, IMPORTANT, DEFERRABLE = Priority.CORE, Priority.IMPORTANT, Priority.DEFERRABLE


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def gate(capacity: int = 10) -> tuple[Admission, FakeClock]:
    clock = FakeClock()
    limits = AdmissionLimits(capacity=capacity, important_at=1.5, core_at=3.0, calm_s=2.0)
    return Admission(limits, clock), clock


def fill(admission: Admission, n: int, tenant: str = "a", level: Priority = CORE) -> None:
    for _ in range(n):
        assert admission.admit(level, tenant) is None


def test_everything_is_admitted_below_capacity() -> None:
    admission, _ = gate()
    fill(admission, 7)
    for level in (DEFERRABLE, IMPORTANT, CORE):
        assert admission.admit(level, "a") is None
    assert admission.level == NORMAL and admission.in_flight == 10


def test_deferrable_is_shed_first_then_important_then_core() -> None:
    admission, _ = gate()
    fill(admission, 10)  # pressure 1.0
    refusal = admission.admit(DEFERRABLE, "b")
    assert refusal is not None and refusal.code == "overloaded" and refusal.retry_after_s > 0
    assert admission.admit(IMPORTANT, "b") is None
    assert admission.admit(CORE, "b") is None
    fill(admission, 3)  # 15 in flight: pressure 1.5
    assert admission.admit(IMPORTANT, "c") is not None
    assert admission.admit(CORE, "c") is None
    assert admission.level == SHED_IMPORTANT
    fill(admission, 14)  # 30 in flight: pressure 3.0
    assert admission.update() == SHED_CORE
    assert admission.admit(CORE, "a") is not None  # "a" holds far more than its share
    assert admission.refused == {"deferrable": 1, "important": 1, "core": 1}


def test_the_write_slot_wait_counts_as_saturation_and_fades() -> None:
    admission, clock = gate()
    for _ in range(30):
        admission.observe_wait(0.2)  # four times the 50 ms target
    assert admission.admit(DEFERRABLE, "a") is not None
    assert admission.admit(IMPORTANT, "a") is not None
    assert admission.admit(CORE, "a") is None
    admission.release("a")
    clock.t += 10  # nothing waited since: the signal halves every half-second
    assert admission.pressure() < 0.01


def test_one_tenants_burst_cannot_starve_another_tenants_core() -> None:
    admission, _ = gate()
    fill(admission, 30, tenant="burst")  # pressure 3: core past its share is refused
    assert admission.admit(CORE, "burst") is not None
    assert admission.admit(CORE, "quiet") is None  # the other tenant's first order goes in
    assert admission.admit(CORE, "quiet") is None


def test_a_tenant_over_its_share_loses_important_work_before_others() -> None:
    admission, _ = gate()
    fill(admission, 9, tenant="burst")
    fill(admission, 1, tenant="quiet")  # pressure 1.0: two tenants, five slots each
    assert admission.admit(IMPORTANT, "burst") is not None
    assert admission.admit(IMPORTANT, "quiet") is None


def test_levels_fall_only_after_a_calm_spell_one_step_at_a_time() -> None:
    admission, clock = gate()
    fill(admission, 15)
    assert admission.update() == SHED_IMPORTANT
    for _ in range(6):
        admission.release("a")  # 9 in flight: pressure 0.9 is under 0.7 x 1.5 but over 0.7 x 1
    assert admission.update() == SHED_IMPORTANT  # calm starts now
    clock.t += 1.9
    assert admission.update() == SHED_IMPORTANT
    clock.t += 0.2
    assert admission.update() == SHED_DEFERRABLE  # one step down
    clock.t += 5
    assert admission.update() == SHED_DEFERRABLE  # 0.9 is not under 0.7 x 1.0: stays
    for _ in range(3):
        admission.release("a")  # 6 in flight
    admission.update()
    clock.t += 2.1
    assert admission.update() == NORMAL


def test_a_blip_above_the_threshold_restarts_the_calm_spell() -> None:
    admission, clock = gate()
    fill(admission, 10)
    assert admission.update() == SHED_DEFERRABLE
    for _ in range(10):
        admission.release("a")
    admission.update()  # calm starts
    clock.t += 1.5
    fill(admission, 8)
    assert admission.update() == SHED_DEFERRABLE  # 0.8 is over 0.7: the calm spell is broken
    for _ in range(8):
        admission.release("a")
    admission.update()  # calm starts again
    clock.t += 1.5
    assert admission.update() == SHED_DEFERRABLE
    clock.t += 0.6
    assert admission.update() == NORMAL


def test_release_forgets_idle_tenants() -> None:
    admission, _ = gate()
    fill(admission, 2, tenant="x")
    admission.release("x")
    admission.release("x")
    assert admission.in_flight == 0 and "x" not in admission.by_tenant


class WallClock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 30, 12, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


def test_an_operators_switch_is_for_their_tenant_and_lasts_its_time() -> None:
    clock = WallClock()
    degraded = Degraded(clock, calm_s=30)
    degraded.switch_off("reports", "t1", reason="month end", for_s=60)
    assert degraded.is_off("reports", "t1") is not None
    assert degraded.is_off("reports", "t2") is None  # another tenant keeps its reports
    assert degraded.signal(["reports"], bad=False, reason="db") == []  # not the watch's to undo
    clock.at += timedelta(seconds=61)
    assert degraded.is_off("reports", "t1") is None


def test_the_health_watchs_switch_comes_back_after_the_signal_stays_clear() -> None:
    clock = WallClock()
    degraded = Degraded(clock, calm_s=30)
    both = ["browse", "reports"]
    assert degraded.signal(both, bad=True, reason="db slow") == []  # one slow look is not enough
    assert degraded.signal(both, bad=True, reason="db slow") == []
    assert degraded.signal(both, bad=True, reason="db slow") == both
    assert degraded.is_off("browse", "any tenant") is not None
    clock.at += timedelta(seconds=20)
    assert degraded.signal(both, bad=False, reason="") == []
    clock.at += timedelta(seconds=20)
    degraded.signal(both, bad=True, reason="db slow")  # a relapse: the calm spell restarts
    clock.at += timedelta(seconds=1)
    degraded.signal(both, bad=False, reason="")
    clock.at += timedelta(seconds=29)
    assert degraded.signal(both, bad=False, reason="") == []
    clock.at += timedelta(seconds=1)
    assert degraded.signal(both, bad=False, reason="") == both
    assert degraded.snapshot() == []
    assert degraded.snapshot("t1") == []


def test_switches_recorded_elsewhere_replace_the_operators_ones() -> None:
    clock = WallClock()
    degraded = Degraded(clock)
    degraded.switch_off("browse", "t1", reason="x", for_s=60)
    for _ in range(3):
        degraded.signal(["forecast"], bad=True, reason="db slow")
    degraded.load([Switch("reports", "t2", OPERATOR, "y", clock.at, clock.at + timedelta(hours=1))])
    assert degraded.is_off("browse", "t1") is None
    assert degraded.is_off("reports", "t2") is not None
    assert degraded.is_off("forecast") is not None and HEALTH == "health"


def test_a_handful_of_queued_writes_is_not_overload() -> None:
    admission, clock = gate()
    for _ in range(admission.limits.wait_min_samples - 1):
        admission.observe_wait(1.0)  # long waits, but few of them
    assert admission.admit(DEFERRABLE, "a") is None
    admission.release("a")
    admission.observe_wait(1.0)
    assert admission.admit(DEFERRABLE, "a") is not None
    clock.t += 1.5  # the waits fall out of the last second
    assert admission.pressure() == 0.0

"""The staged start: core first, notifications next, deferrable jobs after a healthy spell."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tiffin.domain.priorities import Priority
from tiffin.resilience.startup import Job, StagedStart

JOBS = [
    Job("webhooks", Priority.DEFERRABLE),
    Job("notify", Priority.CORE, after_core=True),
    Job("anomalies", Priority.IMPORTANT),
    Job("outbox", Priority.CORE),
    Job("dispatch", Priority.CORE),
    Job("health", Priority.CORE),
]


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 30, 12, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


def names(jobs: list[Job]) -> list[str]:
    return [j.name for j in jobs]


def test_core_first_then_notifications_then_deferrable_after_a_healthy_spell() -> None:
    clock = Clock()
    start = StagedStart(JOBS, clock, settle_s=10)
    assert names(start.due(core_up=False, core_healthy=False)) == ["outbox", "dispatch", "health"]
    clock.at += timedelta(seconds=1)
    assert start.due(core_up=False, core_healthy=True) == []  # the core has not done a round
    clock.at += timedelta(seconds=1)
    assert names(start.due(core_up=True, core_healthy=True)) == ["notify", "anomalies"]
    clock.at += timedelta(seconds=5)
    assert start.due(core_up=True, core_healthy=False) == []  # a stumble restarts the spell
    clock.at += timedelta(seconds=9)
    assert start.due(core_up=True, core_healthy=True) == []
    clock.at += timedelta(seconds=9)
    assert start.due(core_up=True, core_healthy=True) == []
    clock.at += timedelta(seconds=1)
    assert names(start.due(core_up=True, core_healthy=True)) == ["webhooks"]
    assert start.done
    snapshot = start.snapshot()
    assert [s["job"] for s in snapshot["started"]] == [  # type: ignore[attr-defined]
        "outbox",
        "dispatch",
        "health",
        "notify",
        "anomalies",
        "webhooks",
    ]
    assert snapshot["waiting"] == []


def test_nothing_starts_twice() -> None:
    start = StagedStart(JOBS, Clock(), settle_s=0)
    first = start.due(core_up=True, core_healthy=True)
    again = start.due(core_up=True, core_healthy=True)
    third = start.due(core_up=True, core_healthy=True)
    assert sorted(names(first + again + third)) == sorted(names(JOBS))
    assert start.due(core_up=True, core_healthy=True) == []

"""Coalescing: a burst of trouble becomes one push; the cap holds; the outcome always goes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tiffin.care.coalesce import Action, CoalesceRules, Sent, plan_push

T0 = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
RULES = CoalesceRules(window=timedelta(minutes=4), max_pushes=2)


def _replay(events: list[tuple[int, bool]]) -> list[Sent]:
    """Feed (minute, final) messages through plan_push as the sender would; the pushes made."""
    pushes: list[Sent] = []
    for n, (minute, final) in enumerate(events):
        now = T0 + timedelta(minutes=minute)
        earlier = [Sent(s.id, s.at, s.at > now, s.final) for s in pushes]
        plan = plan_push(earlier, now, final=final, rules=RULES)
        if plan.action is Action.INBOX_ONLY:
            continue
        if plan.replaces is not None:
            pushes = [s for s in pushes if s.id != plan.replaces]
        pushes.append(Sent(f"m{n}", plan.at, plan.at > now, final))
    return pushes


def test_a_burst_of_three_events_gives_one_push_with_the_newest() -> None:
    pushes = _replay([(0, False), (1, False), (3, False)])
    assert [s.id for s in pushes] == ["m2"]
    assert pushes[0].at == T0 + timedelta(minutes=4)  # the first one's hold, not extended


def test_no_more_than_the_cap_of_trouble_pushes_plus_the_outcome() -> None:
    pushes = _replay([(0, False), (10, False), (20, False), (30, False), (40, True)])
    assert [s.id for s in pushes] == ["m0", "m1", "m4"]


def test_the_final_outcome_goes_at_once_and_replaces_a_held_message() -> None:
    pushes = _replay([(0, False), (5, False), (6, True)])
    assert [s.id for s in pushes] == ["m0", "m2"]
    assert pushes[-1].at == T0 + timedelta(minutes=6)


def test_nothing_but_the_inbox_after_the_outcome() -> None:
    plan = plan_push(
        [Sent("a", T0, False, True)], T0 + timedelta(minutes=9), final=False, rules=RULES
    )
    assert plan.action is Action.INBOX_ONLY


def test_a_zero_window_pushes_at_once() -> None:
    plan = plan_push([], T0, final=False, rules=CoalesceRules(window=timedelta(0)))
    assert plan.action is Action.PUSH_NOW

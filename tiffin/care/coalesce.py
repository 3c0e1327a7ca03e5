"""Fewer, better messages: when a customer's trouble message goes out as a push, and when not.

Pure: the live sender (``care.notify``) and the simulator (``sim.care``) both ask ``plan_push``.
Per order, a trouble message waits ``window`` before it is pushed (or, after a push, until
``window`` past it), and a newer message landing meanwhile supersedes it: one push with the newest
ETA and reason, not three a minute apart. An order gets at most ``max_pushes`` trouble pushes,
plus its final outcome (delivered late, cancelled). Whatever is not pushed still lands in the
in-app inbox: the history is whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tiffin.domain.anomalies import AnomalyType

FINAL_OUTCOMES = frozenset({AnomalyType.DELIVERED_LATE, AnomalyType.CANCELLED})


class Action(StrEnum):
    """What to do with a new message."""

    PUSH_NOW = "push_now"
    HOLD = "hold"  # push at ``at`` unless a newer message supersedes it first
    SUPERSEDE = "supersede"  # replace the held message ``replaces``; push at its time
    INBOX_ONLY = "inbox_only"


@dataclass(frozen=True, slots=True)
class CoalesceRules:
    """A tenant's limits (from its care policy)."""

    window: timedelta = timedelta(minutes=4)
    max_pushes: int = 2


@dataclass(frozen=True, slots=True)
class Sent:
    """A push already made or waiting for this order: ``held`` ones can still be replaced."""

    id: str
    at: datetime  # when it went, or when it is due
    held: bool
    final: bool


@dataclass(frozen=True, slots=True)
class Plan:
    action: Action
    at: datetime
    replaces: str | None = None


def is_final(kind: AnomalyType) -> bool:
    """An outcome the customer always hears about."""
    return kind in FINAL_OUTCOMES


def plan_push(earlier: Sequence[Sent], now: datetime, *, final: bool, rules: CoalesceRules) -> Plan:
    """Decide the push for a new message on an order, given the order's earlier pushes.

    A final outcome always goes now and replaces a held message (the outcome says more). A held
    message is replaced by the newer one at the held time. Past the cap, inbox only. Otherwise
    held until ``window`` after the last push (after now, for the order's first message).
    """
    held = [s for s in earlier if s.held]
    if final:
        return Plan(Action.PUSH_NOW, now, replaces=held[-1].id if held else None)
    if held:
        return Plan(Action.SUPERSEDE, held[-1].at, replaces=held[-1].id)
    trouble = [s for s in earlier if not s.final]
    if len(trouble) >= rules.max_pushes or any(s.final for s in earlier):
        return Plan(Action.INBOX_ONLY, now)
    due = max((s.at for s in earlier), default=now) + rules.window
    if due <= now:
        return Plan(Action.PUSH_NOW, now)
    return Plan(Action.HOLD, due)

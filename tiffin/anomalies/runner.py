"""The playbook runner: a detection's steps carried out in order, over small ports.

This is the one place that knows what running a playbook means: which port each step calls,
that the customer's message carries the grant made by an earlier compensate step, what is
written down after each step, and how the anomaly ends (escalated when a step or the playbook
says so, handled when the trouble is already over). The live engine runs it over database
adapters in one unit of work; the simulator runs it over in-memory ones, so both act alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from tiffin.anomalies.playbook import ONE_SHOT, Step
from tiffin.care.notify import Given
from tiffin.domain.anomalies import Detection


@dataclass(frozen=True)
class Redispatched:
    """What re-dispatch did, in words, and whether an operator must now step in."""

    outcome: str
    escalate: bool = False


@dataclass(frozen=True)
class Compensated:
    """A grant made (or found) for the anomaly: what the customer's message says was given."""

    given: Given
    tier: str | None = None
    grant_id: str | None = None


@dataclass(frozen=True)
class Told:
    """Whether the customer's message was queued now (False: told before), and the ETA it quotes."""

    queued: bool
    eta: datetime | None = None


class PlaybookPorts(Protocol):
    """What the runner needs from the world it acts in."""

    def redispatch(self, d: Detection) -> Redispatched: ...

    def compensate(self, d: Detection) -> Compensated | None: ...

    def tell_customer(self, d: Detection, given: Given | None) -> Told: ...

    def tell_merchant(self, d: Detection) -> None: ...

    def record(self, step: Step, outcome: str, data: dict[str, Any]) -> None: ...

    def escalate(self) -> None: ...

    def mark_handled(self) -> None: ...


@dataclass(frozen=True)
class Ran:
    """How the run ended: the grant it made, and whether it went to the operators."""

    compensated: Compensated | None = None
    escalated: bool = False
    handled: bool = False


def run_playbook(steps: Sequence[Step], d: Detection, ports: PlaybookPorts) -> Ran:
    """Carry out ``steps`` for ``d`` in order, then escalate or close it as a one-shot."""
    compensated: Compensated | None = None
    escalate = False
    for step in steps:
        if step is Step.REDISPATCH:
            done = ports.redispatch(d)
            escalate = escalate or done.escalate
            ports.record(step, done.outcome, {})
        elif step is Step.COMPENSATE:
            compensated = ports.compensate(d)
            if compensated is None:
                ports.record(step, "policy granted nothing", {})
            else:
                data = {"grant_id": compensated.grant_id} if compensated.grant_id else {}
                ports.record(step, f"granted {compensated.tier or 'refund'}", data)
        elif step is Step.NOTIFY_CUSTOMER:
            told = ports.tell_customer(d, compensated.given if compensated else None)
            eta = told.eta.isoformat() if told.eta else None
            ports.record(step, "queued" if told.queued else "already told", {"eta": eta})
        elif step is Step.NOTIFY_MERCHANT:
            ports.tell_merchant(d)
            ports.record(step, "notice sent", {})
        elif step is Step.ESCALATE:
            escalate = True
    handled = not escalate and d.type in ONE_SHOT
    if escalate:
        ports.escalate()
        ports.record(Step.ESCALATE, "in the operator queue", {})
    elif handled:
        ports.mark_handled()
    return Ran(compensated, escalate, handled)

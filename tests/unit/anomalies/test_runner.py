"""The playbook runner over in-memory ports: steps in order, the grant in the message, the end."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tiffin.anomalies.playbook import DEFAULT_PLAYBOOK, Step
from tiffin.anomalies.runner import Compensated, Redispatched, Told, run_playbook
from tiffin.care.notify import Given
from tiffin.care.policy import Segment
from tiffin.domain.anomalies import AnomalyType, Detection, Liability, Reason, Severity
from tiffin.optimiser.model import REDISPATCH_PRIORITY, DispatchParams, Job, Point
from tiffin.sim.care import CareSim, SimPorts

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CREDIT = Given("credit", 500)


def detection(kind: AnomalyType) -> Detection:
    return Detection("ord_1", kind, Severity.HIGH, Liability.PLATFORM, Reason.WEATHER, T0, T0)


@dataclass
class Recorded:
    """Ports that remember every call, with answers set per test."""

    redispatched: Redispatched = Redispatched("offered to rider r1")
    grant: Compensated | None = None
    queued: bool = True
    calls: list[str] = field(default_factory=list)
    told_with: list[Given | None] = field(default_factory=list)
    log: list[tuple[Step, str, dict[str, Any]]] = field(default_factory=list)

    def redispatch(self, d: Detection) -> Redispatched:
        self.calls.append("redispatch")
        return self.redispatched

    def compensate(self, d: Detection) -> Compensated | None:
        self.calls.append("compensate")
        return self.grant

    def tell_customer(self, d: Detection, given: Given | None) -> Told:
        self.calls.append("tell_customer")
        self.told_with.append(given)
        return Told(self.queued, T0)

    def tell_merchant(self, d: Detection) -> None:
        self.calls.append("tell_merchant")

    def record(self, step: Step, outcome: str, data: dict[str, Any]) -> None:
        self.log.append((step, outcome, data))

    def escalate(self) -> None:
        self.calls.append("escalate")

    def mark_handled(self) -> None:
        self.calls.append("handled")


def test_steps_run_in_the_playbooks_order_and_the_message_carries_the_grant() -> None:
    ports = Recorded(grant=Compensated(CREDIT, tier="small", grant_id="grt_1"))
    d = detection(AnomalyType.RIDER_LOST)
    ran = run_playbook(DEFAULT_PLAYBOOK.steps(d.type), d, ports)
    assert ports.calls == ["redispatch", "compensate", "tell_customer"]
    assert ports.told_with == [CREDIT]
    assert ports.log == [
        (Step.REDISPATCH, "offered to rider r1", {}),
        (Step.COMPENSATE, "granted small", {"grant_id": "grt_1"}),
        (Step.NOTIFY_CUSTOMER, "queued", {"eta": T0.isoformat()}),
    ]
    assert not ran.escalated and not ran.handled  # rider_lost stays open until it is over


def test_nothing_granted_means_a_message_without_compensation() -> None:
    ports = Recorded(grant=None, queued=False)
    d = detection(AnomalyType.DELIVERED_LATE)
    run_playbook(DEFAULT_PLAYBOOK.steps(d.type), d, ports)
    assert ports.told_with == [None]
    assert [(s, o) for s, o, _ in ports.log] == [
        (Step.COMPENSATE, "policy granted nothing"),
        (Step.NOTIFY_CUSTOMER, "already told"),
    ]


def test_a_one_shot_anomaly_is_handled_when_nobody_escalates() -> None:
    ports = Recorded()
    d = detection(AnomalyType.CANCELLED)
    ran = run_playbook(DEFAULT_PLAYBOOK.steps(d.type), d, ports)
    assert ports.calls[-2:] == ["tell_merchant", "handled"]
    assert ran.handled and not ran.escalated


def test_an_escalate_step_sends_it_to_the_operators_once_at_the_end() -> None:
    ports = Recorded()
    d = detection(AnomalyType.ITEM_PROBLEM)
    ran = run_playbook(DEFAULT_PLAYBOOK.steps(d.type), d, ports)
    assert ports.calls == ["compensate", "tell_customer", "escalate"]
    assert ports.log[-1] == (Step.ESCALATE, "in the operator queue", {})
    assert ran.escalated and not ran.handled  # escalated one-shots are not closed


def test_a_redispatch_that_needs_an_operator_escalates_after_the_other_steps() -> None:
    ports = Recorded(redispatched=Redispatched("the rider has the food", escalate=True))
    d = detection(AnomalyType.NO_RIDER)
    ran = run_playbook(DEFAULT_PLAYBOOK.steps(d.type), d, ports)
    assert ports.calls == ["redispatch", "tell_customer", "escalate"]
    assert ran.escalated


def test_the_simulators_ports_boost_a_waiting_job_once_and_count_escalations() -> None:
    sim = CareSim(DispatchParams())
    job = Job("ord_1", "mer_1", Point(0, 0), Point(500, 0), 0, 5)
    open_jobs = {"ord_1": job}
    ports = SimPorts(sim, open_jobs, 7, "c1", Segment.REGULAR, "en")
    d = detection(AnomalyType.NO_RIDER)
    first = run_playbook([Step.REDISPATCH, Step.NOTIFY_CUSTOMER, Step.ESCALATE], d, ports)
    again = ports.redispatch(d)
    assert open_jobs["ord_1"].priority == REDISPATCH_PRIORITY and sim._boosted == {"ord_1"}
    assert again.outcome == "already first in the pool"
    assert first.escalated and sim.escalated == 1
    assert [m.detected_s for m in sim.messages] == [(7 + 4) * 60.0]  # held 4 min to coalesce
    assert [step for _, step, _ in sim.actions] == [
        Step.REDISPATCH,
        Step.NOTIFY_CUSTOMER,
        Step.ESCALATE,
    ]

"""The anomaly engine in the simulator: the real detectors, playbook, compensation policy and
message templates, watching a simulated day minute by minute.

Each minute the simulator hands over what a live platform would know: orders waiting for a
rider, riders' committed routes (whose drop-off times are what the dispatcher believes), orders
delivered or cancelled, riders who dropped out. ``CareSim`` turns that into the same
``OrderFacts`` the live scanner builds, runs ``scan`` / ``on_finished`` / ``handed_back``, and
carries out the playbook: a no-rider or lost-rider order is boosted in the dispatch pool, the
policy decides a grant against an in-memory budget and per-customer history, and the customer's
message is rendered from the real templates.

What is modelled rather than real: the message provider (a queue that sends ``provider_rate``
messages per second, each taking ``provider_latency_s`` and failing with ``provider_failure``
probability, retried with the live sender's backoff, highest priority first), and customers
(orders are spread over a population with a fixed mix of segments and languages). The live
figures come from ``bench/notify_latency.py``.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from tiffin.anomalies.detectors import handed_back, on_finished, scan
from tiffin.anomalies.eta import EtaModel
from tiffin.anomalies.playbook import DEFAULT_PLAYBOOK, Playbook, Step
from tiffin.anomalies.runner import Compensated, Redispatched, Told, run_playbook
from tiffin.anomalies.thresholds import Thresholds
from tiffin.care.channels import backoff_seconds
from tiffin.care.coalesce import Action, CoalesceRules, Sent, is_final, plan_push
from tiffin.care.notify import Given, priority, render
from tiffin.care.policy import DEFAULT_POLICY, CompensationPolicy, Context, Segment, decide
from tiffin.domain.anomalies import AnomalyType, Detection, Liability, OrderFacts
from tiffin.domain.geo import EARTH_RADIUS_M, LatLon
from tiffin.domain.order import OrderStatus
from tiffin.optimiser.model import REDISPATCH_PRIORITY, DispatchParams, Job, Point
from tiffin.sim.crisis import CrisisPlan

S = OrderStatus
DAY = datetime(2026, 1, 5, tzinfo=UTC)  # minute 0 of a simulated day
ORIGIN = LatLon(31.03, 121.44)
CUSTOMER_MIX = (
    [Segment.HIGH_VALUE] * 1 + [Segment.FREQUENT] * 2 + [Segment.NEW] * 2 + [Segment.REGULAR] * 5
)
ORDER_VALUE_CENTS = 2400
PROMISE_BUFFER = 10  # minutes, as the live promise (prep + ride + buffer)


def at(minute: float) -> datetime:
    return DAY + timedelta(minutes=minute)


def latlon(p: Point) -> LatLon:
    """Back from the simulator's metres to degrees around the campus (the ETA model's units)."""
    lat = ORIGIN.lat + math.degrees(p.y / EARTH_RADIUS_M)
    lon = ORIGIN.lon + math.degrees(p.x / (EARTH_RADIUS_M * math.cos(math.radians(ORIGIN.lat))))
    return LatLon(lat, lon)


@dataclass(frozen=True)
class PlannedEta:
    """The ETA the dispatcher believes: its committed route for assigned orders, the live ETA
    model for orders still waiting for a rider."""

    model: EtaModel
    planned: dict[str, int]  # order -> planned drop-off minute

    def predict(self, facts: OrderFacts, now: datetime) -> datetime | None:
        if facts.order_id in self.planned and facts.status in (S.ASSIGNED, S.PICKED_UP):
            return at(self.planned[facts.order_id])
        return self.model.predict(facts, now)

    def lateness_minutes(self, facts: OrderFacts, now: datetime) -> float:
        eta = self.predict(facts, now)
        return 0.0 if eta is None else (eta - facts.promised_at).total_seconds() / 60


@dataclass
class Message:
    order_id: str
    detected_s: float
    priority: int
    text: str


@dataclass
class CareSim:
    instance_params: DispatchParams
    crisis: CrisisPlan = field(default_factory=CrisisPlan)
    playbook: Playbook = DEFAULT_PLAYBOOK
    policy: CompensationPolicy = DEFAULT_POLICY
    customers: int = 200
    provider_rate: float = 50.0  # messages per second
    provider_latency_s: float = 0.3
    provider_failure: float = 0.05
    seed: int = 1
    detections: list[Detection] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    grants_cents: int = 0
    refunds_cents: int = 0
    budget_hit: bool = False
    escalated: int = 0
    handled: int = 0  # one-shot anomalies closed without an operator
    merchant_notices: int = 0
    actions: list[tuple[int, Step, str]] = field(default_factory=list)  # (minute, step, outcome)
    _seen: set[tuple[str, AnomalyType]] = field(default_factory=set)
    _finished: set[str] = field(default_factory=set)
    _waiting_since: dict[str, int] = field(default_factory=dict)
    _redispatched: set[str] = field(default_factory=set)  # handed back by a rider who left
    _boosted: set[str] = field(default_factory=set)  # boosted by the playbook (no rider)
    _history: dict[str, tuple[int, int]] = field(default_factory=dict)  # customer -> cents, n
    _pushes: dict[str, list[tuple[Sent, int]]] = field(default_factory=dict)  # order -> (push, n)
    inbox_messages: int = 0  # the full history: every message, pushed or not
    _superseded: set[int] = field(default_factory=set)  # held pushes a final outcome replaced
    _incident_told: dict[str, str] = field(default_factory=dict)  # customer -> order
    incident_told_again: int = 0

    # --- what the simulator calls ---------------------------------------------------------

    def tick(self, now: int, jobs: dict[str, Job], open_jobs: dict[str, Job], result: Any) -> None:
        """Minute ``now``: detect, then act (boosting orders in ``open_jobs`` in place)."""
        instant = at(now)
        self._incident_news(now, jobs, result)
        weather = self.crisis.speed_factor(now) < 1.0
        speed = self.instance_params.metres_per_minute * self.crisis.speed_factor(now)
        eta = PlannedEta(
            EtaModel(
                metres_per_minute=speed,
                pickup_service=self.instance_params.pickup_service,
                dropoff_service=self.instance_params.dropoff_service,
            ),
            {j: d.dropoff_at for j, d in result.deliveries.items()},
        )
        found: list[Detection] = []
        for job_id, job in open_jobs.items():
            self._waiting_since.setdefault(job_id, now)
            boosted_by_us = job_id in self._boosted
            if (
                job.priority >= REDISPATCH_PRIORITY
                and not boosted_by_us
                and job_id not in self._redispatched
            ):
                self._redispatched.add(job_id)  # a rider dropped out before fetching it
                self._waiting_since[job_id] = now
                found.append(
                    handed_back(
                        job_id, instant, since=instant, rider_id=None, why="rider dropped out"
                    )
                )
            found += scan(self._facts(job, now, weather, S.READY), instant, self._t, eta)
        for job_id, d in result.deliveries.items():
            if job_id in self._finished:
                continue
            job = d.job
            if d.dropoff_at <= now:
                self._finished.add(job_id)
                f = self._facts(job, now, weather, S.DELIVERED, delivery=d)
                hit = on_finished(f, instant, self._t, actor_role="rider", reason_text="")
                found += [hit] if hit else []
            else:
                status = S.PICKED_UP if d.pickup_at <= now else S.ASSIGNED
                found += scan(
                    self._facts(job, now, weather, status, delivery=d), instant, self._t, eta
                )
        for job_id, why in result.cancelled.items():
            if job_id in self._finished:
                continue
            self._finished.add(job_id)
            role = "customer" if "customer" in why else "system"
            f = self._facts(jobs[job_id], now, weather, S.CANCELLED)
            hit = on_finished(f, instant, self._t, actor_role=role, reason_text=why)
            found += [hit] if hit else []
        for detection in found:
            self._handle(detection, jobs, open_jobs, now)

    # --- incident communications, as live (tiffin.incidents.in_flight) ---------------------

    def _incident_news(self, now: int, jobs: dict[str, Job], result: Any) -> None:
        """At the incident's opening, each customer with an order in flight is told once; at
        its resolution, each of them again (the make-good, or that it is fixed)."""
        if self.crisis.incident is None or now not in self.crisis.incident:
            return
        opened, _ = self.crisis.incident
        if now == opened:
            finished = {j for j, d in result.deliveries.items() if d.dropoff_at <= now}
            in_flight = [
                j
                for j, job in jobs.items()
                if job.placed_at <= now and j not in finished and j not in result.cancelled
            ]
            for job_id in sorted(in_flight):
                customer = self._customer(job_id)[0]
                if customer not in self._incident_told:
                    self._incident_told[customer] = job_id
                    self.messages.append(Message(job_id, now * 60.0, 450, "incident opened"))
                    self.inbox_messages += 1
        else:
            for _customer, job_id in sorted(self._incident_told.items()):
                self.messages.append(Message(job_id, now * 60.0, 450, "incident resolved"))
                self.inbox_messages += 1
                self.incident_told_again += 1

    # --- the playbook, as live -------------------------------------------------------------

    @property
    def _t(self) -> Thresholds:
        return self.playbook.thresholds

    def _facts(
        self, job: Job, now: int, weather: bool, status: S, delivery: Any = None
    ) -> OrderFacts:
        delay = self.crisis.kitchen_delays.get(job.id, 0)
        expected_ready = job.ready_at - delay
        ride = math.hypot(job.pickup.x - job.dropoff.x, job.pickup.y - job.dropoff.y)
        promise = expected_ready + math.ceil(ride / self.instance_params.metres_per_minute)
        ready_known = job.ready_at <= now
        if status is S.READY and not ready_known:
            status = S.ACCEPTED
        return OrderFacts(
            order_id=job.id,
            status=status,
            placed_at=at(job.placed_at),
            promised_at=at(promise + PROMISE_BUFFER),
            expected_ready_at=at(expected_ready),
            merchant_at=latlon(job.pickup),
            dropoff=latlon(job.dropoff),
            accepted_at=at(job.placed_at),
            ready_at=at(job.ready_at) if ready_known else None,
            assigned_at=at(delivery.assigned_at) if delivery else None,
            picked_up_at=at(delivery.pickup_at) if delivery and delivery.pickup_at <= now else None,
            finished_at=at(delivery.dropoff_at if delivery else now)
            if status in (S.DELIVERED, S.CANCELLED)
            else None,
            waiting_since=at(self._waiting_since.get(job.id, job.placed_at)),
            weather=weather,
        )

    def _customer(self, job_id: str) -> tuple[str, Segment, str]:
        n = sum(map(ord, job_id)) * 7919 % self.customers
        return f"c{n}", CUSTOMER_MIX[n % len(CUSTOMER_MIX)], ("zh-CN", "en")[n % 2]

    def _handle(
        self, d: Detection, jobs: dict[str, Job], open_jobs: dict[str, Job], now: int
    ) -> None:
        key = (d.order_id, d.type)
        if key in self._seen:
            return  # duplicates merge, as live: one record per order and type
        self._seen.add(key)
        self.detections.append(d)
        customer, segment, language = self._customer(d.order_id)
        ports = SimPorts(self, open_jobs, now, customer, segment, language)
        run_playbook(self.playbook.steps(d.type), d, ports)

    def _compensate(
        self, d: Detection, customer: str, segment: Segment, minutes_late: float
    ) -> Compensated | None:
        cents, count = self._history.get(customer, (0, 0))
        decision = decide(
            self.policy,
            Context(
                kind=d.type,
                liable=d.liable,
                minutes_late=minutes_late,
                segment=segment,
                order_total_cents=ORDER_VALUE_CENTS,
                customer_granted_cents=cents,
                customer_grants=count,
                budget_used_cents=self.grants_cents,
            ),
        )
        self.budget_hit = self.budget_hit or decision.budget_hit
        self.grants_cents += decision.cost_cents
        self.refunds_cents += decision.refund_cents
        if decision.tier is not None:
            self._history[customer] = (cents + decision.cost_cents, count + 1)
        if not decision.grants_anything:
            return None
        tier = decision.tier
        given = Given(
            tier.instrument.value if tier else None,
            decision.cost_cents,
            decision.refund_cents,
            tier.points_multiplier if tier else 0,
        )
        return Compensated(given, tier=tier.name if tier else None)

    # --- the day's figures ----------------------------------------------------------------

    def delivery_delays(self) -> list[float]:
        """Seconds from detection to the provider accepting each message (modelled queue)."""
        rng = np.random.default_rng(self.seed)
        queue: list[tuple[float, int, int, float, int]] = []  # (ready, -priority, n, detected, try)
        for n, m in enumerate(self.pushes()):
            heapq.heappush(queue, (m.detected_s, -m.priority, n, m.detected_s, 1))
        clock, delays = 0.0, []
        gap = 1.0 / self.provider_rate
        while queue:
            ready, neg, n, detected, attempt = heapq.heappop(queue)
            if ready > clock:
                clock = ready
            clock += gap
            if rng.random() < self.provider_failure and attempt < 3:
                retry = clock + backoff_seconds(attempt)
                heapq.heappush(queue, (retry, neg, n, detected, attempt + 1))
                continue
            delays.append(clock + self.provider_latency_s - detected)
        return delays

    def push(self, order_id: str, now: int, kind: AnomalyType, urgency: int, text: str) -> None:
        """Coalesce as live: a push now, a held push, a superseded one, or the inbox only."""
        self.inbox_messages += 1
        instant = at(now)
        earlier = [
            replace(s, held=s.at > instant) for s, _ in self._pushes.setdefault(order_id, [])
        ]
        rules = CoalesceRules(
            window=timedelta(minutes=self.policy.coalesce_minutes),
            max_pushes=self.policy.max_pushes_per_order,
        )
        plan = plan_push(earlier, instant, final=is_final(kind), rules=rules)
        if plan.action is Action.INBOX_ONLY:
            return
        sent_at_s = (plan.at - DAY).total_seconds()
        message = Message(order_id, sent_at_s, urgency, text)
        pushes = self._pushes[order_id]
        if plan.replaces is not None:
            index = next(n for s, n in pushes if s.id == plan.replaces)
            pushes[:] = [(s, n) for s, n in pushes if s.id != plan.replaces]
            if plan.action is Action.SUPERSEDE:
                self.messages[index] = message
                pushes.append((Sent(plan.replaces, plan.at, True, False), index))
                return
            self._superseded.add(index)
        self.messages.append(message)
        entry = Sent(f"{order_id}:{len(pushes)}", plan.at, plan.at > instant, is_final(kind))
        pushes.append((entry, len(self.messages) - 1))

    def pushes(self) -> list[Message]:
        """The messages that reached the provider (a replaced held one never did)."""
        return [m for n, m in enumerate(self.messages) if n not in self._superseded]

    def report(self, result: Any) -> dict[str, Any]:
        by_type = Counter(d.type.value for d in self.detections)
        affected = {d.order_id for d in self.detections}
        pushes = self.pushes()
        told = {m.order_id for m in pushes}
        needs_telling = {
            d.order_id
            for d in self.detections
            if Step.NOTIFY_CUSTOMER in self.playbook.steps(d.type)
        }
        delays = np.array(self.delivery_delays())
        detect = np.array([(d.at - d.since).total_seconds() for d in self.detections])
        redispatched = self._redispatched
        rescued = [j for j in redispatched if j in result.deliveries]
        return {
            "anomalies_by_type": dict(sorted(by_type.items())),
            "anomalies": len(self.detections),
            "affected_orders": len(affected),
            "detection_delay_s_mean": _round(detect.mean()) if detect.size else None,
            "detection_delay_s_max": _round(detect.max()) if detect.size else None,
            "affected_customers_notified_pct": round(
                100 * len(told & needs_telling) / len(needs_telling), 1
            )
            if needs_telling
            else 100.0,
            "messages": len(pushes),
            "messages_per_affected_order": round(len(pushes) / len(affected), 2)
            if affected
            else 0.0,
            "inbox_messages": self.inbox_messages,
            "incident_customers_told_at_open": len(self._incident_told),
            "incident_customers_told_at_resolution": self.incident_told_again,
            "notification_delay_p50_s": _round(np.percentile(delays, 50)) if delays.size else None,
            "notification_delay_p99_s": _round(np.percentile(delays, 99)) if delays.size else None,
            "redispatch_success_pct": round(100 * len(rescued) / len(redispatched), 1)
            if redispatched
            else None,
            "orders_boosted": len(self._boosted),
            "compensation_cents": self.grants_cents,
            "refunds_cents": self.refunds_cents,
            "compensation_per_affected_order_cents": round(self.grants_cents / len(affected))
            if affected
            else 0,
            "budget_hit": self.budget_hit,
            "escalated_to_operators": self.escalated,
            "policy_version": self.policy.version,
            "playbook_version": self.playbook.version,
            "liable": dict(sorted(Counter(d.liable.value for d in self.detections).items())),
            "force_majeure_share_pct": round(
                100
                * sum(1 for d in self.detections if d.liable is Liability.FORCE_MAJEURE)
                / len(self.detections),
                1,
            )
            if self.detections
            else 0.0,
        }


@dataclass
class SimPorts:
    """The playbook's ports in the simulated day: boost the job in the pool, grant against the
    in-memory budget and history, queue the rendered message for the modelled provider."""

    sim: CareSim
    open_jobs: dict[str, Job]
    now: int
    customer: str
    segment: Segment
    language: str

    def redispatch(self, d: Detection) -> Redispatched:
        job = self.open_jobs.get(d.order_id)
        if job is None:
            return Redispatched("nothing to re-dispatch: the order is not waiting for a rider")
        if job.priority >= REDISPATCH_PRIORITY:
            return Redispatched("already first in the pool")
        self.open_jobs[d.order_id] = replace(job, priority=REDISPATCH_PRIORITY)
        self.sim._boosted.add(d.order_id)
        return Redispatched("back in the pool with priority")

    def compensate(self, d: Detection) -> Compensated | None:
        return self.sim._compensate(d, self.customer, self.segment, _minutes_late(d))

    def tell_customer(self, d: Detection, given: Given | None) -> Told:
        _, body = render(d.type, d.reason, self.language, eta=None, offer=given)
        urgency = priority(d.severity, self.segment, _minutes_late(d))
        self.sim.push(d.order_id, self.now, d.type, urgency, body)
        return Told(queued=True)

    def tell_merchant(self, d: Detection) -> None:
        self.sim.merchant_notices += 1

    def record(self, step: Step, outcome: str, data: dict[str, Any]) -> None:
        self.sim.actions.append((self.now, step, outcome))

    def escalate(self) -> None:
        self.sim.escalated += 1

    def mark_handled(self) -> None:
        self.sim.handled += 1


def _minutes_late(d: Detection) -> float:
    return float(d.facts.get("minutes_late", 0) or 0)


def _round(x: float) -> float:
    return round(float(x), 2)

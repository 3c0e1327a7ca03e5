"""The fraud-ring scenario: honest customers and a ring of farming accounts over a fortnight,
run through the real services and the real risk code on a virtual clock.

The day is played on a throw-away SQLite database seeded with the demo campus: customers order
through ``place_order`` (the order checkpoint), orders move through the real state machine,
claims go through ``report_problem`` (the claim checkpoint, the playbook, care's grants and the
grant checkpoint), and an operator settles each day's review cases through ``holds.settle``
with the ground truth a careful reviewer would find. The ring shares two doors, two devices,
two cards and three phone numbers, claims on almost every delivered order, prefers one rider,
and spends the coupons it farms.

``attempted_abuse_cents`` is what the ring's claims are paid with risk control off (the same
seed and day with every rule disabled); ``paid_to_abuse_cents`` what it is paid with it on.
"""

from __future__ import annotations

import random
import statistics
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from tiffin.accounts.service import create_user, hash_password
from tiffin.anomalies.engine import Engine
from tiffin.anomalies.service import report_problem
from tiffin.care import holds, ledger
from tiffin.clock import ManualClock
from tiffin.domain.geo import LatLon
from tiffin.domain.ids import new_id
from tiffin.domain.order import Action
from tiffin.domain.people import Customer
from tiffin.domain.principals import SYSTEM, Principal, Role
from tiffin.errors import TiffinError
from tiffin.ordering.service import LineRequest, place_order
from tiffin.risk.cases import Outcome, list_cases
from tiffin.risk.counters import MemoryCounters
from tiffin.risk.gate import RiskGate
from tiffin.risk.model import Verdict
from tiffin.risk.service import RuleDraft, rules_in_force, save_rule, warm
from tiffin.seed import seed_demo
from tiffin.store import tables
from tiffin.store.db import Database
from tiffin.store.uow import UnitOfWork

START = datetime(2026, 3, 2, tzinfo=UTC)
HONEST, RING, DAYS = 80, 10, 14
HONEST_ORDER_P, RING_ORDER_P = 0.35, 0.9
HONEST_CLAIM_P, RING_CLAIM_P = 0.04, 0.9
RING_DOORS = (LatLon(31.0300, 121.4400), LatLon(31.0350, 121.4460))


@dataclass
class Person:
    principal: Principal
    honest: bool
    device: str
    card: str  # the payment instrument's fingerprint


@dataclass
class Tally:
    claims: dict[bool, int] = field(default_factory=lambda: {True: 0, False: 0})
    held: dict[bool, int] = field(default_factory=lambda: {True: 0, False: 0})
    blocked: dict[bool, int] = field(default_factory=lambda: {True: 0, False: 0})
    orders_blocked: int = 0
    coupons_spent: int = 0


class FraudDay:
    """One run of the scenario on its own database (``risk=False``: every rule disabled)."""

    def __init__(self, seed: int, *, risk: bool, folder: Path, days: int = DAYS) -> None:
        self.rng = random.Random(seed)
        self.days = days
        self.clock = ManualClock(START - timedelta(days=40))
        self.db = Database(f"sqlite:///{folder / ('on' if risk else 'off')}.db")
        self.db.migrate()
        self.engine = Engine()
        self.gate = RiskGate(MemoryCounters())
        self.tally = Tally()
        self.people: list[Person] = []
        self._cast(risk)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db, self.clock)

    def _cast(self, risk: bool) -> None:
        with self.uow() as uow:
            seed_demo(uow, slug="campus")
            tenant_id = uow.conn.execute(select(tables.tenants.c.id)).scalar_one()
            u = tables.users.c
            self.ops = Principal(
                uow.conn.execute(select(u.id).where(u.role == "operator")).scalar_one(),
                tenant_id,
                Role.OPERATOR,
                None,
            )
            self.merchants = list(
                uow.conn.execute(select(tables.menu_items.c.merchant_id, tables.menu_items.c.id))
            )
            self.riders = [r.id for r in uow.conn.execute(select(tables.riders.c.id))]
            hashed = hash_password("fraud-ring")
            for n in range(HONEST + RING):
                honest = n < HONEST
                born = START - timedelta(days=self.rng.randint(30, 300) if honest else n % 4)
                where = (
                    LatLon(31.026 + self.rng.random() * 0.013, 121.431 + self.rng.random() * 0.018)
                    if honest
                    else RING_DOORS[n % 2]
                )
                # The ring registers its ten accounts on three SIM cards, written two ways.
                phone = (
                    f"138{n:08d}"
                    if honest
                    else (f"+86 139 0000 000{n % 3}" if n % 2 else f"139000000{n % 3:02d}")
                )
                customer = Customer(
                    new_id("cus"), tenant_id, f"c{n}", where, f"door {n}", "en", phone
                )
                uow.customers.add(customer)
                user = create_user(
                    uow,
                    tenant_id=tenant_id,
                    role=Role.CUSTOMER,
                    email=f"c{n}@fraud.test",
                    password_hash=hashed,
                    display_name=f"c{n}",
                    subject_id=customer.id,
                    now=born,
                )
                principal = Principal(user.id, tenant_id, Role.CUSTOMER, customer.id)
                device = f"phone-{n}" if honest else f"ring-phone-{n % 2}"
                card = f"card-{n}" if honest else f"ring-card-{n % 2}"
                self.people.append(Person(principal, honest, device, card))
            if not risk:
                live, _ = rules_in_force(uow, tenant_id)
                for rule in live:
                    draft = RuleDraft(
                        rule.rule_id,
                        rule.description,
                        rule.expression.text,
                        rule.score,
                        rule.checkpoint,
                        enabled=False,
                    )
                    save_rule(uow, self.ops, draft)
            uow.commit()
        self.clock.set(START)
        with self.uow() as uow:  # as the platform does at start (``Platform.warm_risk``)
            warm(uow, tenant_id)

    def run(self) -> None:
        for day in range(self.days):
            for hour in (11, 12, 17, 18):
                slot = START + timedelta(days=day, hours=hour)
                self.clock.set(slot)
                claims = []
                for person in self.people:
                    p = (HONEST_ORDER_P if person.honest else RING_ORDER_P) / 4
                    if self.rng.random() < p:
                        self.clock.advance(timedelta(seconds=5))
                        claims.append(self._order(person))
                self.clock.set(slot + timedelta(minutes=45))
                for person, order_id in (c for c in claims if c is not None):
                    self.clock.advance(timedelta(seconds=5))
                    self._claim(person, order_id)
            self.clock.set(START + timedelta(days=day, hours=22))
            self._review()

    def _order(self, person: Person) -> tuple[Person, str] | None:
        """Place and deliver one order; returns it when the customer will claim on it."""
        merchant_id, item_id = self.merchants[self.rng.randrange(len(self.merchants))]
        rider = self.riders[0] if not person.honest and self.rng.random() < 0.6 else None
        rider = rider or self.riders[self.rng.randrange(len(self.riders))]
        claim = self.rng.random() < (HONEST_CLAIM_P if person.honest else RING_CLAIM_P)
        customer_id = str(person.principal.subject_id)
        try:
            with self.uow() as uow:
                coupon = None
                if not person.honest:
                    live = ledger.wallet(uow, customer_id).coupons
                    coupon = live[0]["id"] if live else None
                order = place_order(
                    uow,
                    person.principal,
                    merchant_id=merchant_id,
                    lines=[LineRequest(item_id, 2)],
                    coupon_id=coupon,
                    risk=self.gate,
                    device_id=person.device,
                    payment_instrument=person.card,
                )
                self.tally.coupons_spent += coupon is not None
                uow.commit()
        except TiffinError:
            self.tally.orders_blocked += 1
            return None
        self._deliver(order.id, rider)
        return (person, order.id) if claim else None

    def _deliver(self, order_id: str, rider_id: str) -> None:
        with self.uow() as uow:
            order = uow.orders.require(order_id, for_update=True)
            for minutes, action in (
                (1, Action.ACCEPT),
                (12, Action.MARK_READY),
                (13, Action.ASSIGN),
                (16, Action.PICK_UP),
                (28, Action.DELIVER),
            ):
                at = order.placed_at + timedelta(minutes=minutes)
                rider = rider_id if action is Action.ASSIGN else None
                order.apply(action, actor=SYSTEM, at=at, reason="", rider_id=rider)
            uow.commit()

    def _claim(self, person: Person, order_id: str) -> None:
        honest = person.honest
        with self.uow() as uow:
            reported = report_problem(
                uow,
                self.engine,
                person.principal,
                order_id,
                problem="missing",
                photo_ref=None,
                note="",
                device_id=person.device,
            )
            uow.commit()
        self.tally.claims[honest] += 1
        if reported.risk is not None and reported.risk.verdict is Verdict.REVIEW:
            self.tally.held[honest] += 1
        if reported.risk is not None and reported.risk.verdict is Verdict.BLOCK:
            self.tally.blocked[honest] += 1

    def _review(self) -> None:
        """The day's open cases, settled as a careful reviewer would: ring accounts are
        confirmed abuse, honest ones false positives."""
        honest = {str(p.principal.subject_id): p.honest for p in self.people}
        with self.uow() as uow:
            open_cases = list_cases(uow, self.ops, status="open", limit=100, offset=0)
            for case in open_cases:
                outcome = (
                    Outcome.FALSE_POSITIVE
                    if honest.get(case["customer_id"], True)
                    else Outcome.CONFIRMED_ABUSE
                )
                holds.settle(uow, self.ops, case["id"], outcome, "reviewed by the simulator")
            uow.commit()

    def figures(self) -> dict[str, Any]:
        ring = [str(p.principal.subject_id) for p in self.people if not p.honest]
        g = tables.grants.c
        d = tables.risk_decisions.c
        with self.uow() as uow:
            paid = uow.conn.execute(
                select(func.coalesce(func.sum(g.amount_cents + g.refund_cents), 0)).where(
                    g.customer_id.in_(ring), g.status == "granted"
                )
            ).scalar_one()
            cases = uow.conn.execute(select(func.count()).select_from(tables.risk_cases))
            cases_opened = int(cases.scalar_one())
            elapsed = sorted(
                float(x)
                for x in uow.conn.execute(select(d.elapsed_ms).where(d.checkpoint == "claim"))
                .scalars()
                .all()
            )
        self.db.dispose()
        p99 = elapsed[min(len(elapsed) - 1, int(len(elapsed) * 0.99))] if elapsed else 0.0
        return {
            "paid_cents": int(paid),
            "cases_opened": cases_opened,
            "decision_ms_median": round(statistics.median(elapsed), 3) if elapsed else 0.0,
            "decision_ms_p99": round(p99, 3),
        }


def run(seed: int, *, days: int = DAYS) -> dict[str, Any]:
    """The scenario's figures: the same day with risk control off, then on."""
    with tempfile.TemporaryDirectory(prefix="tiffin-fraud-") as folder:
        off = FraudDay(seed, risk=False, folder=Path(folder), days=days)
        off.run()
        baseline = off.figures()
        on = FraudDay(seed, risk=True, folder=Path(folder), days=days)
        on.run()
        live = on.figures()
    t = on.tally
    honest_claims = t.claims[True]
    return {
        "scenario": "fraud-ring",
        "seed": seed,
        "days": days,
        "honest_customers": HONEST,
        "ring_accounts": RING,
        "attempted_abuse_cents": baseline["paid_cents"],
        "paid_to_abuse_cents": live["paid_cents"],
        "abuse_claims": t.claims[False],
        "abuse_claims_held": t.held[False],
        "abuse_claims_blocked": t.blocked[False],
        "honest_claims": honest_claims,
        "honest_claims_held": t.held[True],
        "honest_claims_blocked": t.blocked[True],
        "honest_held_pct": round(100 * t.held[True] / honest_claims, 2) if honest_claims else 0.0,
        "orders_blocked": t.orders_blocked,
        "coupons_spent_by_ring": t.coupons_spent,
        "cases_opened": live["cases_opened"],
        "decision_ms_median": live["decision_ms_median"],
        "decision_ms_p99": live["decision_ms_p99"],
    }

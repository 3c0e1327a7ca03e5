"""Whether a rider may start a shift or be given orders: the tenant's rules over the rider's
records, read once. Shift start and dispatch call this; the rider's own view shows it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from tiffin.domain.people import Rider
from tiffin.errors import Conflict
from tiffin.optimiser.caps import WorkloadCaps
from tiffin.safety import health, records
from tiffin.safety.overload import Workload, assess_workload
from tiffin.safety.policy import (
    CheckIn,
    Mode,
    Refusal,
    SafetyRules,
    Validity,
    dispatch_refusal,
    required_courses,
    shift_refusals,
)
from tiffin.safety.rules import rules_of
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork


@dataclass(frozen=True)
class Standing:
    """A rider's safety records and what the rules make of them now."""

    rules: SafetyRules
    last_checkin: CheckIn | None
    required: list[str]
    trainings: list[Validity]
    policies: list[Validity]
    equipment: list[Validity]
    shift_refusals: list[Refusal]
    dispatch_refusal: Refusal | None


def _required(uow: UnitOfWork, tenant_id: str, rules: SafetyRules) -> list[str]:
    c = tables.training_courses.c
    rows = uow.conn.execute(select(c.name, c.required_in).where(c.tenant_id == tenant_id))
    courses = [(r.name, frozenset(Mode(m) for m in r.required_in)) for r in rows]
    return required_courses(courses, rules.mode)


def standing(uow: UnitOfWork, rider: Rider) -> Standing:
    rules = rules_of(uow, rider.tenant_id)
    now = uow.clock.now()
    last = health.last_checkin(uow, rider.id)
    required = _required(uow, rider.tenant_id, rules)
    trainings = records.trainings_of(uow, rider.id)
    policies = records.policies_of(uow, rider.id)
    equipment = records.equipment_of(uow, rider.id)
    return Standing(
        rules=rules,
        last_checkin=last,
        required=required,
        trainings=trainings,
        policies=policies,
        equipment=equipment,
        shift_refusals=shift_refusals(
            rules,
            now,
            last_checkin=last,
            required=required,
            trainings=trainings,
            policies=policies,
        ),
        dispatch_refusal=dispatch_refusal(rules, now, equipment=equipment),
    )


def require_may_start(uow: UnitOfWork, rider: Rider) -> None:
    """Refuse the shift with the first reason and the step that clears it."""
    rules = rules_of(uow, rider.tenant_id)
    if not rules.requires_anything:
        return  # no further reads on the common path
    refusals = standing(uow, rider).shift_refusals
    if refusals:
        first = refusals[0]
        raise Conflict(
            f"you may not start a shift: {first.reason}. What to do: {first.next_step}.",
            code=first.code,
        )


def require_dispatchable(uow: UnitOfWork, rider: Rider) -> None:
    """Refuse to give orders to a rider the rules keep off the road now."""
    tired = workloads(uow, rider.tenant_id, [rider]).get(rider.id)
    if tired is not None and tired.reason is not None:
        raise Conflict(f"{rider.name} gets no new orders: {tired.reason}.", code="near_limit")
    if dispatchable(uow, rider.tenant_id, [rider]):
        return
    refusal = standing(uow, rider).dispatch_refusal
    if refusal is not None:
        raise Conflict(
            f"{rider.name} may not take orders: {refusal.reason}. What to do: {refusal.next_step}.",
            code=refusal.code,
        )


def dispatchable(uow: UnitOfWork, tenant_id: str, riders: Sequence[Rider]) -> list[Rider]:
    """The riders the rules let take orders now: not near their workload limits and, in
    public-health mode, with current equipment (a few reads for any number of riders)."""
    tired = workloads(uow, tenant_id, riders)
    riders = [r for r in riders if r.id not in tired or tired[r.id].reason is None]
    rules = rules_of(uow, tenant_id)
    if not rules.public_health_mode:
        return list(riders)
    equipped = records.riders_with_equipment(uow, [r.id for r in riders], uow.clock.now())
    return [r for r in riders if r.id in equipped]


def workloads(uow: UnitOfWork, tenant_id: str, riders: Sequence[Rider]) -> dict[str, Workload]:
    """Each on-shift rider's workload now (three reads for any number of riders)."""
    on_shift = [r for r in riders if r.shift_started_at is not None]
    if not on_shift:
        return {}
    now = uow.clock.now()
    facts = uow.safety_rules
    limit = facts.continuous_limit(tenant_id) or WorkloadCaps().max_continuous_minutes
    stormy = facts.bad_weather(tenant_id, now)
    today = facts.minutes_today([r.id for r in on_shift], now)
    return {
        r.id: assess_workload(
            riding_minutes=int((now - r.shift_started_at).total_seconds() // 60),
            today_minutes=today.get(r.id, 0),
            continuous_limit=limit,
            bad_weather=stormy,
        )
        for r in on_shift
        if r.shift_started_at is not None
    }

"""Who may start a shift and who may be dispatched (pure): a tenant's safety rules applied to a
rider's health check-in, training, insurance and protective equipment.

Each refusal carries a stable ``code``, a sentence saying why and the next step the rider can
take, so the app can show "what to do now" rather than a bare "no".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Mode(StrEnum):
    """The tenant's operating mode; public-health mode (疫情模式) tightens the rules."""

    NORMAL = "normal"
    PUBLIC_HEALTH = "public_health"


class Symptom(StrEnum):
    FEVER = "fever"
    COUGH = "cough"
    SORE_THROAT = "sore_throat"
    SHORTNESS_OF_BREATH = "shortness_of_breath"
    LOSS_OF_TASTE_OR_SMELL = "loss_of_taste_or_smell"
    FATIGUE = "fatigue"


class TestResult(StrEnum):
    __test__ = False  # not a pytest test class, despite the name
    NEGATIVE = "negative"
    POSITIVE = "positive"


@dataclass(frozen=True)
class SafetyRules:
    """A tenant's rules; the defaults require nothing, so a tenant opts in to each check."""

    public_health_mode: bool = False
    require_checkin: bool = False
    max_temperature_tenths: int = 373  # 37.3 °C, the usual fever line at a checkpoint
    require_negative_test: bool = False  # only enforced in public-health mode
    checkin_valid_hours: int = 12
    require_training: bool = False
    require_insurance: bool = False
    retention_days: int = 14

    def __post_init__(self) -> None:
        if not 350 <= self.max_temperature_tenths <= 400:
            raise ValueError("the temperature limit must lie between 35.0 and 40.0 °C")
        if not 1 <= self.checkin_valid_hours <= 48:
            raise ValueError("a check-in is valid for 1 to 48 hours")
        if not 1 <= self.retention_days <= 365:
            raise ValueError("health records are kept for 1 to 365 days")

    @property
    def mode(self) -> Mode:
        return Mode.PUBLIC_HEALTH if self.public_health_mode else Mode.NORMAL

    @property
    def requires_anything(self) -> bool:
        """Whether shift start has anything to check at all."""
        checks = (self.require_checkin, self.require_training, self.require_insurance)
        return self.public_health_mode or any(checks)

    def purge_before(self, now: datetime) -> datetime:
        """Health records taken before this instant are past retention and must go."""
        return now - timedelta(days=self.retention_days)


@dataclass(frozen=True)
class Refusal:
    code: str
    reason: str
    next_step: str


@dataclass(frozen=True)
class CheckIn:
    """One health check-in as the rider reported it, and what the rules made of it."""

    at: datetime
    temperature_tenths: int
    symptoms: tuple[Symptom, ...]
    test_result: TestResult | None
    refusals: tuple[Refusal, ...]

    @property
    def passed(self) -> bool:
        return not self.refusals


@dataclass(frozen=True)
class Validity:
    """Something that holds for a window: a course completed, an insurance policy, equipment."""

    name: str
    valid_from: datetime
    valid_until: datetime

    def current(self, now: datetime) -> bool:
        return self.valid_from <= now < self.valid_until


def assess_checkin(
    rules: SafetyRules,
    *,
    at: datetime,
    temperature_tenths: int,
    symptoms: Iterable[Symptom],
    test_result: TestResult | None,
) -> CheckIn:
    """Judge a check-in against the rules; a failed one says why and what to do next."""
    reported = tuple(sorted(set(symptoms)))
    refusals: list[Refusal] = []
    limit = rules.max_temperature_tenths
    if temperature_tenths > limit:
        refusals.append(
            Refusal(
                "fever",
                f"your temperature {temperature_tenths / 10:.1f} °C is above {limit / 10:.1f} °C",
                "rest, measure again in an hour, and see a clinic if it stays high",
            )
        )
    if reported:
        refusals.append(
            Refusal(
                "symptoms",
                "you reported " + ", ".join(s.value.replace("_", " ") for s in reported),
                "stay home today and contact the campus clinic; check in again when well",
            )
        )
    if test_result is TestResult.POSITIVE:
        refusals.append(
            Refusal(
                "positive_test",
                "your test result is positive",
                "isolate and follow the health authority's instructions; do not ride",
            )
        )
    elif test_result is None and rules.public_health_mode and rules.require_negative_test:
        refusals.append(
            Refusal(
                "test_required",
                "in public-health mode a negative test result is required",
                "take a test at a testing point and check in again with the result",
            )
        )
    return CheckIn(at, temperature_tenths, reported, test_result, tuple(refusals))


def required_courses(courses: Sequence[tuple[str, frozenset[Mode]]], mode: Mode) -> list[str]:
    """Names of the courses the tenant requires in ``mode``."""
    return sorted(name for name, modes in courses if mode in modes)


def shift_refusals(
    rules: SafetyRules,
    now: datetime,
    *,
    last_checkin: CheckIn | None,
    required: Sequence[str],
    trainings: Sequence[Validity],
    policies: Sequence[Validity],
) -> list[Refusal]:
    """Every reason the rider may not start a shift now; empty means they may."""
    refusals: list[Refusal] = []
    if rules.require_checkin or rules.public_health_mode:
        fresh = last_checkin is not None and now - last_checkin.at < timedelta(
            hours=rules.checkin_valid_hours
        )
        if last_checkin is None or not fresh:
            refusals.append(
                Refusal(
                    "checkin_required",
                    f"you have no health check-in from the last {rules.checkin_valid_hours} hours",
                    "complete the health check-in in the app, then start the shift",
                )
            )
        elif not last_checkin.passed:
            first = last_checkin.refusals[0]
            refusals.append(Refusal("checkin_failed", first.reason, first.next_step))
    if rules.require_training:
        held = {t.name for t in trainings if t.current(now)}
        missing = [c for c in required if c not in held]
        if missing:
            refusals.append(
                Refusal(
                    "training_missing",
                    "training missing or expired: " + ", ".join(missing),
                    "complete the course(s) at your station and ask the operator to record it",
                )
            )
    if rules.require_insurance and not any(p.current(now) for p in policies):
        refusals.append(
            Refusal(
                "insurance_missing",
                "you have no insurance policy valid today",
                "bring your policy to the station office so an operator can record it",
            )
        )
    return refusals


def dispatch_refusal(
    rules: SafetyRules, now: datetime, *, equipment: Sequence[Validity]
) -> Refusal | None:
    """Why the rider may not be given orders now (public-health mode needs current equipment)."""
    if rules.public_health_mode and not any(e.current(now) for e in equipment):
        return Refusal(
            "equipment_missing",
            "in public-health mode riders need current protective equipment",
            "collect a mask and gloves at your station",
        )
    return None

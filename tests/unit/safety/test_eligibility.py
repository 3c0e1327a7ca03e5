"""Eligibility rules (pure): who may start a shift and who may be dispatched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tiffin.safety.policy import (
    Mode,
    SafetyRules,
    Symptom,
    TestResult,
    Validity,
    assess_checkin,
    dispatch_refusal,
    required_courses,
    shift_refusals,
)

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
STRICT = SafetyRules(require_checkin=True, require_training=True, require_insurance=True)


def well(rules: SafetyRules = STRICT, at: datetime = NOW) -> object:
    return assess_checkin(rules, at=at, temperature_tenths=365, symptoms=(), test_result=None)


def valid(name: str, days: int = 30) -> Validity:
    return Validity(name, NOW - timedelta(days=1), NOW + timedelta(days=days))


def codes(**kw: object) -> list[str]:
    args: dict[str, object] = {
        "last_checkin": well(),
        "required": ["Road safety"],
        "trainings": [valid("Road safety")],
        "policies": [valid("PICC 1")],
    }
    args.update(kw)
    rules = args.pop("rules", STRICT)
    return [r.code for r in shift_refusals(rules, NOW, **args)]  # type: ignore[arg-type]


def test_a_healthy_trained_insured_rider_may_start() -> None:
    assert codes() == []


def test_default_rules_require_nothing() -> None:
    empty: dict[str, object] = {"last_checkin": None, "trainings": [], "policies": []}
    assert codes(rules=SafetyRules(), **empty) == []


def test_fever_fails_the_checkin_and_says_what_to_do() -> None:
    result = assess_checkin(STRICT, at=NOW, temperature_tenths=381, symptoms=(), test_result=None)
    assert not result.passed
    assert result.refusals[0].code == "fever"
    assert "38.1" in result.refusals[0].reason and result.refusals[0].next_step


def test_the_temperature_limit_is_the_tenants() -> None:
    lenient = SafetyRules(max_temperature_tenths=382)
    assert assess_checkin(
        lenient, at=NOW, temperature_tenths=381, symptoms=(), test_result=None
    ).passed


def test_symptoms_or_a_positive_test_fail_the_checkin() -> None:
    cough = assess_checkin(
        STRICT, at=NOW, temperature_tenths=365, symptoms=[Symptom.COUGH], test_result=None
    )
    positive = assess_checkin(
        STRICT, at=NOW, temperature_tenths=365, symptoms=(), test_result=TestResult.POSITIVE
    )
    assert [r.code for r in cough.refusals] == ["symptoms"]
    assert [r.code for r in positive.refusals] == ["positive_test"]


def test_a_negative_test_is_required_only_in_public_health_mode() -> None:
    normal = SafetyRules(require_negative_test=True)
    crisis = SafetyRules(require_negative_test=True, public_health_mode=True)
    assert assess_checkin(
        normal, at=NOW, temperature_tenths=365, symptoms=(), test_result=None
    ).passed
    failed = assess_checkin(crisis, at=NOW, temperature_tenths=365, symptoms=(), test_result=None)
    assert [r.code for r in failed.refusals] == ["test_required"]
    passed = assess_checkin(
        crisis, at=NOW, temperature_tenths=365, symptoms=(), test_result=TestResult.NEGATIVE
    )
    assert passed.passed


def test_a_failed_checkin_blocks_the_shift_with_its_reason() -> None:
    ill = assess_checkin(STRICT, at=NOW, temperature_tenths=390, symptoms=(), test_result=None)
    refusals = shift_refusals(
        STRICT, NOW, last_checkin=ill, required=[], trainings=[], policies=[valid("p")]
    )
    assert refusals[0].code == "checkin_failed" and "39.0" in refusals[0].reason


def test_a_missing_or_stale_checkin_blocks_the_shift() -> None:
    stale = well(at=NOW - timedelta(hours=13))
    assert codes(last_checkin=None) == ["checkin_required"]
    assert codes(last_checkin=stale) == ["checkin_required"]
    assert codes(last_checkin=well(at=NOW - timedelta(hours=11))) == []


def test_public_health_mode_requires_a_checkin_even_if_the_tenant_did_not() -> None:
    crisis = SafetyRules(public_health_mode=True)
    assert codes(rules=crisis, last_checkin=None) == ["checkin_required"]


def test_expired_or_missing_training_blocks_the_shift() -> None:
    expired = Validity("Road safety", NOW - timedelta(days=400), NOW - timedelta(days=35))
    assert codes(trainings=[expired]) == ["training_missing"]
    assert codes(trainings=[]) == ["training_missing"]


def test_no_valid_insurance_no_shift() -> None:
    future = Validity("PICC 2", NOW + timedelta(days=1), NOW + timedelta(days=366))
    assert codes(policies=[]) == ["insurance_missing"]
    assert codes(policies=[future]) == ["insurance_missing"]


def test_required_courses_depend_on_the_mode() -> None:
    courses = [
        ("Road safety", frozenset({Mode.NORMAL, Mode.PUBLIC_HEALTH})),
        ("Infection control", frozenset({Mode.PUBLIC_HEALTH})),
    ]
    assert required_courses(courses, Mode.NORMAL) == ["Road safety"]
    assert required_courses(courses, Mode.PUBLIC_HEALTH) == ["Infection control", "Road safety"]


def test_public_health_mode_needs_current_equipment_to_dispatch() -> None:
    crisis = SafetyRules(public_health_mode=True)
    assert dispatch_refusal(SafetyRules(), NOW, equipment=[]) is None
    assert dispatch_refusal(crisis, NOW, equipment=[]) is not None
    worn_out = Validity("mask", NOW - timedelta(days=2), NOW - timedelta(days=1))
    assert dispatch_refusal(crisis, NOW, equipment=[worn_out]) is not None
    assert dispatch_refusal(crisis, NOW, equipment=[valid("mask", 1)]) is None


def test_retention_sets_the_purge_line() -> None:
    assert SafetyRules(retention_days=7).purge_before(NOW) == NOW - timedelta(days=7)


@pytest.mark.parametrize("field,value", [("max_temperature_tenths", 300), ("retention_days", 0)])
def test_rules_out_of_range_are_refused(field: str, value: int) -> None:
    with pytest.raises(ValueError):
        SafetyRules(**{field: value})  # type: ignore[arg-type]

"""Messages: every anomaly type has words in both languages, with the reason, ETA and grant."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tiffin.care.notify import Given, priority, render, render_make_good
from tiffin.care.policy import Segment
from tiffin.care.reasons import LANGUAGES, PLAIN_WORDS
from tiffin.domain.anomalies import AnomalyType, Reason, Severity
from tiffin.domain.people import Tenant

ETA = datetime(2026, 11, 25, 12, 41, tzinfo=UTC)


def test_every_reason_has_plain_words_in_every_language() -> None:
    for reason in Reason:
        assert set(PLAIN_WORDS[reason]) == set(LANGUAGES)


@pytest.mark.parametrize("kind", list(AnomalyType))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_type_renders_in_every_language(kind: AnomalyType, language: str) -> None:
    title, body = render(kind, Reason.WEATHER, language, eta=ETA, offer=Given("credit", 500))
    assert title and PLAIN_WORDS[Reason.WEATHER][language] in body
    assert "5.00" in body
    assert "{" not in body


def test_the_eta_is_the_one_given_on_the_tenants_clock() -> None:
    _, body = render(AnomalyType.RIDER_LOST, Reason.RIDER_INCIDENT, "en", eta=ETA)
    assert "12:41" in body and "another rider" in body  # a tenant on UTC
    _, zh = render(
        AnomalyType.RIDER_LOST, Reason.RIDER_INCIDENT, "zh-CN", eta=ETA, time_zone="Asia/Shanghai"
    )
    assert "20:41" in zh and "UTC" not in zh and "改派" in zh  # 12:41 UTC is 20:41 in Shanghai


def test_a_tenant_refuses_a_time_zone_that_does_not_exist() -> None:
    assert Tenant(id="t", slug="t", name="T", time_zone="Asia/Shanghai").time_zone
    with pytest.raises(ValueError, match="Mars/Olympus"):
        Tenant(id="t", slug="t", name="T", time_zone="Mars/Olympus")


def test_refunds_and_points_are_spelled_out_and_unknown_languages_fall_back_to_english() -> None:
    offer = Given("points", 0, 2400, 2)
    _, body = render(AnomalyType.CANCELLED, Reason.MERCHANT_DECLINED, "fr", eta=None, offer=offer)
    assert "2x points" in body and "24.00 is on its way back" in body


def test_priority_puts_impact_before_customer_value() -> None:
    critical_new = priority(Severity.CRITICAL, Segment.NEW, 0)
    high_vip = priority(Severity.HIGH, Segment.HIGH_VALUE, 60)
    assert critical_new > high_vip > priority(Severity.HIGH, Segment.REGULAR, 60)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_make_good_message_names_the_incident_and_the_grant(language: str) -> None:
    title, body = render_make_good("Payments down", language, Given("coupon", 300))
    assert title and "Payments down" in body and "3.00" in body
    assert PLAIN_WORDS[Reason.PLATFORM_FAULT][language] in body and "{" not in body


def test_the_make_good_message_falls_back_to_english_words() -> None:
    assert render_make_good("Outage", "fr", None) == render_make_good("Outage", "en", None)
    assert render_make_good("Outage", "en", None) == (
        "Making it good",
        "Sorry: Outage (a fault on our side) affected your order.",
    )

"""Anomaly waves and statements drafted from them; the tenant's spike thresholds and trust
weights, validated."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tiffin.comms.model import SpikeRules, spikes
from tiffin.comms.policy import load_watch_policy
from tiffin.comms.waves import Sighting, WaveFacts, WaveRules, draft_wave_statement, find_waves
from tiffin.errors import Invalid
from tiffin.trust.policy import load_trust_policy

NOON = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)


def _seen(n: int, minute: int, *, kind: str = "no_rider", merchant: str = "m1") -> Sighting:
    at = NOON + timedelta(minutes=minute)
    return Sighting(f"a{n}", f"o{n}", kind, merchant, "North", at - timedelta(minutes=3), at)


def test_a_run_of_anomalies_close_together_is_a_wave_in_every_scope_it_fills() -> None:
    seen = [_seen(i, i * 5) for i in range(5)]  # every 5 minutes: one run
    seen += [_seen(9, 200)]  # long after: not part of it
    seen += [_seen(10 + i, i, kind="food_late", merchant=f"m{i}") for i in range(5)]
    waves = find_waves(seen, WaveRules(min_anomalies=5, gap=timedelta(minutes=15)))
    scopes = {(w.type, w.dimension, w.key): w for w in waves}
    assert set(scopes) == {
        ("no_rider", "all", ""),
        ("no_rider", "zone", "North"),
        ("no_rider", "merchant", "m1"),
        ("food_late", "all", ""),  # five kitchens, one each: a wave across the tenant only
        ("food_late", "zone", "North"),
    }
    wave = scopes[("no_rider", "merchant", "m1")]
    assert (wave.anomalies, wave.orders) == (5, 5)
    assert wave.first_at == NOON and wave.until == NOON + timedelta(minutes=20)
    assert wave.since == NOON - timedelta(minutes=3)


def test_a_gap_longer_than_the_rule_splits_a_run_and_a_short_run_is_no_wave() -> None:
    seen = [_seen(i, i * 20) for i in range(6)]  # every 20 minutes
    assert find_waves(seen, WaveRules(min_anomalies=2, gap=timedelta(minutes=15))) == []
    assert len(find_waves(seen, WaveRules(min_anomalies=6, gap=timedelta(minutes=20)))) == 3


def _facts(**changes: object) -> WaveFacts:
    base = WaveFacts(
        type="no_rider",
        dimension="zone",
        place="North campus",
        since=NOON,
        until=NOON + timedelta(minutes=47),
        affected_orders=63,
        still_open=19,
        actions=(("redispatch", 41), ("notify_customer", 58), ("escalate", 8)),
        compensation_cents=12_345,
        compensated_orders=29,
    )
    return WaveFacts(**{f: changes.get(f, getattr(base, f)) for f in base.__slots__})


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_every_fact_of_a_wave_appears_in_both_languages(language: str) -> None:
    text = draft_wave_statement(_facts())[language]
    words = text["title"] + text["body"]
    for fact in ("North campus", "2026-11-03 12:00 UTC", "2026-11-03 12:47 UTC", "123.45"):
        assert fact in words, (language, fact)
    for count in (63, 19, 41, 58, 8, 29):  # each a number of its own, not part of another
        assert re.search(rf"(?<![\d.]){count}(?![\d.])", words), (language, count)
    assert ("无骑手接单" if language == "zh-CN" else "waiting for a rider") in words
    assert ("改派" if language == "zh-CN" else "re-dispatched") in words


def test_a_handled_wave_without_grants_says_so_in_both_languages() -> None:
    texts = draft_wave_statement(
        _facts(still_open=0, compensated_orders=0, compensation_cents=0, actions=())
    )
    assert "处理完毕" in texts["zh-CN"]["body"] and "自动获得补偿" in texts["zh-CN"]["body"]
    assert "has been handled" in texts["en"]["body"]
    assert "compensated automatically" in texts["en"]["body"]
    assert "operators are handling" in texts["en"]["body"]


def test_a_merchant_wave_names_the_merchant_and_a_tenant_wave_names_no_place() -> None:
    merchant = draft_wave_statement(_facts(dimension="merchant", place="Noodle Bar"))
    assert (
        "at Noodle Bar" in merchant["en"]["title"]
        and "商家Noodle Bar共63单" in merchant["zh-CN"]["body"]
    )
    everywhere = draft_wave_statement(_facts(dimension="all", place=""))
    assert everywhere["en"]["title"] == "About: orders waiting for a rider"


def test_a_keys_own_threshold_beats_its_dimensions_which_beats_the_default() -> None:
    rules = SpikeRules(min_negatives=3, by_dimension={"topic": 5}, by_key={("topic", "cold"): 2})
    keys = [("topic", "cold")] * 2 + [("topic", "late")] * 4 + [("merchant", "m1")] * 3
    assert spikes(keys, rules) == [("merchant", "m1", 3), ("topic", "cold", 2)]


def test_the_watch_policy_turns_into_rules_and_refuses_unknown_topics() -> None:
    rules = load_watch_policy(
        {"window_minutes": 10, "zones": {"North": 2}, "topics": {"cold": 4}}
    ).rules()
    assert rules.window == timedelta(minutes=10)
    assert rules.threshold("zone", "North") == 2 and rules.threshold("zone", "South") == 3
    assert rules.threshold("topic", "cold") == 4
    for bad in ({"topics": {"soggy": 2}}, {"min_negatives": 0}, {"dimensions": {"city": 2}}):
        with pytest.raises(Invalid) as refused:
            load_watch_policy(bad)
        assert refused.value.code == "bad_policy"


def test_a_trust_policy_naming_an_uncounted_event_or_crossed_thresholds_is_refused() -> None:
    for bad, said in (
        ({"weights": {"customer": {"reviews_written": {"points": 1}}}}, "reviews_written"),
        ({"weights": {"admin": {}}}, "admin"),
        ({"watch_at": 80, "trusted_at": 70}, "watch_at"),
        ({"weights": {"rider": {"deliveries_late": {"points": -500}}}}, "points"),
    ):
        with pytest.raises(Invalid) as refused:
            load_trust_policy(bad)
        assert refused.value.code == "bad_policy" and said in refused.value.detail

"""Statements drafted from facts: every fact appears, in both languages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tiffin.comms.model import StatementFacts, draft_statement, loop_words, topics_of

SINCE = datetime(2026, 11, 3, 11, 40, tzinfo=UTC)
FIXED = datetime(2026, 11, 3, 12, 25, tzinfo=UTC)


def _facts(**changes: object) -> StatementFacts:
    base = StatementFacts(
        what="Dispatch stalled on campus",
        components=("dispatch",),
        since=SINCE,
        affected_orders=137,
        doing="Rolled back the offer service",
        resolved_at=FIXED,
        compensation_cents=41_250,
        compensated_orders=129,
    )
    return StatementFacts(**{f: changes.get(f, getattr(base, f)) for f in base.__slots__})


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_every_fact_appears_in_both_languages(language: str) -> None:
    text = draft_statement(_facts())[language]
    words = text["title"] + text["body"]
    for fact in (
        "Dispatch stalled on campus",
        "2026-11-03 11:40 UTC",
        "137",
        "Rolled back the offer service",
        "2026-11-03 12:25 UTC",
        "412.50",
        "129",
    ):
        assert fact in words, (language, fact)
    assert ("骑手调度" if language == "zh-CN" else "rider dispatch") in words


def test_an_open_incident_promises_compensation_instead_of_quoting_it() -> None:
    texts = draft_statement(_facts(resolved_at=None, compensation_cents=0, compensated_orders=0))
    assert "修复" not in texts["zh-CN"]["body"].split("。")[0]
    assert "will be compensated" in texts["en"]["body"]
    assert "fixed at" not in texts["en"]["body"]


def test_complaint_topics_are_found_in_either_language() -> None:
    assert topics_of("等了一个小时，饭都凉了") == ["late", "cold"]
    assert topics_of("The rider was RUDE and my drink was missing") == ["missing", "rude"]
    assert topics_of("fine") == []


def test_loop_words_speak_the_customers_language() -> None:
    title, body = loop_words("rider_retrained", "zh-CN", "")
    assert "再培训" in body and title
    assert "charged" in loop_words("merchant_charged", "fr", "")[1]

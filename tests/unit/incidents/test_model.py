"""What an incident's impacts mean on the status page (the incident service itself runs on the
database until its split; see incidents/service.py)."""

from __future__ import annotations

from tiffin.incidents.model import (
    SIGNAL_COMPONENT,
    SIGNAL_TITLE,
    Impact,
    Signal,
    component_status,
    worst,
)


def test_the_worst_impact_wins_and_nothing_open_means_none() -> None:
    assert worst([Impact.MINOR, Impact.CRITICAL, Impact.MAJOR]) is Impact.CRITICAL
    assert worst([Impact.MINOR, Impact.NONE]) is Impact.MINOR
    assert worst([]) is Impact.NONE


def test_each_impact_has_its_own_words_on_the_status_page() -> None:
    words = [component_status(i) for i in Impact]
    assert words == ["operational", "degraded_performance", "partial_outage", "major_outage"]
    assert [i.rank for i in Impact] == sorted(i.rank for i in Impact)


def test_every_health_signal_names_a_component_and_a_title() -> None:
    assert set(SIGNAL_COMPONENT) == set(Signal) == set(SIGNAL_TITLE)
    assert all(title and title[0].isupper() for title in SIGNAL_TITLE.values())

"""Playbooks are validated on load, with sentences that say what is wrong."""

from __future__ import annotations

import pytest

from tiffin.anomalies.playbook import DEFAULT_PLAYBOOK, load_playbook
from tiffin.errors import Invalid


def test_the_default_playbook_round_trips() -> None:
    again = load_playbook(DEFAULT_PLAYBOOK.model_dump(mode="json"))
    assert again == DEFAULT_PLAYBOOK


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ("{not json", "not valid JSON"),
        ({"version": 2, "actions": {"storm": ["notify_customer"]}}, "actions.storm"),
        ({"version": 2, "actions": {"cancelled": ["shout"]}}, "cancelled"),
        (
            {"version": 2, "actions": {"rider_lost": ["notify_customer", "redispatch"]}},
            "redispatch must come before notify_customer",
        ),
        ({"version": 2, "actions": {"no_rider": ["redispatch", "redispatch"]}}, "listed twice"),
        ({"version": 0, "actions": {}}, "version"),
        ({"version": 2, "actions": {}, "thresholds": {"accept_minutes": 0}}, "accept_minutes"),
        ({"version": 2, "actions": {}, "colour": "red"}, "colour"),
    ],
)
def test_bad_playbooks_are_refused_with_a_reason(document: object, words: str) -> None:
    with pytest.raises(Invalid) as caught:
        load_playbook(document)  # type: ignore[arg-type]
    assert caught.value.code == "bad_playbook" and words in str(caught.value)

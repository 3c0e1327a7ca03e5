"""Request bodies are strict about JSON types, except where JSON can only send text."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import pytest
from pydantic import ValidationError

from tiffin.api.common import Strict


class Colour(StrEnum):
    RED = "red"


class Body(Strict):
    colour: Colour
    when: datetime | None = None
    count: int
    urgent: bool = False


def test_enums_and_times_arrive_as_text_and_are_taken() -> None:
    body = Body.model_validate({"colour": "red", "when": "2026-11-30T12:00:00+08:00", "count": 2})
    assert body.colour is Colour.RED and body.when is not None and body.when.hour == 12


@pytest.mark.parametrize("wrong", [{"count": "2"}, {"count": 2.5}, {"urgent": "yes"}])
def test_a_number_or_flag_sent_as_text_is_refused(wrong: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Body.model_validate({"colour": "red", "count": 2, **wrong})


def test_an_unknown_field_is_refused() -> None:
    with pytest.raises(ValidationError):
        Body.model_validate({"colour": "red", "count": 2, "colour2": "blue"})

"""Schemas shared by several capabilities."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from typing import Annotated, Any, get_args
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.types import Strict as StrictMark

from tiffin.domain.geo import LatLon


class Strict(BaseModel):
    """The base of every request body: unknown fields are refused (a typo should fail loudly,
    not be ignored) and so is a value of the wrong JSON type (``"2"`` for a quantity is a
    client's bug, not a 2).

    FastAPI validates the decoded JSON in pydantic's Python mode, where strict also refuses
    a string for a datetime or an enum; JSON has no other way to send those, so every field
    whose type is (or may be) an enum, a date or a time is made lax here, once per class:
    numbers, booleans and strings stay strict."""

    model_config = ConfigDict(strict=True, extra="forbid")

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        relaxed = False
        for field in cls.model_fields.values():
            chosen = any(isinstance(m, StrictMark) for m in field.metadata)
            if not chosen and _sent_as_text(field.annotation):
                field.metadata.append(StrictMark(False))
                relaxed = True
        if relaxed:
            cls.model_rebuild(force=True)


_TEXT_ONLY_IN_JSON = (Enum, datetime, date, time, timedelta, UUID)


def _sent_as_text(annotation: Any) -> bool:
    """Is this a type JSON can only carry as a string (an enum, a date, a time, a UUID)?"""
    if isinstance(annotation, type):
        return issubclass(annotation, _TEXT_ONLY_IN_JSON)
    return any(_sent_as_text(arg) for arg in get_args(annotation))


Lax = Field(strict=False)
"""For a request field JSON can only send as a string (a time, an enum): ``Annotated[T, Lax]``."""


class Point(Strict):
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)

    def to_domain(self) -> LatLon:
        return LatLon(self.lat, self.lon)

    @classmethod
    def of(cls, p: LatLon) -> Point:
        return cls(lat=p.lat, lon=p.lon)


class ReasonIn(Strict):
    reason: str = Field(min_length=1, max_length=500, pattern=r"\S")


EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, tzinfo=UTC)


def _plausible(value: datetime) -> datetime:
    """Reject instants the store cannot hold (year 1 at +01:00 is before year 1 in UTC)."""
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("the time is out of range") from exc
    if not EARLIEST <= in_utc <= LATEST:
        raise ValueError(f"the time must lie between {EARLIEST:%Y} and {LATEST:%Y}")
    return value


Instant = Annotated[AwareDatetime, Lax, AfterValidator(_plausible)]
"""A point in time from a client: with its UTC offset, and within the years tiffin can store."""

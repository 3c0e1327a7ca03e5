"""Priority classes: what is served first under overload and started first after a restart.

Declared next to each route (``@priority(Priority.CORE)`` above the route's decorator) and each
background job (``priority`` on the job), read by admission control (``tiffin.api.admission``)
and the staged start (``tiffin.resilience.staging``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])

_ATTRIBUTE = "__tiffin_priority__"

# Deferrable features an operator (or the health watch) can switch off, each a few routes/jobs.
FEATURES = (
    "browse",
    "reports",
    "forecast",
    "transparency",
    "feedback",
    "subscriptions",
    "webhooks",
    "repositioning",
)


class Priority(IntEnum):
    """Lower is more important: core is refused last, deferrable first."""

    CORE = 0  # place, accept, assign, pick up, deliver, cancel; a customer's own messages
    IMPORTANT = 1  # tracking reads, the exception queue, incident updates
    DEFERRABLE = 2  # browse lists, reports, forecasts, repositioning, subscribers' webhooks

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Declared:
    """A route's class, and for deferrable ones the feature operators can switch off."""

    priority: Priority
    feature: str | None = None


def priority(level: Priority, *, feature: str | None = None) -> Callable[[F], F]:
    """Declare an endpoint's class (put it above ``@router.get(...)``)."""
    if feature is not None and level is not Priority.DEFERRABLE:
        raise ValueError("only deferrable work belongs to a feature that can be switched off")
    if feature is not None and feature not in FEATURES:
        raise ValueError(f"unknown feature {feature!r}; add it to FEATURES")

    def mark(endpoint: F) -> F:
        setattr(endpoint, _ATTRIBUTE, Declared(level, feature))
        return endpoint

    return mark


def declared(endpoint: object) -> Declared | None:
    """What ``@priority`` said about ``endpoint``; None if nothing."""
    found = getattr(endpoint, _ATTRIBUTE, None)
    return found if isinstance(found, Declared) else None

"""Re-dispatch on a slipping ETA: take an order from a rider who will be much later than another.

When the assigned rider will reach the merchant more than ``threshold_minutes`` after another
rider could, and the food has not been picked up, the order is offered to that other rider.
Three rules keep it from doing harm: picked-up food never moves; an order never goes back to a
rider who held it before (so it cannot loop between two riders); and an order moves at most
``max_moves`` times.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class SlipRule:
    threshold_minutes: int = 8
    max_moves: int = 1

    def __post_init__(self) -> None:
        if self.threshold_minutes < 1 or self.max_moves < 0:
            raise ValueError("the threshold is at least a minute and moves cannot be negative")


@dataclass(frozen=True)
class Held:
    """An assigned order as the rule sees it."""

    order_id: str
    rider_id: str
    eta_at_merchant: int  # minute the assigned rider will reach the merchant
    picked_up: bool
    earlier_riders: frozenset[str] = frozenset()  # riders who held it before
    moves: int = 0  # times it was already taken from a rider by this rule


def slipping(held: Held, others: Mapping[str, int], rule: SlipRule | None = None) -> str | None:
    """The rider to re-offer ``held`` to, given when each free rider in ``others`` could reach
    the merchant; None when it stays with its rider."""
    rule = rule or SlipRule()
    if held.picked_up or held.moves >= rule.max_moves:
        return None
    allowed = {
        rider: eta
        for rider, eta in others.items()
        if rider != held.rider_id and rider not in held.earlier_riders
    }
    if not allowed:
        return None
    best = min(allowed, key=lambda rider: (allowed[rider], rider))
    if held.eta_at_merchant - allowed[best] > rule.threshold_minutes:
        return best
    return None


def moved(held: Held, to: str, eta: int) -> Held:
    """``held`` after the rule gave it to ``to`` (arriving at ``eta``)."""
    return Held(
        held.order_id,
        to,
        eta,
        held.picked_up,
        held.earlier_riders | {held.rider_id},
        held.moves + 1,
    )

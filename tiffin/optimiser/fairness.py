"""How evenly work is shared among riders (pure)."""

from __future__ import annotations

from collections.abc import Sequence


def gini(values: Sequence[float]) -> float:
    """0 when everyone has the same, towards 1 when one rider has everything."""
    xs = sorted(max(0.0, float(v)) for v in values)
    total = sum(xs)
    if len(xs) < 2 or total == 0:
        return 0.0
    weighted = sum((i + 1) * x for i, x in enumerate(xs))
    return (2 * weighted) / (len(xs) * total) - (len(xs) + 1) / len(xs)

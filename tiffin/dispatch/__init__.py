"""Dispatch (调度/派单): who carries which orders, decided by optimisation every cycle.

``solve(snapshot, params)`` is a library function over plain data: the live worker and the
simulator both call it, and nothing in here does I/O or reads a clock.
"""

from tiffin.dispatch.model import (
    Assignment,
    Courier,
    DispatchParams,
    Job,
    Snapshot,
)
from tiffin.dispatch.solve import POLICIES, Policy, solve

__all__ = [
    "POLICIES",
    "Assignment",
    "Courier",
    "DispatchParams",
    "Job",
    "Policy",
    "Snapshot",
    "solve",
]

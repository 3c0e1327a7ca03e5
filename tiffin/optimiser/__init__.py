"""The dispatch optimiser (调度/派单): who carries which orders, as a library over plain data.

The live dispatcher (``tiffin.dispatch.service``, which reads the database and applies the
decisions) and the simulator (``tiffin.sim``) both call ``solve(snapshot, params)``, and both use
the forecaster and the repositioning planner beside it. Plain data in, decisions out: nothing
here does I/O or reads a clock, and it imports only ``tiffin.domain`` (numpy, scipy, stdlib).
"""

from tiffin.optimiser.model import (
    Assignment,
    Courier,
    DispatchParams,
    Job,
    Snapshot,
)
from tiffin.optimiser.solve import POLICIES, Policy, solve

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

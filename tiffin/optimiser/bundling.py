"""Bundles: orders of one merchant that travel together without making any of them late.

Bundling saves riders when they are scarce and costs minutes when they are not, so the size
follows the ratio of open orders to riders who can take them (the paper's idea): with enough
riders every order goes alone, except pairs that cost almost nothing extra.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from tiffin.optimiser.model import Courier, DispatchParams, Job
from tiffin.optimiser.routes import best_sequence, route_for


def build_bundles(jobs: Sequence[Job], *, scarce: bool, p: DispatchParams) -> list[tuple[Job, ...]]:
    """Partition ``jobs`` into bundles (each in its best drop order); generous only when
    riders are ``scarce``."""
    allowance = p.bundle_extra_minutes if scarce else p.free_bundle_minutes
    limit = p.max_bundle
    by_merchant: dict[str, list[Job]] = defaultdict(list)
    for job in jobs:
        by_merchant[job.merchant_id].append(job)
    bundles: list[tuple[Job, ...]] = []
    for group in by_merchant.values():
        group.sort(key=lambda j: (j.ready_at, j.placed_at, j.id))
        open_bundles: list[list[Job]] = []
        for job in group:
            target = _best_fit(open_bundles, job, allowance, limit, p)
            if target is None:
                open_bundles.append([job])
            else:
                target.append(job)
        bundles.extend(best_sequence(b, p) for b in open_bundles)
    return bundles


def _best_fit(
    open_bundles: list[list[Job]], job: Job, allowance: int, limit: int, p: DispatchParams
) -> list[Job] | None:
    best: tuple[int, list[Job]] | None = None
    for bundle in open_bundles:
        if len(bundle) >= limit:
            continue
        extra = _extra_minutes(bundle, job, p)
        if extra <= allowance and (best is None or extra < best[0]):
            best = (extra, bundle)
    return best[1] if best else None


def _extra_minutes(bundle: list[Job], job: Job, p: DispatchParams) -> int:
    """How much later the worst-off order arrives in the bundle than on its own."""
    at_merchant = Courier("probe", job.pickup, 0, 10**9)
    sequence = best_sequence([*bundle, job], p)
    together = route_for(at_merchant, sequence, 0, p)
    worst = 0
    for member, drop in zip(sequence, together.dropoff_at, strict=True):
        alone = route_for(at_merchant, (member,), 0, p).dropoff_at[0]
        worst = max(worst, drop - alone)
    return worst

"""One dispatch decision at city scale, dense against sparse against zoned, and a city day.

Part 1 (the dense path as before): ``tiffin.optimiser.solve`` beside the greedy baseline on
1,000 open orders x 1,000 riders, best of ``--repeat``.
Part 2 (issue 19): at 1k, 2k and 4k the dense optimum (full cost matrix + Hungarian) beside the
sparse matching (k earliest-arriving riders per bundle, LAPJVsp) and the zoned city path
(``--zones`` strips decided in a process pool, then the border pass): seconds, peak traced
memory, and the matching's cost against the dense optimum, all on the same snapshot; then
10,000 x 10,000 with the sparse and zoned paths only (the dense matrix alone would be 800 MB).
Part 3 (``--city-day N``): a synthetic city day of N orders simulated with the sparse path.
Writes bench/results/dispatch_scale.md. Targets: dense 1k under 1 s; sparse 10k x 10k under 1 s
and under 1 GB, cost within 0.5 % of dense; the 100,000-order day under 10 minutes.

    python bench/dispatch_scale.py [--orders 1000] [--riders 1000] [--repeat 5]
        [--sizes 1000,2000,4000] [--big 10000] [--zones 2] [--city-day 100000]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from tiffin.optimiser import POLICIES, Courier, DispatchParams, Job, Snapshot
from tiffin.optimiser.city import ZoneGrid, solve_city
from tiffin.optimiser.model import Point
from tiffin.optimiser.solve import INFEASIBLE, cost_matrix
from tiffin.optimiser.sparse import bundles_for, decide, eligible, solve_sparse

RESULTS = Path(__file__).resolve().parent / "results"


def snapshot(orders: int, riders: int, seed: int = 42) -> Snapshot:
    rng = random.Random(seed)
    side = 20_000 * max(1.0, (orders / 1000) ** 0.5)  # the city grows with its orders
    shops = [Point(rng.uniform(0, side), rng.uniform(0, side)) for _ in range(orders // 4)]
    now = 600
    jobs = []
    for i in range(orders):
        s = rng.randrange(len(shops))
        placed = now - rng.randint(0, 20)
        jobs.append(
            Job(
                f"o{i}",
                f"r{s}",
                shops[s],
                Point(rng.uniform(0, side), rng.uniform(0, side)),
                placed,
                placed + rng.randint(5, 25),
            )
        )
    couriers = [
        Courier(
            f"c{i}",
            Point(rng.uniform(0, side), rng.uniform(0, side)),
            now + rng.choice([0, 0, 0, 5, 10]),
            now + 240,
        )
        for i in range(riders)
    ]
    return Snapshot(now, tuple(jobs), tuple(couriers))


def timed(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        began = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - began)
    return best, out


def traced_peak_mb(run: Callable[[], Any]) -> float:
    """Peak memory the call allocates (Python and numpy buffers), in MB."""
    tracemalloc.start()
    run()
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def matching_costs(snap: Snapshot, params: DispatchParams, dense: bool) -> tuple[int, float]:
    """(bundles matched, total cost) of the full matching, dense or sparse, same bundles."""
    jobs, couriers = eligible(snap, params)
    bundles = bundles_for(jobs, couriers, snap.now, params)
    if dense:
        cost = cost_matrix(bundles, couriers, snap.now, params)
        rows, cols = linear_sum_assignment(cost)
        chosen = cost[rows, cols]
        return int((chosen < INFEASIBLE).sum()), float(chosen[chosen < INFEASIBLE].sum())
    matched, edges = decide(bundles, couriers, snap.now, params)
    pairs = zip(edges.rows.tolist(), edges.cols.tolist(), strict=True)
    lookup = dict(zip(pairs, edges.costs.tolist(), strict=True))
    return len(matched), float(sum(lookup[(r, c)] for r, c in matched.items()))


def dense_part(args: argparse.Namespace) -> tuple[list[str], bool]:
    snap = snapshot(args.orders, args.riders)
    params = DispatchParams()
    rows = []
    for name in ("tiffin", "greedy"):
        seconds, decided = timed(partial(POLICIES[name], snap, params), args.repeat)
        decided = len(decided)
        rows.append((name, seconds, decided))
    lines = [
        f"# One decision: {args.orders} open orders x {args.riders} riders (best of {args.repeat})",
        "",
        "| policy | seconds | assignments committed | vs greedy |",
        "|---|---:|---:|---:|",
    ]
    greedy = rows[1][1]
    for name, seconds, decided in rows:
        lines.append(f"| {name} | {seconds:.3f} | {decided} | {seconds / greedy:.2f}x |")
    lines += ["", "Target: tiffin under 1 s.", ""]
    return lines, rows[0][1] < 1.0


def sparse_part(args: argparse.Namespace, pool: ProcessPoolExecutor) -> tuple[list[str], bool]:
    params = DispatchParams()
    lines = [
        f"# City scale: dense vs sparse vs {args.zones} zones in a process pool "
        f"(best of {args.repeat}; memory = peak traced)",
        "",
        "| orders x riders | path | seconds | peak MB | bundles matched | matching cost "
        "| vs dense | committed |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    ok = True
    sizes = [int(s) for s in args.sizes.split(",") if s] + [args.big]
    for n in sizes:
        snap = snapshot(n, n)
        grid = ZoneGrid.covering([c.position for c in snap.couriers], args.zones, 1)
        paths: dict[str, Callable[[], Any]] = {
            "sparse": partial(solve_sparse, snap, params),
            "zoned": partial(solve_city, snap, params, grid, pool),
        }
        dense_cost: tuple[int, float] | None = None
        if n != args.big:
            paths = {"dense": partial(POLICIES["tiffin"], snap, params), **paths}
            dense_cost = matching_costs(snap, params, dense=True)
        sparse_cost = matching_costs(snap, params, dense=False)
        for name, run in paths.items():
            repeat = 1 if name == "dense" and n > 2000 else args.repeat
            seconds, decided = timed(run, repeat)
            peak = traced_peak_mb(run) if name != "zoned" else float("nan")
            matched, cost = {"dense": dense_cost, "sparse": sparse_cost}.get(name) or (0, 0.0)
            gap = ""
            if name == "sparse" and dense_cost is not None:
                pct = 100 * (cost / dense_cost[1] - 1)
                gap = f"{pct:+.2f} %"
                ok = ok and abs(pct) <= 0.5 and matched == dense_cost[0]
            if n == args.big and name == "sparse":
                ok = ok and seconds < 1.0 and peak < 1000
            cells = f"{matched} | {cost:,.0f}" if name != "zoned" else "(per zone) | (per zone)"
            peak_cell = f"{peak:.0f}" if name != "zoned" else "n/a (in workers)"
            lines.append(
                f"| {n:,} x {n:,} | {name} | {seconds:.3f} | {peak_cell} | {cells} | {gap} "
                f"| {len(decided)} |"
            )
    lines += [
        "",
        "Targets: sparse 10k x 10k under 1 s and 1 GB; matching cost within 0.5 % of dense.",
    ]
    return lines, ok


def city_day_part(orders: int) -> tuple[list[str], bool]:
    from tiffin.sim.city import city_day
    from tiffin.sim.metrics import figures
    from tiffin.sim.simulator import simulate

    began = time.perf_counter()
    day = city_day(orders)
    result = simulate(day, solve_sparse)
    seconds = time.perf_counter() - began
    f = figures(result)
    lines = [
        f"# A synthetic city day: {orders:,} orders, {len(day.couriers):,} riders, sparse path",
        "",
        "| wall seconds | undelivered % | click-to-door mean | p90 | decision ms mean | max |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {seconds:.0f} | {f.undelivered_pct:.3f} | {f.click_to_door_mean:.2f} | "
        f"{f.click_to_door_p90:.1f} | {f.decision_ms_mean:.0f} | {f.decision_ms_max:.0f} |",
        "",
        "Target: 100,000 orders in under 10 minutes.",
        "",
    ]
    return lines, seconds < 600


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--riders", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", default="1000,2000,4000")
    parser.add_argument("--big", type=int, default=10_000)
    parser.add_argument("--zones", type=int, default=2)
    parser.add_argument("--city-day", type=int, default=0, help="orders in a simulated city day")
    args = parser.parse_args()
    lines, ok = dense_part(args)
    with ProcessPoolExecutor(max_workers=args.zones) as pool:
        list(pool.map(np.sqrt, range(args.zones)))  # warm the workers, as a live service would
        more, sparse_ok = sparse_part(args, pool)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    lines += [
        *more,
        f"Peak RSS of the bench process over the whole run (the dense 4k matrix included): "
        f"{rss:.0f} MB; largest zone worker: {workers:.0f} MB.",
        "",
    ]
    if args.city_day:
        more, day_ok = city_day_part(args.city_day)
        lines += more
        ok = ok and day_ok
    table = "\n".join(lines)
    print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dispatch_scale.md").write_text(table)
    return 0 if ok and sparse_ok else 1


if __name__ == "__main__":
    sys.exit(main())

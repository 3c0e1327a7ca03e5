"""One dispatch decision at city scale: 1,000 open orders and 1,000 riders.

Times ``tiffin.optimiser.solve`` (bundling + cost matrix + assignment) beside the greedy
baseline on the same snapshot, with a fixed seed, best of ``--repeat`` runs; writes
bench/results/dispatch_scale.md. Target: tiffin under 1 s on this 2-core machine.

    python bench/dispatch_scale.py [--orders 1000] [--riders 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from tiffin.optimiser import POLICIES, Courier, DispatchParams, Job, Snapshot
from tiffin.optimiser.model import Point

RESULTS = Path(__file__).resolve().parent / "results"


def snapshot(orders: int, riders: int, seed: int = 42) -> Snapshot:
    rng = random.Random(seed)
    shops = [Point(rng.uniform(0, 20_000), rng.uniform(0, 20_000)) for _ in range(orders // 4)]
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
                Point(rng.uniform(0, 20_000), rng.uniform(0, 20_000)),
                placed,
                placed + rng.randint(5, 25),
            )
        )
    couriers = [
        Courier(
            f"c{i}",
            Point(rng.uniform(0, 20_000), rng.uniform(0, 20_000)),
            now + rng.choice([0, 0, 0, 5, 10]),
            now + 240,
        )
        for i in range(riders)
    ]
    return Snapshot(now, tuple(jobs), tuple(couriers))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--riders", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    snap = snapshot(args.orders, args.riders)
    params = DispatchParams()
    rows = []
    for name in ("tiffin", "greedy"):
        best, decided = float("inf"), 0
        for _ in range(args.repeat):
            began = time.perf_counter()
            decided = len(POLICIES[name](snap, params))
            best = min(best, time.perf_counter() - began)
        rows.append((name, best, decided))
    lines = [
        f"# One decision: {args.orders} open orders x {args.riders} riders (best of {args.repeat})",
        "",
        "| policy | seconds | assignments committed | vs greedy |",
        "|---|---:|---:|---:|",
    ]
    greedy = rows[1][1]
    for name, seconds, decided in rows:
        lines.append(f"| {name} | {seconds:.3f} | {decided} | {seconds / greedy:.2f}x |")
    lines += ["", "Target: tiffin under 1 s."]
    table = "\n".join(lines) + "\n"
    print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dispatch_scale.md").write_text(table)
    return 0 if rows[0][1] < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())

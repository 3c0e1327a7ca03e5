"""The dispatch benchmark: tiffin and its baselines on MDRP days, measured in the same run.

Each policy runs the same simulator on the same instances; figures are averaged over instances
(the mean of instance means, as the paper reports) and printed beside the paper's published
figures and the physical lower bound.
"""

from __future__ import annotations

import csv
import os
import statistics
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tiffin.optimiser.modes import ModeSettings
from tiffin.optimiser.reposition import RepositionParams
from tiffin.optimiser.solve import fresh_policy
from tiffin.sim.mdrp import load
from tiffin.sim.metrics import DayFigures, figures
from tiffin.sim.simulator import simulate

DEFAULT_DATA = Path("..") / "shared" / "data" / "mdrplib"
QUICK_STEP = 12  # every 12th instance by name: 20 days covering every size and region
BASELINES = ("one-setting", "greedy", "earliest-arrival", "no-bundling", "no-repositioning")
# variant -> (dispatch policy, whether idle riders are repositioned toward forecast demand,
# whether the weights follow the situation: normal / crisis modes, else one fixed setting)
VARIANTS: dict[str, tuple[str, bool, bool]] = {
    "tiffin": ("tiffin", True, True),
    "one-setting": ("tiffin", True, False),
    "greedy": ("greedy", False, False),
    "earliest-arrival": ("earliest-arrival", False, False),
    "no-bundling": ("no-bundling", True, True),
    "no-repositioning": ("tiffin", False, True),
}

# Reyes et al. 2018, Table 17 (rolling horizon, all 240 instances), via SOLUTIONS.md.
PUBLISHED = {
    "undelivered_pct": 0.25,
    "click_to_door_mean": 32.74,
    "click_to_door_p90": 49.3,
    "click_to_door_overage": 2.77,
    "ready_to_pickup_mean": 1.93,
    "ready_to_pickup_p90": 6.04,
    "rider_utilisation": 0.63,
    "cost_per_order": 11.42,
    "orders_per_bundle": 1.09,
}
TARGETS = {  # issue 19: better than the paper's Table 17 on every figure at once
    "undelivered_pct": 0.25,
    "click_to_door_mean": 32.74,
    "click_to_door_p90": 49.3,
    "click_to_door_overage": 2.77,
    "ready_to_pickup_mean": 1.93,
    "ready_to_pickup_p90": 6.04,
    "cost_per_order": 11.42,
}
SHOWN = [
    "undelivered_pct",
    "click_to_door_mean",
    "click_to_door_p90",
    "click_to_door_overage",
    "ready_to_pickup_mean",
    "ready_to_pickup_p90",
    "rider_utilisation",
    "orders_per_rider_hour",
    "cost_per_order",
    "orders_per_bundle",
    "fairness_gini",
    "decision_ms_mean",
    "decision_ms_max",
]


def data_root(option: str | None) -> Path:
    """The MDRP library: the option, else ``TIFFIN_MDRPLIB``, else ``../shared/data/mdrplib``."""
    root = Path(option or os.environ.get("TIFFIN_MDRPLIB") or DEFAULT_DATA)
    return root / "public_instances" if (root / "public_instances").is_dir() else root


def instances(root: Path, quick: bool) -> list[Path]:
    found = sorted(p for p in root.iterdir() if (p / "orders.txt").exists())
    return found[::QUICK_STEP] if quick else found


@dataclass(frozen=True)
class Row:
    instance: str
    policy: str
    figures: DayFigures
    c2d: tuple[int, ...]


def _run(job: tuple[Path, str]) -> Row:
    folder, variant = job
    policy, repositions, modes = VARIANTS[variant]
    result = simulate(
        load(folder),
        fresh_policy(policy),
        reposition=RepositionParams() if repositions else None,
        modes=ModeSettings() if modes else None,
    )
    c2d = tuple(d.dropoff_at - d.job.placed_at for d in result.deliveries.values())
    return Row(folder.name, variant, figures(result), c2d)


def run(
    folders: Iterable[Path],
    policies: Iterable[str],
    workers: int = 2,
    progress: Callable[[Row], None] | None = None,
) -> list[Row]:
    jobs = [(f, p) for f in folders for p in policies]
    rows = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for row in pool.map(_run, jobs):
            rows.append(row)
            if progress:
                progress(row)
    return rows


def averages(rows: list[Row], policy: str) -> dict[str, float]:
    chosen = [r.figures for r in rows if r.policy == policy]
    keys = [*SHOWN, "lower_bound_mean"]
    return {k: statistics.fmean(getattr(f, k) for f in chosen) for k in keys}


def report(rows: list[Row], policies: list[str], n_instances: int) -> str:
    avg = {p: averages(rows, p) for p in policies}
    bound = avg[policies[0]]["lower_bound_mean"]
    head = "| figure | " + " | ".join(policies) + " | paper | target |"
    lines = [
        f"# Dispatch on {n_instances} MDRP days (mean of instance means)",
        "",
        f"Physical lower bound on click-to-door (a rider waiting at every restaurant): "
        f"**{bound:.2f} min**.",
        "",
        head,
        "|" + "---|" * (len(policies) + 3),
    ]
    for key in SHOWN:
        paper = PUBLISHED.get(key)
        target = TARGETS.get(key)
        cells = " | ".join(
            f"{avg[p][key]:.3f}" if key.endswith("pct") else f"{avg[p][key]:.2f}" for p in policies
        )
        lines.append(
            f"| {key} | {cells} | {'' if paper is None else paper} | "
            f"{'' if target is None else _bound(key) + str(target)} |"
        )
    return "\n".join(lines) + "\n"


def _bound(key: str) -> str:
    return "≤ " if key == "undelivered_pct" else "< "


def write_outputs(rows: list[Row], policies: list[str], out: Path, n_instances: int) -> str:
    out.mkdir(parents=True, exist_ok=True)
    table = report(rows, policies, n_instances)
    (out / "dispatch.md").write_text(table)
    with (out / "dispatch.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        keys = list(DayFigures.__dataclass_fields__)
        writer.writerow(["instance", "policy", *keys])
        for r in rows:
            writer.writerow([r.instance, r.policy, *(getattr(r.figures, k) for k in keys)])
    _plot(rows, policies, out / "dispatch.png")
    return table


def _plot(rows: list[Row], policies: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for policy in policies:
        values = [v for r in rows if r.policy == policy for v in r.c2d]
        ax.hist(
            values,
            bins=range(0, 121, 2),
            histtype="step",
            linewidth=1.6,
            label=policy,
            density=True,
        )
    ax.axvline(40, color="grey", linestyle="--", linewidth=1)
    ax.set_xlabel("click-to-door minutes")
    ax.set_ylabel("share of orders")
    ax.set_title("Click-to-door on MDRP days: tiffin vs baselines")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

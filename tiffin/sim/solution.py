"""Writing a simulated day in the three-file format Grubhub's MDRP evaluator reads, and reading
it back to check every feasibility rule in ``shared/data/mdrplib/SOLUTIONS.md``."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

from tiffin.optimiser.model import Point, travel_minutes
from tiffin.sim.mdrp import MdrpInstance
from tiffin.sim.metrics import figures
from tiffin.sim.simulator import SimResult

ASSIGNMENTS = "solution_info_assignments.txt"
ORDERS = "solution_info_orders.txt"
COURIERS = "solution_info_couriers.txt"


def write(result: SimResult, out: Path) -> dict[str, object]:
    """Write the three files and ``summary.json``; returns the summary."""
    out.mkdir(parents=True, exist_ok=True)
    lines = ["assignment_time pickup_time courier orders"]
    for at, a in result.assignments:
        lines.append(f"{at} {a.route.pickup_at} {a.courier_id} {' '.join(a.job_ids)}")
    (out / ASSIGNMENTS).write_text("\n".join(lines) + "\n")
    lines = ["order placement_time restaurant x y ready_time pickup_time dropoff_time courier"]
    for job in result.instance.jobs:
        d = result.deliveries.get(job.id)
        tail = f"{d.pickup_at} {d.dropoff_at} {d.courier_id}" if d else "NaN NaN NaN"
        lines.append(
            f"{job.id} {job.placed_at} {job.merchant_id} {job.dropoff.x:g} "
            f"{job.dropoff.y:g} {job.ready_at} {tail}"
        )
    (out / ORDERS).write_text("\n".join(lines) + "\n")
    lines = ["courier departure_time origin destination"]
    for move in sorted(result.moves, key=lambda m: (m.courier_id, m.depart_at)):
        lines.append(f"{move.courier_id} {move.depart_at} {move.origin} {move.destination}")
    (out / COURIERS).write_text("\n".join(lines) + "\n")
    summary = {
        "instance": result.instance.name,
        **figures(result).as_dict(),
        "repositioning_moves": result.repositioned,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def _read(path: Path) -> list[list[str]]:
    return [line.split() for line in path.read_text().splitlines()[1:] if line.strip()]


def violations(instance: MdrpInstance, folder: Path) -> list[str]:
    """Every broken rule, in words; an empty list means the solution is feasible."""
    problems: list[str] = []
    jobs = {j.id: j for j in instance.jobs}
    couriers = {c.id: c for c in instance.couriers}
    p = instance.params
    seen: set[str] = set()
    bundle_of: dict[str, tuple[str, int]] = {}
    for row in _read(folder / ASSIGNMENTS):
        at, pickup, courier, ids = int(row[0]), int(row[1]), row[2], row[3:]
        for oid in ids:
            if oid in seen:
                problems.append(f"{oid} is in more than one assignment")
            seen.add(oid)
            if at < jobs[oid].placed_at:
                problems.append(f"{oid} assigned at {at}, before it was placed")
            if pickup < jobs[oid].ready_at:
                problems.append(f"{oid} picked up at {pickup}, before it was ready")
            bundle_of[oid] = (courier, pickup)
        if len({jobs[o].merchant_id for o in ids}) != 1:
            problems.append(f"bundle {ids} spans several restaurants")
        if pickup > couriers[courier].off_at:
            problems.append(f"{courier} picks up at {pickup}, after going off shift")
    drops: dict[str, tuple[int, int, str]] = {}
    for row in _read(folder / ORDERS):
        oid = row[0]
        if row[6] in ("NaN", "nan", ""):
            if oid in seen:
                problems.append(f"{oid} is assigned but has no drop-off")
            continue
        pickup, dropoff, courier = int(row[6]), int(row[7]), row[8]
        drops[oid] = (pickup, dropoff, courier)
        if bundle_of.get(oid) != (courier, pickup):
            problems.append(f"{oid}: orders file disagrees with the assignments file")
    problems += _check_moves(instance, folder, drops, p.metres_per_minute, p.dropoff_service)
    return problems


def _check_moves(
    instance: MdrpInstance,
    folder: Path,
    drops: dict[str, tuple[int, int, str]],
    speed: float,
    dropoff_service: int,
) -> list[str]:
    """Moves chain (each starts where the last ended, not before arriving), and the courier is
    at the restaurant at each pickup and at the door for each drop-off."""
    problems: list[str] = []
    starts = {c.id: c.start for c in instance.couriers}
    place: dict[str, Point] = dict(instance.restaurants)
    place.update({j.id: j.dropoff for j in instance.jobs})
    legs: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for row in _read(folder / COURIERS):
        legs[row[0]].append((int(row[1]), row[2], row[3]))
    visits: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
    for courier, route in legs.items():
        where, arrived = "0", -math.inf
        for n, (depart, origin, dest) in enumerate(route):
            if origin != where:
                problems.append(f"{courier} leaves {origin} but is at {where}")
            if depart < arrived:
                problems.append(f"{courier} departs {origin} at {depart}, before arriving")
            start = starts[courier] if origin == "0" else place[origin]
            arrived = depart + travel_minutes(start, place[dest], speed)
            leaves = route[n + 1][0] if n + 1 < len(route) else math.inf
            visits[(courier, dest)].append((int(arrived), leaves))
            where = dest
    merchant_of = {j.id: j.merchant_id for j in instance.jobs}
    for oid, (pickup, dropoff, courier) in drops.items():
        if not any(a <= pickup <= d for a, d in visits.get((courier, merchant_of[oid]), [])):
            problems.append(f"{courier} is not at {merchant_of[oid]} at pickup {pickup}")
        at_door = visits.get((courier, oid), [])
        if not any(a + dropoff_service <= dropoff <= d for a, d in at_door):
            problems.append(f"{courier} is not at {oid} for its drop-off at {dropoff}")
    return problems

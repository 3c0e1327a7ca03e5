"""Loading Grubhub's MDRP instances (Reyes et al. 2018): any folder in their format.

A folder holds ``orders.txt``, ``couriers.txt``, ``restaurants.txt`` and
``instance_parameters.txt``, tab-separated with one header line; times are minutes of the day,
positions metres.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from pathlib import Path

from tiffin.errors import Invalid
from tiffin.optimiser.model import DispatchParams, Job, Point


@dataclass(frozen=True)
class MdrpCourier:
    id: str
    start: Point
    on_at: int
    off_at: int


@dataclass(frozen=True)
class PayRule:
    per_order: float
    per_hour: float


@dataclass(frozen=True)
class MdrpInstance:
    name: str
    jobs: tuple[Job, ...]
    couriers: tuple[MdrpCourier, ...]
    restaurants: dict[str, Point]
    params: DispatchParams
    pay: PayRule
    max_click_to_door: int


def _rows(path: Path) -> list[list[str]]:
    if not path.exists():
        raise Invalid(f"{path} is missing: not an MDRP instance folder", code="not_mdrp")
    with path.open() as handle:
        rows = [r for r in csv.reader(handle, delimiter="\t") if r and any(x.strip() for x in r)]
    return rows[1:]


def _int(value: str) -> int:
    return int(round(float(value)))


def load(folder: Path | str, base: DispatchParams | None = None) -> MdrpInstance:
    """Read one instance; ``base`` supplies the dispatcher's own knobs (weights, windows)."""
    folder = Path(folder)
    try:
        [speed, pickup_s, dropoff_s, target, maximum, per_order, per_hour] = _rows(
            folder / "instance_parameters.txt"
        )[0][:7]
        restaurants = {
            r[0]: Point(float(r[1]), float(r[2])) for r in _rows(folder / "restaurants.txt")
        }
        jobs = tuple(
            Job(
                id=o[0],
                merchant_id=o[4],
                pickup=restaurants[o[4]],
                dropoff=Point(float(o[1]), float(o[2])),
                placed_at=_int(o[3]),
                ready_at=_int(o[5]),
            )
            for o in _rows(folder / "orders.txt")
        )
        couriers = tuple(
            MdrpCourier(c[0], Point(float(c[1]), float(c[2])), _int(c[3]), _int(c[4]))
            for c in _rows(folder / "couriers.txt")
        )
    except (ValueError, IndexError, KeyError) as exc:
        raise Invalid(f"{folder} is not in MDRP format: {exc!r}", code="not_mdrp") from None
    params = replace(
        base or DispatchParams(),
        metres_per_minute=float(speed),
        pickup_service=_int(pickup_s),
        dropoff_service=_int(dropoff_s),
        target_minutes=_int(target),
    )
    return MdrpInstance(
        folder.name,
        jobs,
        couriers,
        restaurants,
        params,
        PayRule(float(per_order), float(per_hour)),
        _int(maximum),
    )

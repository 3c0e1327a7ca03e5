"""Small MDRP-format instances built by the tests themselves (the real library is not copied)."""

from __future__ import annotations

import random
from pathlib import Path


def write_instance(
    folder: Path,
    *,
    seed: int = 7,
    orders: int = 60,
    couriers: int = 12,
    restaurants: int = 6,
    speed: int = 320,
) -> Path:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    shops = [(f"r{i + 1}", rng.randint(0, 8000), rng.randint(0, 8000)) for i in range(restaurants)]
    (folder / "restaurants.txt").write_text(
        "restaurant\tx\ty\n" + "".join(f"{r}\t{x}\t{y}\n" for r, x, y in shops)
    )
    lines = ["order\tx\ty\tplacement_time\trestaurant\tready_time"]
    for i in range(orders):
        placed = rng.randint(600, 780)
        shop = rng.choice(shops)
        lines.append(
            f"o{i + 1}\t{rng.randint(0, 8000)}\t{rng.randint(0, 8000)}\t{placed}\t"
            f"{shop[0]}\t{placed + rng.randint(5, 25)}"
        )
    (folder / "orders.txt").write_text("\n".join(lines) + "\n")
    lines = ["courier\tx\ty\ton_time\toff_time"]
    for i in range(couriers):
        on = rng.choice([570, 600, 660, 700])
        lines.append(
            f"c{i + 1}\t{rng.randint(0, 8000)}\t{rng.randint(0, 8000)}\t{on}\t"
            f"{on + rng.choice([120, 180, 240])}"
        )
    (folder / "couriers.txt").write_text("\n".join(lines) + "\n")
    (folder / "instance_parameters.txt").write_text(
        "meters_per_minute\tpickup service minutes\tdropoff service minutes\ttarget click-to-door"
        "\tmaximum click-to-door\tpay per order\tguaranteed pay per hour\n"
        f"{speed}\t4\t4\t40\t90\t10\t15\n"
    )
    return folder

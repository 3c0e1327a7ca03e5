"""Core first under overload: the overload drill with admission control on (tiffin) beside the
same server with it off (the baseline: every request admitted), measured in the same run.

Both runs drive three times the core capacity each measured, mixed across core, important and
deferrable requests (``tiffin.drills.overload``), on a fresh SQLite file each, and on a fresh
PostgreSQL database each when ``--postgres-url`` names a server (the databases are created and
dropped here).

    python bench/overload.py [--seconds 30] [--postgres-url postgresql+psycopg://...]

Writes bench/results/overload.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tiffin.drills import overload  # noqa: E402

NO_ADMISSION = {
    "TIFFIN_ADMISSION_CAPACITY": "1000000",
    "TIFFIN_ADMISSION_WAIT_TARGET_MS": "1000000000",
}
COLUMNS = [
    "core_success_pct",
    "core_p99_ms",
    "core_p99_ms_unloaded",
    "important_success_pct",
    "deferrable_shed_pct",
    "lost",
    "duplicated",
    "recovery_s",
]


def _run(url: str, seconds: float, env: dict[str, str]) -> dict[str, Any]:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the drill's server inherits the environment
    try:
        with tempfile.TemporaryDirectory() as tmp:
            return overload.run(url, workdir=Path(tmp), seconds=seconds).figures
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _fresh_postgres(admin_url: str) -> tuple[str, Any]:
    name = f"tiffin_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--postgres-url", default=None)
    args = parser.parse_args()
    rows = []
    databases = ["sqlite"] + (["postgresql"] if args.postgres_url else [])
    for database in databases:
        for label, env in (("baseline: no admission control", NO_ADMISSION), ("tiffin", {})):
            with tempfile.TemporaryDirectory() as tmp:
                if database == "sqlite":
                    url, drop = f"sqlite:///{tmp}/bench.db", None
                else:
                    url, drop = _fresh_postgres(args.postgres_url)
                try:
                    figures = _run(url, args.seconds, env)
                finally:
                    if drop is not None:
                        drop()
            rows.append((database, label, figures))
            print(database, label, {k: figures[k] for k in COLUMNS}, flush=True)
    lines = [
        f"# Overload: 3x core capacity for {args.seconds:g} s, admission control on and off",
        "",
        "| database | run | capacity/s | " + " | ".join(COLUMNS) + " |",
        "|---|---|---:|" + "---:|" * len(COLUMNS),
    ]
    for database, label, f in rows:
        cells = " | ".join(str(f[k]) for k in COLUMNS)
        lines.append(f"| {database} | {label} | {f['core_capacity_per_s']} | {cells} |")
    out = ROOT / "bench" / "results" / "overload.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

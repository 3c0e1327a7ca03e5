"""Rider telemetry ingestion: can tiffin keep up with 2,000 riders posting every 5 s (400 posts/s)
with p99 under 50 ms? Measured through the real app (in-process ASGI client: auth, validation,
the unit of work, alert rules) beside a bare insert loop (one transaction per batch, no HTTP) on
the same database in the same run, on SQLite and on PostgreSQL.

Each post carries one sample (the rider app's 5 s cadence); riders post in turn, so the run is
one or more full cycles of the fleet. Posts are sent back to back from one client: the achieved
rate is the capacity, and latency is per request.

    python bench/telemetry.py [--riders 2000] [--cycles 1] [--skip-postgres]

Writes bench/results/telemetry.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from tiffin.accounts.service import create_user, issue_token
from tiffin.api.app import create_app
from tiffin.clock import SystemClock
from tiffin.domain.people import VehicleType
from tiffin.domain.principals import Role
from tiffin.platform import Platform
from tiffin.riders.service import register_rider
from tiffin.settings import Settings
from tiffin.store import tables
from tiffin.store.db import Database
from tiffin.tenancy.service import create_tenant

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PG_ADMIN = os.environ.get(
    "TIFFIN_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TARGET_RATE = 400.0
TARGET_P99_MS = 50.0


@dataclass
class Result:
    database: str
    system: str
    posts: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.posts / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@contextmanager
def database(kind: str) -> Iterator[str]:
    """A fresh, migrated database of ``kind``, dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as d:
            url = f"sqlite:///{d}/bench.db"
            Database(url).migrate()
            yield url
        return
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"tiffin_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    try:
        db = Database(url)
        db.migrate()
        db.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def fleet(platform: Platform, riders: int) -> list[tuple[str, str, str]]:
    """``riders`` riders of one tenant, each with a bearer token: (tenant, rider, token)."""
    out = []
    now = platform.clock.now()
    with platform.uow() as uow:
        tenant = create_tenant(uow, slug="fleet", name="Fleet")
        for n in range(riders):
            rider = register_rider(
                uow, tenant_id=tenant.id, name=f"R{n}", vehicle=VehicleType.EBIKE
            )
            user = create_user(
                uow,
                tenant_id=tenant.id,
                role=Role.RIDER,
                email=f"r{n}@fleet.test",
                password_hash="$argon2id$bench-not-a-login",
                display_name=f"R{n}",
                subject_id=rider.id,
                now=now,
            )
            token, _ = issue_token(uow, user.id, now=now, ttl=timedelta(hours=2))
            out.append((tenant.id, rider.id, token))
        uow.commit()
    return out


def sample(n: int, at: datetime) -> dict[str, object]:
    return {
        "at": at.isoformat(),
        "location": {"lat": 31.03 + (n % 100) * 1e-4, "lon": 121.44},
        "speed_mps": 4.0 + (n % 3),
        "impact": False,
    }


def through_tiffin(url: str, riders: int, cycles: int) -> Result:
    settings = Settings(database_url=url, run_workers=False)
    platform = Platform(settings=settings, db=Database(url), clock=SystemClock())
    people = fleet(platform, riders)
    client = TestClient(create_app(platform=platform))
    latencies = []
    start = time.perf_counter()
    for c in range(cycles):
        for n, (_, _, token) in enumerate(people):
            body = {"samples": [sample(n + c, datetime.now(UTC) - timedelta(seconds=1))]}
            t0 = time.perf_counter()
            r = client.post(
                "/v1/riders/me/telemetry", json=body, headers={"Authorization": f"Bearer {token}"}
            )
            latencies.append(1000 * (time.perf_counter() - t0))
            if r.status_code != 202:
                raise SystemExit(f"telemetry post failed: {r.status_code} {r.text}")
    seconds = time.perf_counter() - start
    platform.db.dispose()
    return Result(
        make_url(url).get_backend_name(), "tiffin API", len(latencies), seconds, latencies
    )


def bare_inserts(url: str, riders: int, cycles: int) -> Result:
    """The floor: the same rows, one transaction per post, straight into the table."""
    engine = Database(url).write_engine
    latencies = []
    start = time.perf_counter()
    for c in range(cycles):
        for n in range(riders):
            t0 = time.perf_counter()
            with engine.begin() as conn:
                conn.execute(
                    insert(tables.rider_telemetry).values(
                        tenant_id="bench",
                        rider_id=f"r{n}",
                        at=datetime.now(UTC),
                        lat=31.03 + ((n + c) % 100) * 1e-4,
                        lon=121.44,
                        speed_mps=4.0,
                        impact=False,
                    )
                )
            latencies.append(1000 * (time.perf_counter() - t0))
    seconds = time.perf_counter() - start
    engine.dispose()
    return Result(
        make_url(url).get_backend_name(), "bare insert", len(latencies), seconds, latencies
    )


def table(results: list[Result], riders: int) -> str:
    lines = [
        f"Rider telemetry ingestion, {riders} riders posting one sample each in turn "
        f"(target: {TARGET_RATE:.0f} posts/s, p99 < {TARGET_P99_MS:.0f} ms).",
        "",
        "| database | system | posts | posts/s | p50 ms | p99 ms | keeps up |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        ok = r.rate >= TARGET_RATE and r.pct(0.99) < TARGET_P99_MS
        lines.append(
            f"| {r.database} | {r.system} | {r.posts} | {r.rate:.0f} | "
            f"{statistics.median(r.latencies_ms):.1f} | {r.pct(0.99):.1f} | "
            f"{'yes' if ok else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--riders", type=int, default=2000)
    parser.add_argument("--cycles", type=int, default=1)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    results = []
    for kind in ("sqlite",) + (() if args.skip_postgres else ("postgresql",)):
        with database(kind) as url:
            results.append(bare_inserts(url, args.riders, args.cycles))
            results.append(through_tiffin(url, args.riders, args.cycles))
    report = table(results, args.riders)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "telemetry.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()

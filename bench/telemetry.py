"""Rider telemetry ingestion: does tiffin keep up with 2,000 riders posting every 5 s (400 posts/s)
with p99 under 50 ms? The real server (``tiffin serve``, one process, its background workers
running) is driven open-loop from a separate process: every rider's post is due at its own
moment of the 5 s cycle, whatever the server's answers, and latency is counted from that due
moment (a post sent late because the client was still waiting is late, not excused). Beside it,
in the same run and on the same database, the floor: a bare insert loop (one transaction per
post, no HTTP, no auth, no rules). SQLite and PostgreSQL.

Every rider is on shift; each post carries one sample (the app's 5 s cadence). One warm-up
cycle of the fleet runs unmeasured at half the rate (the server's token cache then holds every
rider, as it does on a live day), then ``--seconds`` are measured. A closed-loop run with 16
clients posting back to back then shows the capacity (posts/s) and the server's CPU per post.

    python bench/telemetry.py [--riders 2000] [--rate 400] [--seconds 20] [--skip-postgres]

Writes bench/results/telemetry.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from api_orders import cpu_seconds, free_port, postgres_database, server
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from tiffin.accounts.service import create_user, issue_token
from tiffin.clock import SystemClock
from tiffin.domain.people import VehicleType
from tiffin.domain.principals import Role
from tiffin.drills.load import LOAD_TEST_LIMITS
from tiffin.platform import Platform
from tiffin.riders.service import register_rider
from tiffin.settings import Settings
from tiffin.store import tables
from tiffin.store.db import Database
from tiffin.tenancy.service import create_tenant

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TARGET_RATE = 400.0
TARGET_P99_MS = 50.0


@dataclass
class Result:
    database: str
    system: str
    offered: float | None  # posts/s the clients were due to send; None when back to back
    posts: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    server_cpu_seconds: float | None = None

    @property
    def rate(self) -> float:
        return self.posts / self.seconds

    @property
    def cpu_ms_per_post(self) -> float | None:
        if self.server_cpu_seconds is None or not self.posts:
            return None
        return 1000 * self.server_cpu_seconds / self.posts

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def keeps_up(self) -> bool:
        wanted = self.offered if self.offered is not None else TARGET_RATE
        return (
            self.errors == 0
            and self.rate >= 0.98 * min(wanted, TARGET_RATE)
            and self.pct(0.99) < TARGET_P99_MS
        )


@contextmanager
def database(kind: str) -> Iterator[str]:
    """A fresh, migrated database of ``kind``, dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as d:
            url = f"sqlite:///{d}/bench.db"
            Database(url).migrate()
            yield url
        return
    with postgres_database() as url:
        db = Database(url)
        db.migrate()
        db.dispose()
        yield url


def fleet(url: str, riders: int) -> list[str]:
    """``riders`` riders of one tenant, on shift, each with a bearer token (the tokens)."""
    platform = Platform(
        settings=Settings(database_url=url, run_workers=False),
        db=Database(url),
        clock=SystemClock(),
    )
    tokens = []
    now = platform.clock.now()
    with platform.uow() as uow:
        tenant = create_tenant(uow, slug="fleet", name="Fleet")
        for n in range(riders):
            rider = register_rider(
                uow, tenant_id=tenant.id, name=f"R{n}", vehicle=VehicleType.EBIKE
            )
            rider.shift_started_at = now
            uow.riders.save(rider)
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
            tokens.append(token)
        uow.commit()
    platform.db.dispose()
    return tokens


def sample(n: int) -> dict[str, object]:
    """One sample a second old, moving (the rider app's 5 s report)."""
    return {
        "at": (datetime.now(UTC) - timedelta(seconds=1)).isoformat(),
        "location": {"lat": 31.03 + (n % 100) * 1e-4, "lon": 121.44},
        "speed_mps": 4.0 + (n % 3),
        "impact": False,
    }


def post(client: httpx.Client, token: str, n: int) -> httpx.Response:
    return client.post(
        "/v1/riders/me/telemetry",
        json={"samples": [sample(n)]},
        headers={"Authorization": f"Bearer {token}"},
    )


def open_loop(
    base: str, tokens: list[str], rate: float, seconds: float, threads: int = 48
) -> tuple[int, int, float, list[float]]:
    """Post k is due at ``start + k / rate`` from rider ``k mod riders``; thread i sends the posts
    k = i (mod threads). Latency runs from the due moment to the answer. Every thread builds
    its client (an SSL context each: tens of milliseconds) and connects before the start, so
    the clock starts on a ready load generator."""
    total = int(rate * seconds)
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads
    refused: dict[int, int] = {}
    begin = [0.0]

    def start_clock() -> None:  # run once, before any thread passes the barrier
        begin[0] = time.perf_counter() + 0.1

    ready = threading.Barrier(threads + 1, action=start_clock)

    def worker(i: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            client.get("/healthz")  # the connection, opened before the clock starts
            ready.wait()
            for k in range(i, total, threads):
                due = begin[0] + k / rate
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                r = post(client, tokens[k % len(tokens)], k)
                latencies[i].append(1000 * (time.perf_counter() - due))
                if r.status_code != 202:
                    errors[i] += 1
                    refused[r.status_code] = refused.get(r.status_code, 0) + 1

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for th in pool:
        th.start()
    ready.wait()
    for th in pool:
        th.join()
    elapsed = time.perf_counter() - begin[0]
    flat = [x for per in latencies for x in per]
    if refused:
        print(f"open loop: answers other than 202: {refused}", flush=True)
    return len(flat), sum(errors), elapsed, flat


def back_to_back(
    base: str, tokens: list[str], seconds: float, clients: int = 16
) -> tuple[int, int, float, list[float]]:
    """``clients`` keep-alive clients posting as fast as answers come: the capacity."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    stop_at = time.perf_counter() + seconds

    def worker(i: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            k = i
            while time.perf_counter() < stop_at:
                t = time.perf_counter()
                r = post(client, tokens[k % len(tokens)], k)
                latencies[i].append(1000 * (time.perf_counter() - t))
                errors[i] += r.status_code != 202
                k += clients

    began = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    flat = [x for per in latencies for x in per]
    return len(flat), sum(errors), time.perf_counter() - began, flat


def through_tiffin(url: str, riders: int, rate: float, seconds: float) -> list[Result]:
    """The open-loop run at ``rate`` and the capacity run, on one served tiffin."""
    tokens = fleet(url, riders)
    venv = ROOT / ".venv" / "bin" / "tiffin"
    tiffin = [str(venv)] if venv.exists() else [sys.executable, "-m", "tiffin"]
    port = free_port()
    env = {"TIFFIN_DATABASE_URL": url, **LOAD_TEST_LIMITS}
    label = make_url(url).get_backend_name()
    with server([*tiffin, "serve", "--port", str(port)], port, env) as (base, pid):
        # Warm-up: one cycle of the fleet at half the rate (each rider's first post reads its
        # token from the database, as after a restart), then a pause so admission control's
        # hysteresis has settled before the measured run.
        open_loop(base, tokens, rate / 2, 2 * len(tokens) / rate)
        time.sleep(3)
        cpu = cpu_seconds(pid)
        posts, errors, elapsed, lat = open_loop(base, tokens, rate, seconds)
        steady = Result(
            label, "tiffin API", rate, posts, errors, elapsed, lat, cpu_seconds(pid) - cpu
        )
        cpu = cpu_seconds(pid)
        posts, errors, elapsed, lat = back_to_back(base, tokens, min(seconds, 10.0))
        capacity = Result(
            label, "tiffin API", None, posts, errors, elapsed, lat, cpu_seconds(pid) - cpu
        )
    return [steady, capacity]


def bare_inserts(url: str, riders: int) -> Result:
    """The floor: the same rows, one transaction per post, straight into the table."""
    engine = Database(url).write_engine
    latencies = []
    start = time.perf_counter()
    for n in range(riders):
        t0 = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(
                insert(tables.rider_telemetry).values(
                    tenant_id="bench",
                    rider_id=f"r{n}",
                    at=datetime.now(UTC),
                    lat=31.03 + (n % 100) * 1e-4,
                    lon=121.44,
                    speed_mps=4.0,
                    impact=False,
                )
            )
        latencies.append(1000 * (time.perf_counter() - t0))
    seconds = time.perf_counter() - start
    engine.dispose()
    return Result(
        make_url(url).get_backend_name(), "bare insert", None, riders, 0, seconds, latencies
    )


def table(results: list[Result], riders: int, rate: float) -> str:
    lines = [
        f"Rider telemetry ingestion: {riders} riders on shift, one sample per post; tiffin served "
        f"by `tiffin serve` (one process, workers on), driven from another process. Target: "
        f"{TARGET_RATE:.0f} posts/s with p99 < {TARGET_P99_MS:.0f} ms.",
        "",
        "- open loop: posts due at a steady rate (latency from the due moment);",
        "- back to back: 16 clients posting as fast as answered (the capacity);",
        "- bare insert: one transaction per post, no HTTP, one loop (the floor).",
        "",
        "| database | system | load | posts | posts/s | p50 ms | p99 ms | server CPU ms/post "
        "| errors | keeps up |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        if r.system == "bare insert":
            load = "one loop"
        elif r.offered is None:
            load = "back to back"
        else:
            load = f"open loop {r.offered:.0f}/s"
        cpu = "" if r.cpu_ms_per_post is None else f"{r.cpu_ms_per_post:.2f}"
        verdict = "" if r.offered is None else ("yes" if r.keeps_up else "no")
        lines.append(
            f"| {r.database} | {r.system} | {load} | {r.posts} | {r.rate:.0f} | "
            f"{statistics.median(r.latencies_ms):.1f} | {r.pct(0.99):.1f} | {cpu} | "
            f"{r.errors} | {verdict} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--riders", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=TARGET_RATE, help="posts/s, open loop")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured, open loop")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    results: list[Result] = []
    kinds = (() if args.skip_sqlite else ("sqlite",)) + (
        () if args.skip_postgres else ("postgresql",)
    )
    for kind in kinds:
        with database(kind) as url:
            results.append(bare_inserts(url, args.riders))
            results.extend(through_tiffin(url, args.riders, args.rate, args.seconds))
            print(table(results, args.riders, args.rate), flush=True)
    report = table(results, args.riders, args.rate)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "telemetry.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()

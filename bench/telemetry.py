"""Rider telemetry ingestion: does tiffin keep up with 2,000 riders posting every 5 s (400 posts/s)
with p99 under 50 ms? The real server (``tiffin serve``, one process, its background workers
running) is driven open-loop from a separate process (``bench/loadgen.py``: asyncio over raw
keep-alive sockets; the httpx client in 48 threads it replaced spent 3.0 ms of CPU per post on
this 2-core machine, as much as the server it measured): every rider's post is due at its own
moment of the 5 s cycle, whatever the server's answers, and latency is counted from that due
moment (a post sent late because the client was still waiting is late, not excused). Beside it,
in the same run and on the same database, the floor: a bare insert loop (one transaction per
post, no HTTP, no auth, no rules), once on its own before the server starts and once sampled
from another process while the open loop runs (one insert every 50 ms), so a moment when the
disk's sync or the database is slow shows in the floor as well as in tiffin. SQLite and
PostgreSQL.

``--noisy-disk N`` adds N processes that write and sync 4 MB blocks on the same disk for the
whole run (a neighbour on a shared machine): how ingestion degrades when every commit's sync is
slow, beside what the floor does in the same minutes.

Every rider is on shift; each post carries one sample (the app's 5 s cadence). One warm-up
cycle of the fleet runs unmeasured at half the rate (the server's token cache then holds every
rider, as it does on a live day), then ``--seconds`` are measured. A closed-loop run with 16
clients posting back to back then shows the capacity (posts/s) and the server's CPU per post.

    python bench/telemetry.py [--riders 2000] [--rate 400] [--seconds 20] [--skip-postgres]
                              [--skip-sqlite] [--noisy-disk N]

Writes bench/results/telemetry.md (with ``--noisy-disk``: telemetry_noisy_disk.md).
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import loadgen
from api_orders import cpu_seconds, free_port, postgres_database, server
from sqlalchemy import Engine, insert
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
    client_cpu_seconds: float | None = None  # the load generator's own, per run
    during: bool = False  # a bare insert sampled while tiffin's open loop ran (``probe``)

    @classmethod
    def of(
        cls, database: str, offered: float | None, run: loadgen.Outcome, server_cpu: float
    ) -> Result:
        posts = len(run.latencies_ms)
        errors = posts - run.count(202)
        return cls(
            database,
            "tiffin API",
            offered,
            posts,
            errors,
            run.seconds,
            run.latencies_ms,
            server_cpu,
            run.client_cpu_seconds,
        )

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


def requests_of(tokens: list[str]) -> loadgen.Request:
    """Post ``k`` comes from rider ``k mod riders``, with one fresh sample."""

    def request(k: int) -> bytes:
        body = json.dumps({"samples": [sample(k)]}).encode()
        auth = {"Authorization": f"Bearer {tokens[k % len(tokens)]}"}
        return loadgen.request_bytes("POST", "/v1/riders/me/telemetry", body, auth)

    return request


def open_loop(port: int, tokens: list[str], rate: float, seconds: float) -> loadgen.Outcome:
    """Post k is due at ``start + k / rate`` over 48 keep-alive connections (``bench/loadgen``:
    latency runs from the due moment, so a post sent late is counted late)."""
    outcome = loadgen.open_loop("127.0.0.1", port, requests_of(tokens), rate, seconds, 48)
    refused = {s: n for s, n in outcome.statuses.items() if s != 202}
    if refused:
        print(f"open loop: answers other than 202: {refused}", flush=True)
    return outcome


def through_tiffin(url: str, riders: int, rate: float, seconds: float) -> list[Result]:
    """The open-loop run at ``rate`` and the capacity run, on one served tiffin."""
    tokens = fleet(url, riders)
    venv = ROOT / ".venv" / "bin" / "tiffin"
    tiffin = [str(venv)] if venv.exists() else [sys.executable, "-m", "tiffin"]
    port = free_port()
    env = {"TIFFIN_DATABASE_URL": url, **LOAD_TEST_LIMITS}
    label = make_url(url).get_backend_name()
    with server([*tiffin, "serve", "--port", str(port)], port, env) as (_, pid):
        # Warm-up: one cycle of the fleet at half the rate (each rider's first post reads its
        # token from the database, as after a restart), then a pause so admission control's
        # hysteresis has settled before the measured run.
        open_loop(port, tokens, rate / 2, 2 * len(tokens) / rate)
        time.sleep(3)
        cpu = cpu_seconds(pid)
        with probing(url, seconds) as floor:
            steady = open_loop(port, tokens, rate, seconds)
        results = [Result.of(label, rate, steady, cpu_seconds(pid) - cpu), *floor]
        cpu = cpu_seconds(pid)
        capacity = loadgen.back_to_back(
            "127.0.0.1", port, requests_of(tokens), min(seconds, 10.0), 16
        )
        results.append(Result.of(label, None, capacity, cpu_seconds(pid) - cpu))
    return results


def _insert_one(engine: Engine, n: int) -> float:
    """One bare insert in its own transaction; its latency in ms."""
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
    return 1000 * (time.perf_counter() - t0)


def bare_inserts(url: str, riders: int) -> Result:
    """The floor: the same rows, one transaction per post, straight into the table."""
    engine = Database(url).write_engine
    start = time.perf_counter()
    latencies = [_insert_one(engine, n) for n in range(riders)]
    seconds = time.perf_counter() - start
    engine.dispose()
    return Result(
        make_url(url).get_backend_name(), "bare insert", None, riders, 0, seconds, latencies
    )


PROBE_PERIOD_S = 0.05


def probe(url: str, seconds: float) -> None:
    """``--probe``: one bare insert every ``PROBE_PERIOD_S`` for ``seconds``, latencies printed
    as JSON. Run in its own process while tiffin is measured, it shows what the database and
    the disk gave a lone writer at the same moments (a sync that is slow for a few seconds
    slows both). On SQLite it writes a file of its own beside tiffin's, on the same disk:
    a file has one writer at a time, and waiting for tiffin's would measure tiffin."""
    if make_url(url).get_backend_name() == "sqlite":
        url = url + "-probe.db"
    engine = Database(url).write_engine
    tables.rider_telemetry.create(engine, checkfirst=True)
    _insert_one(engine, -1)  # connected and warm before saying so
    print("ready", flush=True)
    latencies = []
    start = time.perf_counter()
    for n in itertools.count():
        due = start + n * PROBE_PERIOD_S
        if due - start >= seconds:
            break
        time.sleep(max(0.0, due - time.perf_counter()))
        latencies.append(_insert_one(engine, n))
    engine.dispose()
    print(json.dumps({"seconds": time.perf_counter() - start, "latencies_ms": latencies}))


@contextmanager
def probing(url: str, seconds: float) -> Iterator[list[Result]]:
    """The floor sampled during a run: ``probe`` in another process (its one result is
    appended to the list when the block ends)."""
    found: list[Result] = []
    proc = subprocess.Popen(
        [sys.executable, __file__, "--probe", url, "--seconds", str(seconds)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    if proc.stdout.readline().strip() != "ready":
        raise RuntimeError("the floor's probe did not start")
    try:
        yield found
    finally:
        out, _ = proc.communicate(timeout=seconds + 60)
    measured = json.loads(out)
    label = make_url(url).get_backend_name()
    latencies = measured["latencies_ms"]
    found.append(
        Result(
            label,
            "bare insert",
            None,
            len(latencies),
            0,
            measured["seconds"],
            latencies,
            during=True,
        )
    )


def _neighbour(folder: str) -> None:
    """A noisy neighbour on the same disk: 4 MB written and synced, again and again."""
    block = os.urandom(1 << 22)
    with open(os.path.join(folder, f"neighbour-{os.getpid()}"), "wb") as f:
        for n in itertools.count():
            f.write(block)
            f.flush()
            os.fsync(f.fileno())
            if n % 16 == 15:
                f.seek(0)
                f.truncate()


@contextmanager
def noisy_disk(processes: int) -> Iterator[None]:
    """``--noisy-disk N``: N processes keep the disk's sync busy for the whole block."""
    if not processes:
        yield
        return
    with tempfile.TemporaryDirectory(dir="/var/tmp") as folder:
        spawn = multiprocessing.get_context("spawn")
        workers = [
            spawn.Process(target=_neighbour, args=(folder,), daemon=True) for _ in range(processes)
        ]
        for w in workers:
            w.start()
        try:
            yield
        finally:
            for w in workers:
                w.terminate()
                w.join()


def table(results: list[Result], riders: int, rate: float, noisy_disk: int = 0) -> str:
    lines = [
        f"Rider telemetry ingestion: {riders} riders on shift, one sample per post; tiffin served "
        f"by `tiffin serve` (one process, workers on), driven from another process. Target: "
        f"{TARGET_RATE:.0f} posts/s with p99 < {TARGET_P99_MS:.0f} ms.",
        "",
        "- open loop: posts due at a steady rate (latency from the due moment);",
        "- back to back: 16 clients posting as fast as answered (the capacity);",
        "- bare insert: one transaction per post, no HTTP, one loop (the floor); and one "
        f"every {1000 * PROBE_PERIOD_S:.0f} ms from another process while the open loop runs "
        "(the floor at the same moments).",
        *(
            [
                f"- noisy disk: {noisy_disk} other processes writing and syncing 4 MB blocks on "
                "the same disk throughout.",
            ]
            if noisy_disk
            else []
        ),
        "",
        "| database | system | load | posts | posts/s | p50 ms | p99 ms | server CPU ms/post "
        "| load generator CPU ms/post | errors | keeps up |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        if r.during:
            load = f"one every {1000 * PROBE_PERIOD_S:.0f} ms, during the open loop"
        elif r.system == "bare insert":
            load = "one loop"
        elif r.offered is None:
            load = "back to back"
        else:
            load = f"open loop {r.offered:.0f}/s"
        cpu = "" if r.cpu_ms_per_post is None else f"{r.cpu_ms_per_post:.2f}"
        client = (
            "" if r.client_cpu_seconds is None else f"{1000 * r.client_cpu_seconds / r.posts:.2f}"
        )
        verdict = "" if r.offered is None else ("yes" if r.keeps_up else "no")
        lines.append(
            f"| {r.database} | {r.system} | {load} | {r.posts} | {r.rate:.0f} | "
            f"{statistics.median(r.latencies_ms):.1f} | {r.pct(0.99):.1f} | {cpu} | {client} | "
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
    parser.add_argument(
        "--noisy-disk",
        type=int,
        default=0,
        metavar="N",
        help="N processes writing and syncing 4 MB blocks on the same disk throughout",
    )
    parser.add_argument("--probe", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(args.probe, args.seconds)
        return
    results: list[Result] = []
    kinds = (() if args.skip_sqlite else ("sqlite",)) + (
        () if args.skip_postgres else ("postgresql",)
    )
    for kind in kinds:
        with database(kind) as url, noisy_disk(args.noisy_disk):
            results.append(bare_inserts(url, args.riders))
            results.extend(through_tiffin(url, args.riders, args.rate, args.seconds))
            print(table(results, args.riders, args.rate, args.noisy_disk), flush=True)
    report = table(results, args.riders, args.rate, args.noisy_disk)
    RESULTS.mkdir(exist_ok=True)
    name = "telemetry_noisy_disk.md" if args.noisy_disk else "telemetry.md"
    (RESULTS / name).write_text(report)
    print(report)


if __name__ == "__main__":
    main()

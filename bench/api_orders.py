"""Order placement throughput and latency: tiffin vs a minimal FastAPI + SQLAlchemy endpoint.

Both servers run as single uvicorn processes on this machine, on SQLite and on PostgreSQL, and
are driven by the same load generator (a separate process, N keep-alive clients) in the same run.
Ratios, not absolute numbers, are the result: the machines are shared and noisy.

``--against REV`` also serves tiffin as it was at an earlier commit (a git worktree of REV, run
with this venv's libraries), measured in the same rounds: whether a change moved placement
throughput, or stayed within the noise, as the house's issue asks of its refactoring (REV: the
commit before it, ``ab70c69``). The table then gives tiffin's throughput over REV's too.

    python bench/api_orders.py [--clients 8] [--seconds 5] [--rounds 4] [--skip-postgres]
                               [--skip-sqlite] [--against REV]

Writes bench/results/api_orders.md.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import loadgen
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tiffin.drills.load import LOAD_TEST_LIMITS

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PG_ADMIN = os.environ.get(
    "TIFFIN_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TARGET_RATIO = 0.7


@dataclass
class Run:
    database: str
    system: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    server_cpu_seconds: float  # user + system time the server process spent while measured

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_ms_per_order(self) -> float:
        return 1000 * self.server_cpu_seconds / self.requests if self.requests else float("nan")

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc): the server's cost per order is
    steadier than its throughput on a shared machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def server(cmd: list[str], port: int, env: dict[str, str]) -> Iterator[tuple[str, int]]:
    # The server logs a line per request to stderr: into a file, not a pipe nobody reads while
    # it runs (64 KB of log, about 1,800 requests, filled the pipe and froze the server).
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            cmd, env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    httpx.get(base + "/openapi.json", timeout=1)
                    break
                except httpx.HTTPError:
                    if proc.poll() is not None:
                        log.seek(0)
                        raise RuntimeError(log.read().decode() or "died") from None
                    time.sleep(0.1)
            yield base, proc.pid
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def drive(
    target: tuple[str, int],
    request: loadgen.Request,
    clients: int,
    seconds: float,
    prepare: Callable[[httpx.Client, int], None] | None = None,
) -> tuple[int, int, float, list[float], float]:
    """``clients`` keep-alive connections placing orders back to back for ``seconds``, sent by
    the lean generator (``bench/loadgen.py``: an httpx client in threads spent about as much CPU
    per request as the server on this 2-core machine). ``prepare`` (logging in) runs first,
    over httpx, then a short unmeasured burst warms the connections and the server's paths."""
    base, pid = target
    port = int(base.rsplit(":", 1)[1])
    if prepare is not None:
        with httpx.Client(base_url=base, timeout=30) as client:
            for n in range(clients):
                prepare(client, n)
    loadgen.back_to_back("127.0.0.1", port, request, 0.5, clients)
    cpu_before = cpu_seconds(pid)
    outcome = loadgen.back_to_back("127.0.0.1", port, request, seconds, clients)
    cpu = cpu_seconds(pid) - cpu_before
    errors = sum(count for status, count in outcome.statuses.items() if status != 201)
    return len(outcome.latencies_ms), errors, outcome.seconds, outcome.latencies_ms, cpu


Measure = Callable[[float], Run]  # one measurement of the given seconds on a running server


@contextmanager
def tiffin_server(
    url: str,
    label: str,
    clients: int,
    extra_env: dict[str, str] | None = None,
    *,
    checkout: Path | None = None,
    system: str = "tiffin",
) -> Iterator[Measure]:
    """tiffin serving ``url``; from ``checkout`` (an earlier commit's tree, ahead of the
    installed package on the path) when given."""
    venv = ROOT / ".venv" / "bin" / "tiffin"
    tiffin = [str(venv)] if venv.exists() else [sys.executable, "-m", "tiffin"]
    env = {"TIFFIN_DATABASE_URL": url, **LOAD_TEST_LIMITS, **(extra_env or {})}
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout)
    subprocess.run([*tiffin, "migrate"], env={**os.environ, **env}, check=True, capture_output=True)
    subprocess.run(
        [*tiffin, "seed", "--demo", "--if-empty"],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    port = free_port()
    tokens: dict[int, str] = {}
    body: dict[str, object] = {}
    encoded: list[bytes] = []  # the body, once the menu is known

    def prepare(client: httpx.Client, n: int) -> None:
        if n in tokens:
            return
        who = f"student{1 + n % 3}@campus.test"
        login = client.post(
            "/v1/auth/login", json={"tenant": "campus", "email": who, "password": "tiffin-demo"}
        )
        tokens[n] = login.json()["access_token"]
        auth = {"Authorization": f"Bearer {tokens[n]}"}
        if not body:
            merchant = client.get("/v1/merchants", headers=auth).json()[0]
            menu = client.get(f"/v1/merchants/{merchant['id']}", headers=auth).json()["menu"]
            body.update(
                merchant_id=merchant["id"], items=[{"item_id": menu[0]["id"], "quantity": 2}]
            )

    def place(k: int) -> bytes:  # request k goes out on connection k mod clients
        auth = {"Authorization": f"Bearer {tokens[k % clients]}"}
        return loadgen.request_bytes(
            "POST", "/v1/orders", payload(), {**auth, "Idempotency-Key": uuid.uuid4().hex}
        )

    def payload() -> bytes:
        if not encoded:
            encoded.append(json.dumps(body).encode())
        return encoded[0]

    with server([*tiffin, "serve", "--port", str(port)], port, env) as target:

        def measure(seconds: float) -> Run:
            done, errors, elapsed, lat, cpu = drive(target, place, clients, seconds, prepare)
            return Run(label, system, done, errors, elapsed, lat, cpu)

        yield measure


@contextmanager
def reference_server(url: str, label: str, clients: int) -> Iterator[Measure]:
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "reference_app:create_reference_app",
        "--app-dir",
        str(ROOT / "bench"),
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    payload = json.dumps({"merchant_id": "mer_1", "items": [{"item_id": "itm_1", "quantity": 2}]})
    request = loadgen.request_bytes("POST", "/orders", payload.encode(), {})

    def place(k: int) -> bytes:
        return request

    with server(cmd, port, {"REFERENCE_DATABASE_URL": url}) as target:

        def measure(seconds: float) -> Run:
            done, errors, elapsed, lat, cpu = drive(target, place, clients, seconds)
            return Run(label, "reference", done, errors, elapsed, lat, cpu)

        yield measure


@contextmanager
def postgres_database() -> Iterator[str]:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"tiffin_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def merged(runs: list[Run]) -> Run:
    """Several measurements of one system as one: totals, and every latency."""
    first = runs[0]
    return Run(
        first.database,
        first.system,
        sum(r.requests for r in runs),
        sum(r.errors for r in runs),
        sum(r.seconds for r in runs),
        [x for r in runs for x in r.latencies_ms],
        sum(r.server_cpu_seconds for r in runs),
    )


@dataclass
class Comparison:
    """One database's runs: the reference, tiffin, and tiffin at an earlier commit if asked."""

    reference: Run
    tiffin: Run
    ratios: list[float]  # tiffin / reference, per round
    earlier: Run | None = None
    earlier_ratios: list[float] | None = None  # tiffin / tiffin at the earlier commit, per round


def compare(
    label: str,
    url_for: Callable[[str], str],
    clients: int,
    seconds: float,
    rounds: int,
    earlier: tuple[str, Path] | None = None,
) -> Comparison:
    """The servers up side by side, measured in turn ``rounds`` times: a slow spell of this
    shared machine then falls on all of them, not on whichever ran last. ``earlier``: (commit,
    its checkout) to serve as a third system."""
    runs: dict[str, list[Run]] = {"reference": [], "tiffin": [], "earlier": []}
    with ExitStack() as servers:
        measures = {
            "reference": servers.enter_context(
                reference_server(url_for("reference"), label, clients)
            ),
            "tiffin": servers.enter_context(tiffin_server(url_for("tiffin"), label, clients)),
        }
        if earlier is not None:
            rev, tree = earlier
            measures["earlier"] = servers.enter_context(
                tiffin_server(
                    url_for("earlier"), label, clients, checkout=tree, system=f"tiffin at {rev}"
                )
            )
        for n in range(rounds):
            for name, measure in measures.items():
                runs[name].append(measure(seconds))
            print(
                f"{label} round {n + 1}: "
                + ", ".join(f"{name} {runs[name][-1].throughput:.0f}" for name in measures)
                + " orders/s",
                flush=True,
            )
    refs, ours, old = runs["reference"], runs["tiffin"], runs["earlier"]
    return Comparison(
        merged(refs),
        merged(ours),
        [t.throughput / r.throughput for r, t in zip(refs, ours, strict=True)],
        merged(old) if old else None,
        [t.throughput / o.throughput for o, t in zip(old, ours, strict=True)] if old else None,
    )


@contextmanager
def checkout_of(rev: str) -> Iterator[Path]:
    """A throwaway git worktree of ``rev``, removed afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(tree), rev],
            check=True,
        )
        try:
            yield tree
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=True
            )


def report(results: list[Comparison], clients: int, seconds: float, rounds: int) -> str:
    lines = [
        "# Order placement: tiffin vs a minimal FastAPI + SQLAlchemy insert endpoint",
        "",
        f"{clients} concurrent keep-alive clients; one uvicorn process per server, both running "
        f"side by side and measured in turn, {rounds} rounds of {seconds:g} s each; load "
        "generator in a separate process. Server CPU is the server process's user + system "
        "time per order while measured (background workers included).",
        "",
        "| database | system | orders/s | p50 ms | p99 ms | server CPU ms/order | errors "
        "| throughput ratio | ratio per round |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for c in results:
        ref = c.reference
        for r in (ref, c.tiffin, c.earlier):
            if r is None:
                continue
            ratio = r.throughput / ref.throughput
            rounds_cell = ", ".join(f"{x:.2f}" for x in c.ratios) if r is c.tiffin else ""
            lines.append(
                f"| {r.database} | {r.system} | {r.throughput:.0f} | {r.pct(0.5):.1f} | "
                f"{r.pct(0.99):.1f} | {r.cpu_ms_per_order:.2f} | {r.errors} | {ratio:.2f} | "
                f"{rounds_cell} |"
            )
    lines += ["", f"Target: tiffin >= {TARGET_RATIO} of the reference's throughput.", ""]
    for c in results:
        if c.earlier is not None and c.earlier_ratios is not None:
            lines.append(
                f"- {c.tiffin.database}: tiffin / {c.earlier.system}: "
                f"{c.tiffin.throughput / c.earlier.throughput:.2f} (per round "
                + ", ".join(f"{x:.2f}" for x in c.earlier_ratios)
                + f"); CPU per order {c.tiffin.cpu_ms_per_order:.2f} against "
                f"{c.earlier.cpu_ms_per_order:.2f} ms"
            )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=4, help="measurements of each system")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--against", metavar="REV", help="also serve tiffin as of this commit (a git worktree)"
    )
    args = parser.parse_args()
    results = []
    with ExitStack() as stack:
        earlier = None
        if args.against:
            earlier = (args.against, stack.enter_context(checkout_of(args.against)))
        if not args.skip_sqlite:
            tmp = stack.enter_context(tempfile.TemporaryDirectory())
            results.append(
                compare(
                    "SQLite",
                    lambda system: f"sqlite:///{tmp}/{system}.db",
                    args.clients,
                    args.seconds,
                    args.rounds,
                    earlier,
                )
            )
        if not args.skip_postgres:
            urls = {
                name: stack.enter_context(postgres_database())
                for name in ("reference", "tiffin", *(("earlier",) if earlier else ()))
            }
            results.append(
                compare(
                    "PostgreSQL", urls.__getitem__, args.clients, args.seconds, args.rounds, earlier
                )
            )
    table = report(results, args.clients, args.seconds, args.rounds)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "api_orders.md").write_text(table)
    worst = min(c.tiffin.throughput / c.reference.throughput for c in results)
    return 0 if worst >= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())

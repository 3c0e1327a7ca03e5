"""Live notification delay: from an anomaly's detection to the provider receiving the message.

A burst of merchant cancellations (a kitchen fire at lunch: ``--orders`` orders at once) goes
through the real platform with its real background workers on the system clock: the outbox
worker detects each cancellation, runs the playbook (refund, credit, message) and queues the
push; the sender posts it to a local HTTP provider that records when each message arrives. The
baseline, measured in the same run, is the floor: one HTTP POST to the same provider issued
synchronously, with no database and no queue.

    python bench/notify_latency.py [--orders 200] [--skip-postgres]

Writes bench/results/notify_latency.md. Target: p99 detection → provider ≤ 1 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tiffin.domain.order import Action  # noqa: E402
from tiffin.domain.principals import Principal, Role  # noqa: E402
from tiffin.ordering.service import LineRequest, act, place_order  # noqa: E402
from tiffin.platform import Platform  # noqa: E402
from tiffin.seed import seed_demo  # noqa: E402
from tiffin.settings import Settings  # noqa: E402
from tiffin.store import tables  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PG_ADMIN = os.environ.get(
    "TIFFIN_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TARGET_P99_S = 1.0


class Server(ThreadingHTTPServer):
    """The stdlib server with a real backlog: its default of 5 drops a burst's connections,
    and the client's SYN retry then costs a whole second."""

    request_queue_size = 256
    daemon_threads = True


class Provider:
    """A push provider on 127.0.0.1 that notes when each message (by Idempotency-Key) lands."""

    def __init__(self) -> None:
        self.received: dict[str, float] = {}
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                self.rfile.read(int(self.headers["Content-Length"]))
                received.setdefault(self.headers["Idempotency-Key"], time.time())
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            protocol_version = "HTTP/1.1"  # keep-alive, as real providers

        def log_message(self, *args: object) -> None:
            pass

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/push"


@dataclass
class Result:
    database: str
    system: str
    samples: list[float]  # seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def burst(url: str, provider: Provider, orders: int) -> tuple[Result, Result]:
    settings = Settings(database_url=url, push_webhook_url=provider.url, dispatch_seconds=3600)
    platform = Platform.build(settings)
    platform.db.migrate()
    with platform.uow() as uow:
        seed_demo(uow)
        uow.commit()
    with platform.uow() as uow:
        users = uow.conn.execute(select(tables.users)).mappings().all()
        uow.conn.execute(update(tables.customers).values(contact_channel="push"))
        uow.commit()
    customers = [
        Principal(u["id"], u["tenant_id"], Role.CUSTOMER, u["subject_id"])
        for u in users
        if u["role"] == "customer"
    ]
    merchant = next(u for u in users if u["email"] == "canteen1@campus.test")
    boss = Principal(merchant["id"], merchant["tenant_id"], Role.MERCHANT, merchant["subject_id"])
    with platform.uow() as uow:
        item = (
            uow.conn.execute(
                select(tables.menu_items.c.id).where(
                    tables.menu_items.c.merchant_id == merchant["subject_id"]
                )
            )
            .scalars()
            .first()
        )
    ids = []
    for n in range(orders):
        with platform.uow() as uow:
            order = place_order(
                uow,
                customers[n % len(customers)],
                merchant_id=merchant["subject_id"],
                lines=[LineRequest(str(item), 1)],
            )
            uow.commit()
            ids.append(order.id)
    platform.outbox_runner().run_until_idle()  # the placements' messages, before the clock runs
    platform.start_workers()
    for order_id in ids:  # the kitchen fire: every order declined, as fast as the API would
        with platform.uow() as uow:
            act(uow, boss, order_id, Action.REJECT, reason="kitchen fire")
            uow.commit()
    deadline = time.time() + 120
    while time.time() < deadline and len(provider.received) < orders:
        time.sleep(0.05)
    platform.stop()
    platform = Platform.build(settings)
    with platform.uow(read_only=True) as uow:
        n = tables.notifications.c
        a = tables.anomalies.c
        o = tables.orders.c
        rows = uow.conn.execute(
            select(n.id, a.detected_at, o.finished_at)
            .join(tables.anomalies, a.id == n.anomaly_id)
            .join(tables.orders, o.id == a.order_id)
            .where(n.customer_id.is_not(None))
        ).all()
    platform.db.dispose()
    notify = [
        provider.received[r.id] - r.detected_at.timestamp()
        for r in rows
        if r.id in provider.received
    ]
    detect = [(r.detected_at - r.finished_at).total_seconds() for r in rows]
    missing = len(rows) - len(notify)
    if missing or len(rows) != orders:
        raise SystemExit(f"{missing} messages never arrived; {len(rows)} of {orders} queued")
    database = "postgresql" if url.startswith("postgresql") else "sqlite"
    return Result(database, "tiffin: detection → provider", notify), Result(
        database, "tiffin: event → detection", detect
    )


def direct_post(provider: Provider, n: int) -> Result:
    """The floor: one synchronous POST per message, no database, no queue."""
    samples = []
    with httpx.Client() as client:
        for i in range(n):
            began = time.time()
            client.post(
                provider.url, json={"to": "x", "body": "x"}, headers={"Idempotency-Key": f"d{i}"}
            )
            samples.append(time.time() - began)
    return Result("-", "baseline: direct POST", samples)


def postgres_database() -> tuple[str, str] | None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"tiffin_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - no server: say so and skip
        print(f"PostgreSQL not reachable ({type(exc).__name__}); skipping it")
        return None
    finally:
        admin.dispose()
    return make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False), name


def drop_postgres(name: str) -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        provider = Provider()
        results += burst(f"sqlite:///{tmp}/bench.db", provider, args.orders)
    if not args.skip_postgres and (pg := postgres_database()) is not None:
        url, name = pg
        try:
            results += burst(url, Provider(), args.orders)
        finally:
            drop_postgres(name)
    floor = direct_post(Provider(), args.orders)
    lines = [
        "# Notification delay (live, system clock)",
        "",
        f"{args.orders} merchant cancellations at once; push provider on 127.0.0.1; "
        f"measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on this machine.",
        "",
        "| database | measure | p50 ms | p99 ms | max ms | p99 / floor p99 |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in [*results, floor]:
        ratio = r.pct(0.99) / floor.pct(0.99)
        lines.append(
            f"| {r.database} | {r.system} | {r.pct(0.5) * 1000:.0f} | {r.pct(0.99) * 1000:.0f} "
            f"| {max(r.samples) * 1000:.0f} | {ratio:.1f} |"
        )
    worst = max(r.pct(0.99) for r in results if "provider" in r.system)
    verdict = "meets" if worst <= TARGET_P99_S else "MISSES"
    lines += [
        "",
        f"Target: p99 detection → provider ≤ {TARGET_P99_S:g} s: **{verdict}** "
        f"(worst p99 {worst * 1000:.0f} ms).",
    ]
    table = "\n".join(lines) + "\n"
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "notify_latency.md").write_text(table)


if __name__ == "__main__":
    main()

"""The overload drill: measure what the core can do, drive three times that, mixed across the
classes, and check the core kept going while deferrable work was shed first.

1. Unloaded: one customer places orders one after another (core p99 unloaded), then four at
   once for the same time (core capacity, orders per second).
2. Overloaded: client threads offer 3x that capacity in requests per second: a fifth core
   (placements; a refused one is retried with its idempotency key), three tenths important
   (tracking an order, the exception queue) and half deferrable (browsing merchants, the care
   report, the forecast). Each thread paces itself and waits for its answer, so the load is
   bounded by the threads; all of it is loopback HTTP to a real ``tiffin serve``.
3. Recovery: after the load stops, how long until a deferrable request is served again and
   /readyz reports admission back to normal, without anyone touching anything (target 30 s).
4. Audit: every acknowledged order exists once (``tiffin.drills.audit``).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tiffin.drills.audit import audit
from tiffin.drills.load import Ledger, Server
from tiffin.drills.scenarios import prepare
from tiffin.seed import DEMO_PASSWORD

CORE, IMPORTANT, DEFERRABLE = "core", "important", "deferrable"
MIX = {CORE: 0.2, IMPORTANT: 0.3, DEFERRABLE: 0.5}
THREADS = {CORE: 4, IMPORTANT: 6, DEFERRABLE: 10}
CORE_RETRIES = 20


@dataclass
class Tally:
    """Answers per class: successes, refusals (503), failures, latencies of successes."""

    ok: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    shed: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    failed: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, status: int, took: float) -> None:
        with self.lock:
            if status < 300:
                self.ok[kind] += 1
                self.seconds[kind].append(took)
            elif status == 503:
                self.shed[kind] += 1
            else:
                self.failed[kind] += 1

    def total(self, kind: str) -> int:
        return self.ok[kind] + self.shed[kind] + self.failed[kind]


def p99_ms(values: list[float]) -> float | None:
    if len(values) < 2:
        return round(values[0] * 1000, 1) if values else None
    return round(statistics.quantiles(values, n=100)[98] * 1000, 1)


def pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


class Session:
    """One logged-in HTTP client."""

    def __init__(self, base: str, email: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=30)
        r = self.client.post(
            "/v1/auth/login", json={"tenant": "campus", "email": email, "password": DEMO_PASSWORD}
        )
        r.raise_for_status()
        self.client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"

    def get(self, path: str) -> httpx.Response:
        return self.client.get(path)


@dataclass
class Shop:
    """What placing an order needs: a merchant and an item of its menu."""

    merchant_id: str
    item_id: str


def _shop(base: str) -> Shop:
    kitchen = Session(base, "canteen1@campus.test")
    me = kitchen.get("/v1/merchants/me").json()
    return Shop(me["id"], me["menu"][0]["id"])


def _place(
    customer: Session, shop: Shop, ledger: Ledger, key: str, stop: threading.Event | None = None
) -> tuple[int, float, str | None]:
    """Place one order, retrying a refusal with the same key; (status, seconds, order id)."""
    body = {"merchant_id": shop.merchant_id, "items": [{"item_id": shop.item_id, "quantity": 1}]}
    began = time.perf_counter()
    with ledger.lock:
        ledger.keys_tried.add(key)
    status = 0
    for _ in range(CORE_RETRIES):
        try:
            r = customer.client.post("/v1/orders", json=body, headers={"Idempotency-Key": key})
        except httpx.TransportError:
            time.sleep(0.05)
            continue
        status = r.status_code
        if status < 300:
            order_id = str(r.json()["id"])
            with ledger.lock:
                ledger.placed[key] = order_id
            return status, time.perf_counter() - began, order_id
        if status != 503 and status < 500:
            break
        time.sleep(min(float(r.headers.get("Retry-After", "1")), 0.2))
    return status, time.perf_counter() - began, None


def _closed_loop(base: str, shop: Shop, ledger: Ledger, n: int, seconds: float) -> list[float]:
    """``n`` customers placing orders back to back for ``seconds``; every latency."""
    took: list[float] = []
    lock = threading.Lock()
    sessions = [Session(base, f"student{i % 3 + 1}@campus.test") for i in range(n)]
    until = time.monotonic() + seconds  # logins (password hashing) are not part of the time

    def customer(i: int) -> None:
        count = 0
        while time.monotonic() < until:
            count += 1
            status, seconds_, _ = _place(sessions[i], shop, ledger, f"cap-{n}-{i}-{count}")
            if status < 300:
                with lock:
                    took.append(seconds_)

    threads = [threading.Thread(target=customer, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return took


def _paced(rate: float, stop: threading.Event, work: Callable[[], None]) -> None:
    """Call ``work()`` ``rate`` times a second until ``stop`` (falling behind when slow)."""
    gap = 1 / rate
    next_at = time.monotonic()
    while not stop.is_set():
        now = time.monotonic()
        if now < next_at:
            stop.wait(next_at - now)
        next_at = max(next_at + gap, time.monotonic() - 1)  # never a burst to catch up
        work()


def _overload(
    base: str, shop: Shop, ledger: Ledger, capacity: float, seconds: float, tally: Tally
) -> None:
    stop = threading.Event()
    offered = 3 * capacity
    ops = Session(base, "ops@campus.test")
    placed: defaultdict[str, list[str]] = defaultdict(list)  # by customer: theirs to track
    threads: list[threading.Thread] = []

    def timed(kind: str, session: Session, path: str) -> None:
        began = time.perf_counter()
        try:
            status = session.get(path).status_code
        except httpx.TransportError:
            status = 599
        tally.add(kind, status, time.perf_counter() - began)

    def placing(session: Session, i: int, who: str) -> Callable[[], None]:
        count = iter(range(10**9))

        def work() -> None:
            status, took, order_id = _place(session, shop, ledger, f"over-{i}-{next(count)}")
            tally.add(CORE, status, took)
            if order_id:
                placed[who].append(order_id)

        return work

    def tracking(session: Session, who: str) -> Callable[[], None]:
        def work() -> None:
            if session is not ops and placed[who]:
                timed(IMPORTANT, session, f"/v1/orders/{placed[who][-1]}")  # their own order
            else:
                timed(IMPORTANT, ops, "/v1/anomalies?limit=20")  # the exception queue

        return work

    def browsing(path: str) -> Callable[[], None]:
        return lambda: timed(DEFERRABLE, ops, path)

    deferrable = ["/v1/merchants", "/v1/care/report", "/v1/dispatch/forecast"]
    for kind, share in MIX.items():
        rate = offered * share / THREADS[kind]
        for i in range(THREADS[kind]):
            who = f"student{i % 3 + 1}@campus.test"
            if kind == CORE:
                work = placing(Session(base, who), i, who)
            elif kind == IMPORTANT:
                work = tracking(Session(base, who) if i % 2 else ops, who)
            else:
                work = browsing(deferrable[i % len(deferrable)])
            threads.append(threading.Thread(target=_paced, args=(rate, stop, work), daemon=True))
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=60)


def _recovery(base: str, timeout: float = 60) -> float | None:
    """Seconds until a deferrable request is served and admission reports normal again."""
    ops = Session(base, "ops@campus.test")
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        browse = ops.get("/v1/merchants").status_code
        ready = ops.get("/readyz").json().get("checks", {})
        if browse == 200 and ready.get("admission", {}).get("level") == "normal":
            return round(time.monotonic() - began, 2)
        time.sleep(0.25)
    return None


@dataclass
class Overload:
    figures: dict[str, Any]

    @property
    def ok(self) -> bool:
        f = self.figures
        unloaded = f["core_p99_ms_unloaded"] or 0
        return bool(
            (f["core_success_pct"] or 0) >= 99
            and f["core_p99_ms"] is not None
            and f["core_p99_ms"] <= 3 * max(unloaded, 1)
            and f["lost"] == 0
            and f["duplicated"] == 0
            and f["shed_deferrable_first"]
            and f["recovery_s"] is not None
            and f["recovery_s"] <= 30
        )


def run(database_url: str, *, workdir: Path, seconds: float = 60) -> Overload:
    """The whole drill against a server on ``database_url`` (which ``prepare`` checks)."""
    prepare(database_url)
    server = Server(database_url, workdir / "overload-server.log")
    ledger, tally = Ledger(), Tally()
    server.start()
    try:
        server.wait_healthy()
        shop = _shop(server.base)
        warm = max(2.0, seconds / 10)
        _closed_loop(server.base, shop, ledger, 1, 1.0)  # warm the caches
        unloaded = _closed_loop(server.base, shop, ledger, 1, warm)
        busy = _closed_loop(server.base, shop, ledger, 4, warm)
        capacity = max(len(busy), 1) / warm
        _overload(server.base, shop, ledger, capacity, seconds, tally)
        recovery = _recovery(server.base)
    finally:
        server.stop()
    report = audit(database_url, ledger, kills=0, recovery=[])
    shed = {k: pct(tally.shed[k], tally.total(k)) or 0.0 for k in MIX}
    figures = {
        "database": database_url.split(":")[0],
        "seconds": seconds,
        "core_capacity_per_s": round(capacity, 1),
        "offered_per_s": round(3 * capacity, 1),
        "requests": {k: tally.total(k) for k in MIX},
        "core_success_pct": pct(tally.ok[CORE], tally.total(CORE)),
        "core_p99_ms": p99_ms(tally.seconds[CORE]),
        "core_p99_ms_unloaded": p99_ms(unloaded),
        "important_success_pct": pct(tally.ok[IMPORTANT], tally.total(IMPORTANT)),
        "deferrable_shed_pct": shed[DEFERRABLE],
        "important_shed_pct": shed[IMPORTANT],
        "core_shed_pct": shed[CORE],
        "shed_deferrable_first": shed[DEFERRABLE] >= shed[IMPORTANT] >= shed[CORE],
        "acknowledged": report.acknowledged,
        "lost": report.lost,
        "duplicated": report.duplicated,
        "recovery_s": recovery,
        "problems": report.problems[:20],
    }
    return Overload(figures)

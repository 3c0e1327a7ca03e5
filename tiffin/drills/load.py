"""The crash drill's load: ``tiffin serve`` as a killable child process, and HTTP clients
(customers with their canteens, riders) that retry through crashes and write down every 2xx
answer in a ``Ledger``."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tiffin.seed import DEMO_PASSWORD

TRANSIENT = (httpx.TransportError,)
CAMPUS_SPOT = {"lat": 31.0330, "lon": 121.4400}


# A load generator is many customers behind one address: lift the rate limits for it.
LOAD_TEST_LIMITS = {
    "TIFFIN_RATE_LIMIT_LOGIN": "100000/minute",
    "TIFFIN_RATE_LIMIT_ORDERS": "100000/minute",
    "TIFFIN_RATE_LIMIT_ORDERS_PER_IP": "1000000/minute",
    # A handful of synthetic customers ordering many times a second is exactly what the risk
    # rules' velocity checks block (403 risk_blocked); a load drill measures the server, so
    # placement skips risk here (bench/api_orders.py and bench/risk.py turn it back on).
    "TIFFIN_RISK_ON_ORDERS": "false",
}


@dataclass
class Ledger:
    """What the clients were told, and when writes succeeded."""

    placed: dict[str, str] = field(default_factory=dict)  # idempotency key -> order id
    steps: list[tuple[str, str]] = field(default_factory=list)  # (order id, action) acked
    keys_tried: set[str] = field(default_factory=set)
    write_times: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wrote(self) -> None:
        with self.lock:
            self.write_times.append(time.monotonic())


class Server:
    """``tiffin serve`` in a child process, killable and restartable."""

    def __init__(self, database_url: str, log: Path, zones: int = 1) -> None:
        self.database_url = database_url
        self.zones = zones
        self.port = _free_port()
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> float:
        env = os.environ | {
            "TIFFIN_DATABASE_URL": self.database_url,
            "TIFFIN_DISPATCH_SECONDS": "0.5",
            "TIFFIN_ANOMALY_SCAN_SECONDS": "1",
            "TIFFIN_DISPATCH_ZONES": str(self.zones),
            **LOAD_TEST_LIMITS,
        }
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tiffin", "serve", "--port", str(self.port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return time.monotonic()

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except TRANSIENT:
                time.sleep(0.05)
        raise RuntimeError(f"tiffin did not come up; see {self.log}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


class Actor:
    """One HTTP client that retries through crashes (and, given several servers, moves to the
    next one when its server stops answering, as a load balancer would)."""

    def __init__(self, servers: list[Server], ledger: Ledger, stop: threading.Event) -> None:
        self.servers, self.ledger, self.stop = servers, ledger, stop
        self.client = httpx.Client(timeout=5)
        self.token = ""
        self.current = 0

    @property
    def base(self) -> str:
        return self.servers[self.current % len(self.servers)].base

    def call(self, method: str, path: str, **kw: Any) -> httpx.Response | None:
        """Send until a definitive answer (not a dropped connection or a 5xx); None on stop."""
        headers = kw.pop("headers", {})
        while not self.stop.is_set():
            auth = {"Authorization": f"Bearer {self.token}"} if self.token else {}
            try:
                r = self.client.request(method, f"{self.base}{path}", headers=auth | headers, **kw)
            except TRANSIENT:
                self.current += 1
                time.sleep(0.05)
                continue
            if r.status_code >= 500:
                time.sleep(0.05)
                continue
            if method != "GET" and r.status_code < 300:
                self.ledger.wrote()
            return r
        return None

    def login(self, email: str) -> None:
        r = self.call(
            "POST",
            "/v1/auth/login",
            json={"tenant": "campus", "email": email, "password": DEMO_PASSWORD},
        )
        if r is not None:
            self.token = r.json()["access_token"]

    def step(self, order_id: str, path: str, action: str, **kw: Any) -> httpx.Response | None:
        """One life-cycle step; a 2xx answer is written down as acknowledged."""
        r = self.call("POST", f"/v1/orders/{order_id}/{path}", **kw)
        if r is not None and r.status_code < 300:
            with self.ledger.lock:
                self.ledger.steps.append((order_id, action))
        return r


def _customer_and_kitchen(
    servers: list[Server], ledger: Ledger, stop: threading.Event, n: int, rng: random.Random
) -> None:
    customer, kitchen = Actor(servers, ledger, stop), Actor(servers, ledger, stop)
    customer.login(f"student{n}@campus.test")
    kitchen.login(f"canteen{n}@campus.test")
    me = kitchen.call("GET", "/v1/merchants/me")
    if me is None:
        return
    merchant = me.json()
    item = merchant["menu"][0]["id"]
    count = 0
    while not stop.is_set():
        count += 1
        key = f"drill-{n}-{count}-{rng.random():.6f}"
        with ledger.lock:
            ledger.keys_tried.add(key)
        body = {"merchant_id": merchant["id"], "items": [{"item_id": item, "quantity": 1}]}
        r = customer.call("POST", "/v1/orders", json=body, headers={"Idempotency-Key": key})
        if r is None or r.status_code >= 300:
            continue
        order_id = r.json()["id"]
        with ledger.lock:
            ledger.placed[key] = order_id
        if rng.random() < 0.25:
            kitchen.step(order_id, "reject", "reject", json={"reason": "drill: sold out"})
            continue
        accepted = kitchen.step(order_id, "accept", "accept")
        if accepted is not None and accepted.status_code < 300:
            kitchen.step(order_id, "ready", "mark_ready")


def _rider(servers: list[Server], ledger: Ledger, stop: threading.Event, n: int) -> None:
    rider = Actor(servers, ledger, stop)
    rider.login(f"rider{n}@campus.test")
    rider.call("POST", "/v1/riders/me/shift/start", json={"location": CAMPUS_SPOT})
    while not stop.is_set():
        offers = rider.call("GET", "/v1/riders/me/offers")
        if offers is None or offers.status_code != 200 or not offers.json():
            time.sleep(0.1)
            continue
        offer = offers.json()[0]
        taken = rider.call("POST", f"/v1/offers/{offer['id']}/accept")
        if taken is None or taken.status_code >= 300:
            continue
        with ledger.lock:
            ledger.steps.append((offer["order_id"], "assign"))
        order_id = offer["order_id"]
        while not stop.is_set():
            r = rider.step(order_id, "pickup", "pick_up")
            if r is None or r.status_code < 300:
                break
            if r.json().get("code") != "food_not_ready":
                break  # picked up already (an answer lost in a crash) or cancelled
            time.sleep(0.2)
        rider.step(order_id, "deliver", "deliver")


def start_load(
    servers: list[Server], ledger: Ledger, stop: threading.Event, seed: int
) -> list[threading.Thread]:
    """Three customers with their canteens, and three riders, until ``stop``."""
    threads = [
        threading.Thread(
            target=_customer_and_kitchen,
            args=(servers, ledger, stop, n, random.Random(seed * 100 + n)),
            daemon=True,
        )
        for n in (1, 2, 3)
    ] + [
        threading.Thread(target=_rider, args=(servers, ledger, stop, n), daemon=True)
        for n in (1, 2, 3)
    ]
    for t in threads:
        t.start()
    return threads


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])

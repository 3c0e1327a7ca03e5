"""The crash drill: kill -9 a serving tiffin again and again under load, then audit the database.

Customers place orders (retrying with the same idempotency key until they get an answer),
canteens accept, cook or decline them, riders take the dispatcher's offers, pick up and deliver,
all over HTTP against a real ``tiffin serve`` process, which is SIGKILLed at random moments and
restarted. Every 2xx answer a client received is written down. At the end the workers drain
what is left and the drill checks the database against those answers:

- lost: an acknowledged order that does not exist, or an acknowledged step missing from its
  order's history;
- duplicated: an idempotency key behind two orders, an order without its key, or a step
  recorded twice;
- side effects lost or duplicated: an order event without exactly one inbox message, a declined
  order without exactly one anomaly, one grant and one customer notification.

Recovery time is from the restart to the first successful write after it.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from tiffin.seed import DEMO_PASSWORD, seed_demo
from tiffin.settings import Settings
from tiffin.store import tables
from tiffin.store.db import Database

TRANSIENT = (httpx.TransportError,)
CAMPUS_SPOT = {"lat": 31.0330, "lon": 121.4400}
INBOX_ACTIONS = {"placed", "accept", "mark_ready", "assign", "pick_up", "deliver"}


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


@dataclass
class Report:
    kills: int
    acknowledged: int
    acknowledged_steps: int
    lost: int
    duplicated: int
    effects_lost: int
    effects_duplicated: int
    recovery_s: list[float]
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.effects_lost or self.effects_duplicated)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kills": self.kills,
            "acknowledged": self.acknowledged,
            "acknowledged_steps": self.acknowledged_steps,
            "lost": self.lost,
            "duplicated": self.duplicated,
            "effects_lost": self.effects_lost,
            "effects_duplicated": self.effects_duplicated,
            "recovery_s_median": round(statistics.median(self.recovery_s), 3)
            if self.recovery_s
            else None,
            "recovery_s_max": round(max(self.recovery_s), 3) if self.recovery_s else None,
            "problems": self.problems[:20],
        }


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


def prepare(database_url: str) -> None:
    """Migrate, and seed the demo campus if the database is empty."""
    from tiffin.platform import Platform

    db = Database(database_url)
    db.migrate()
    with db.engine.begin() as conn:
        empty = conn.execute(select(func.count()).select_from(tables.tenants)).scalar() == 0
    db.dispose()
    if empty:
        platform = Platform.build(Settings(database_url=database_url))
        with platform.uow() as uow:
            seed_demo(uow)
            uow.commit()
        platform.db.dispose()


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


def run(
    database_url: str,
    *,
    kills: int = 20,
    gap_seconds: tuple[float, float] = (0.5, 2.0),
    seed: int = 1,
    workdir: Path,
) -> Report:
    prepare(database_url)
    rng = random.Random(seed)
    server = Server(database_url, workdir / "drill-server.log")
    ledger, stop = Ledger(), threading.Event()
    server.start()
    server.wait_healthy()
    threads = start_load([server], ledger, stop, seed)
    restarts: list[float] = []
    try:
        for _ in range(kills):
            time.sleep(rng.uniform(*gap_seconds))  # load runs; then, at a random moment:
            server.kill()
            restarts.append(server.start())
            server.wait_healthy()  # a supervisor would restart it the same way
        time.sleep(2 * max(gap_seconds))
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
        server.stop()
    recovery = []
    for at in restarts:
        after = [w for w in ledger.write_times if w > at]
        if after:
            recovery.append(min(after) - at)
    return audit(database_url, ledger, kills=kills, recovery=recovery)


@dataclass
class Failover:
    takeover_s: float | None
    double_assignments: int
    orders_assigned: int
    leader_before: str
    leader_after: str | None
    audit: Report
    zones_before: dict[str, int] = field(default_factory=dict)  # holder -> zones led
    zones_after: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.takeover_s is not None and not self.double_assignments and self.audit.ok

    def as_dict(self) -> dict[str, Any]:
        return {
            "takeover_s": round(self.takeover_s, 2) if self.takeover_s is not None else None,
            "double_assignments": self.double_assignments,
            "orders_assigned": self.orders_assigned,
            "leader_before": self.leader_before,
            "leader_after": self.leader_after,
            "zones_before": self.zones_before,
            "zones_after": self.zones_after,
            "acknowledged": self.audit.acknowledged,
            "lost": self.audit.lost,
            "duplicated": self.audit.duplicated,
            "problems": self.audit.problems[:20],
        }


def failover(
    database_url: str, *, workdir: Path, seed: int = 1, load_seconds: float = 4, zones: int = 1
) -> Failover:
    """Two servers on one PostgreSQL database under load; SIGKILL the dispatch leader and time
    how long until the other leads, then check no order was assigned twice. With ``zones`` > 1
    each tenant's dispatch is split into zones with a lease each: the drill waits until the
    zones are spread over both servers, kills one, and times until the other leads them all."""
    prepare(database_url)
    servers = [Server(database_url, workdir / f"failover-{n}.log", zones) for n in (1, 2)]
    for server in servers:
        server.start()
    for server in servers:
        server.wait_healthy()
    ledger, stop = Ledger(), threading.Event()
    threads = start_load(servers, ledger, stop, seed)
    by_pid = {s.process.pid: s for s in servers if s.process is not None}
    takeover: float | None = None
    before = after = None
    spread: dict[str, int] = {}
    taken: dict[str, int] = {}
    try:
        if zones > 1:
            spread = _wait_zones(database_url, set(by_pid), spread_over=2, timeout=60)
            first = next(iter(spread))
            before = (first, int(first.split(":")[1]))
        else:
            before = _wait_leader(database_url, set(by_pid), timeout=30)
        time.sleep(load_seconds)
        leader = by_pid[before[1]]
        leader.kill()
        killed_at = time.monotonic()
        survivor = {pid for pid in by_pid if pid != before[1]}
        if zones > 1:
            taken = _wait_zones(database_url, survivor, spread_over=1, timeout=60)
            holder = next(iter(taken))
            after = (holder, int(holder.split(":")[1]))
        else:
            after = _wait_leader(database_url, survivor, timeout=60)
        takeover = time.monotonic() - killed_at
        time.sleep(load_seconds)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
        for server in servers:
            server.stop()
    report = audit(database_url, ledger, kills=1, recovery=[takeover] if takeover else [])
    db = Database(database_url)
    with db.engine.connect() as conn:
        tr, ofr = tables.order_transitions.c, tables.offers.c
        assigns = Counter(conn.execute(select(tr.order_id).where(tr.action == "assign")).scalars())
        accepted = Counter(
            conn.execute(select(ofr.order_id).where(ofr.status == "accepted")).scalars()
        )
    db.dispose()
    doubles = sum(1 for n in assigns.values() if n > 1) + sum(1 for n in accepted.values() if n > 1)
    return Failover(
        takeover,
        doubles,
        len(assigns),
        before[0] if before else "none",
        after[0] if after else None,
        report,
        spread,
        taken,
    )


def _wait_leader(database_url: str, pids: set[int], *, timeout: float) -> tuple[str, int]:
    """Poll the leases until one of ``pids`` leads every tenant's dispatch; (holder, pid)."""
    db = Database(database_url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with db.engine.connect() as conn:
                holders = set(
                    conn.execute(
                        select(tables.leases.c.holder).where(
                            tables.leases.c.name.like("dispatch:%")
                        )
                    ).scalars()
                )
            pids_now = {int(h.split(":")[1]) for h in holders}
            if len(holders) == 1 and pids_now <= pids:
                holder = holders.pop()
                return holder, int(holder.split(":")[1])
            time.sleep(0.1)
    finally:
        db.dispose()
    raise RuntimeError("no dispatch leader emerged in time")


def _wait_zones(
    database_url: str, pids: set[int], *, spread_over: int, timeout: float
) -> dict[str, int]:
    """Poll the zone leases until every one is live and held by exactly ``spread_over`` of
    ``pids``; holder -> zones held."""
    db = Database(database_url)
    deadline = time.monotonic() + timeout
    t = tables.leases.c
    try:
        while time.monotonic() < deadline:
            with db.engine.connect() as conn:
                rows = conn.execute(
                    select(t.holder, t.expires_at >= func.now()).where(t.name.like("dispatch:%:z%"))
                ).all()
            held = Counter(holder for holder, alive in rows if alive)
            live = sum(held.values()) == len(rows) > 0
            pids_now = {int(h.split(":")[1]) for h in held}
            if live and len(held) == spread_over and pids_now <= pids:
                return dict(held)
            time.sleep(0.1)
    finally:
        db.dispose()
    raise RuntimeError(f"the zones were not led by {spread_over} process(es) in time")


def audit(database_url: str, ledger: Ledger, *, kills: int, recovery: list[float]) -> Report:
    """Drain what the workers left, then check the database against every answer."""
    from tiffin.platform import Platform

    platform = Platform.build(Settings(database_url=database_url))
    platform.outbox_runner().run_until_idle()
    platform.notification_sender().run_until_idle()
    problems: list[str] = []
    lost = duplicated = effects_lost = effects_duplicated = 0
    with platform.uow(read_only=True) as uow:
        conn = uow.conn
        o, t, k = tables.orders.c, tables.order_transitions.c, tables.idempotency_keys.c
        order_ids = set(conn.execute(select(o.id)).scalars())
        for key, order_id in ledger.placed.items():
            if order_id not in order_ids:
                lost += 1
                problems.append(f"order {order_id} (key {key}) was acknowledged but is missing")
        by_key = Counter(
            r["response"].get("id") for r in conn.execute(select(k.response, k.key)).mappings()
        )
        keyed = {oid for oid in by_key if oid}
        for order_id in order_ids - keyed:  # every order comes through the API, with a key
            duplicated += 1
            problems.append(f"order {order_id} exists without the idempotency key behind it")
        duplicated += sum(1 for oid, n in by_key.items() if oid and n > 1)
        history: dict[str, Counter[str]] = defaultdict(Counter)
        for order_id, action in conn.execute(select(t.order_id, t.action)):
            history[order_id][action] += 1
        for order_id, action in ledger.steps:
            if history[order_id][action] == 0:
                lost += 1
                problems.append(f"{action} on {order_id} was acknowledged but is not recorded")
        for order_id, actions in history.items():
            for action, n in actions.items():
                if n > 1:
                    duplicated += 1
                    problems.append(f"{action} recorded {n} times on {order_id}")
        m = tables.inbox_messages.c
        messages = Counter(
            conn.execute(select(m.event_id).where(m.event_id.is_not(None))).scalars()
        )
        ob = tables.outbox.c
        for event_id, topic in conn.execute(select(ob.id, ob.topic)):
            if topic.removeprefix("order.") not in INBOX_ACTIONS:
                continue
            if messages[event_id] == 0:
                effects_lost += 1
                problems.append(f"event {event_id} ({topic}) produced no inbox message")
            elif messages[event_id] > 1:
                effects_duplicated += 1
        rejected = set(conn.execute(select(t.order_id).where(t.action == "reject")).scalars())
        a, g, nt = tables.anomalies.c, tables.grants.c, tables.notifications.c
        anomalies = Counter(conn.execute(select(a.order_id)).scalars())
        grants = Counter(conn.execute(select(g.order_id)).scalars())
        told = Counter(
            conn.execute(select(nt.order_id).where(nt.recipient.like("customer:%"))).scalars()
        )
        for order_id in rejected:
            for what, counts in (("anomaly", anomalies), ("grant", grants), ("message", told)):
                if counts[order_id] == 0:
                    effects_lost += 1
                    problems.append(f"declined order {order_id} has no {what}")
                elif counts[order_id] > 1:
                    effects_duplicated += 1
                    problems.append(f"declined order {order_id} has {counts[order_id]} {what}s")
    platform.stop()
    return Report(
        kills=kills,
        acknowledged=len(ledger.placed),
        acknowledged_steps=len(ledger.steps),
        lost=lost,
        duplicated=duplicated,
        effects_lost=effects_lost,
        effects_duplicated=effects_duplicated,
        recovery_s=recovery,
        problems=problems,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])

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

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from tiffin.drills.audit import Report, audit
from tiffin.drills.load import Ledger, Server, start_load
from tiffin.drills.safety import NotOurs, claim
from tiffin.seed import seed_demo
from tiffin.settings import Settings
from tiffin.store import tables
from tiffin.store.db import Database

__all__ = ["Failover", "NotOurs", "Report", "audit", "failover", "prepare", "run"]


def prepare(database_url: str) -> None:
    """Migrate, and seed the demo campus if the database is empty; refuse (``NotOurs``) a
    database holding data no drill created (``tiffin.drills.safety``)."""
    from tiffin.platform import Platform

    claim(database_url)
    db = Database(database_url)
    with db.engine.connect() as conn:
        empty = conn.execute(select(func.count()).select_from(tables.tenants)).scalar() == 0
    db.dispose()
    if empty:  # a new database, or a drill's that stopped before its seed
        platform = Platform.build(Settings(database_url=database_url))
        with platform.uow() as uow:
            seed_demo(uow)
            uow.commit()
        platform.db.dispose()


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
    started = time.monotonic()
    try:
        for _ in range(kills):
            # Kill under load: first a write acknowledged since the (re)start, so a slow machine
            # (clients still logging in) never turns the drill into kills of an idle server.
            _wait_for_a_write(ledger, since=restarts[-1] if restarts else started)
            time.sleep(rng.uniform(*gap_seconds))  # load runs; then, at a random moment:
            server.kill()
            restarts.append(server.start())
            server.wait_healthy()  # a supervisor would restart it the same way
        _wait_for_a_write(ledger, since=restarts[-1] if restarts else started)
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


def _wait_for_a_write(ledger: Ledger, *, since: float, timeout: float = 60.0) -> None:
    """Wait (at most ``timeout`` seconds) until the clients had a write acknowledged after
    ``since`` (a ``time.monotonic()`` instant)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with ledger.lock:
            if any(w > since for w in ledger.write_times):
                return
        time.sleep(0.05)


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

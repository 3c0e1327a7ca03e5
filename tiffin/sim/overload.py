"""The overload scenario: a lunch rush at three times the server's capacity, with one tenant
bursting, played on a virtual clock through the real admission rule
(``tiffin.resilience.admission``) and, for comparison, with every request admitted.

The server is a queue in front of four workers; each class has its own service time (a
placement 20 ms, a tracking read 10 ms, a report or browse 30 ms). Requests arrive at random
(seeded) from two tenants; the second sends five times its core rate from 20 s to 40 s. A
request's latency is its queue wait plus its service; the wait before a worker is the signal
the rule reads, as the write-slot wait is in the server.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tiffin.domain.priorities import Priority
from tiffin.resilience.admission import Admission, AdmissionLimits

WORKERS = 4
SERVICE_S = {Priority.CORE: 0.020, Priority.IMPORTANT: 0.010, Priority.DEFERRABLE: 0.030}
MIX = {Priority.CORE: 0.2, Priority.IMPORTANT: 0.3, Priority.DEFERRABLE: 0.5}
TENANTS = ("campus", "city")
SECONDS = 60.0
BURST = (20.0, 40.0)


@dataclass
class Outcome:
    offered: dict[str, int] = field(default_factory=dict)
    served: dict[str, int] = field(default_factory=dict)
    latencies: dict[str, list[float]] = field(default_factory=dict)

    def add(self, key: str, served: bool, latency: float | None = None) -> None:
        self.offered[key] = self.offered.get(key, 0) + 1
        if served:
            self.served[key] = self.served.get(key, 0) + 1
            self.latencies.setdefault(key, []).append(latency or 0.0)


def _arrivals(seed: int, load: float) -> list[tuple[float, Priority, str]]:
    """(time, class, tenant) for the whole run, at ``load`` times the workers' capacity."""
    rng = np.random.default_rng(seed)
    mean_service = sum(MIX[p] * SERVICE_S[p] for p in MIX)
    rate = load * WORKERS / mean_service  # requests per second, both tenants together
    found: list[tuple[float, Priority, str]] = []
    for tenant in TENANTS:
        for p, share in MIX.items():
            t = 0.0
            while t < SECONDS:
                burst = tenant == "city" and p is Priority.CORE and BURST[0] <= t < BURST[1]
                t += float(rng.exponential(1 / (rate * share / 2 * (5 if burst else 1))))
                if t < SECONDS:
                    found.append((t, p, tenant))
    return sorted(found, key=lambda a: a[0])


def play(seed: int, *, load: float = 3.0, admission: bool = True) -> Outcome:
    """One run: every arrival admitted or refused, queued, served."""
    now = [0.0]
    rule = Admission(AdmissionLimits(capacity=2 * WORKERS, wait_target_s=0.05), lambda: now[0])
    rng = np.random.default_rng(seed + 1)
    outcome = Outcome()
    free_at = [0.0] * WORKERS  # when each worker is next free
    done: list[tuple[float, int, str]] = []  # (finish time, seq, tenant) to release
    seq = itertools.count()
    for at, p, tenant in _arrivals(seed, load):
        now[0] = at
        while done and done[0][0] <= at:
            _, _, who = heapq.heappop(done)
            rule.release(who)
        key = f"{p.label}:{tenant}"
        if admission and rule.admit(p, tenant) is not None:
            outcome.add(key, False)
            continue
        if not admission:
            rule.in_flight += 1
            rule.by_tenant[tenant] += 1
        worker = min(range(WORKERS), key=lambda w: free_at[w])
        start = max(at, free_at[worker])
        rule.observe_wait(start - at)
        finish = start + float(rng.exponential(SERVICE_S[p]))
        free_at[worker] = finish
        heapq.heappush(done, (finish, next(seq), tenant))
        outcome.add(key, True, finish - at)
    return outcome


def _figures(o: Outcome) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in MIX:
        keys = [f"{p.label}:{t}" for t in TENANTS]
        offered = sum(o.offered.get(k, 0) for k in keys)
        served = sum(o.served.get(k, 0) for k in keys)
        lat = [x for k in keys for x in o.latencies.get(k, [])]
        out[f"{p.label}_success_pct"] = round(100 * served / offered, 1) if offered else None
        out[f"{p.label}_p99_ms"] = round(float(np.percentile(lat, 99)) * 1000, 1) if lat else None
    for t in TENANTS:
        k = f"core:{t}"
        offered = o.offered.get(k, 0)
        out[f"core_success_pct_{t}"] = (
            round(100 * o.served.get(k, 0) / offered, 1) if offered else None
        )
    return out


def run(seed: int = 1, load: float = 3.0) -> dict[str, Any]:
    """The scenario's figures: with the admission rule, and with everything admitted."""
    return {
        "scenario": "overload",
        "seed": seed,
        "load_x_capacity": load,
        "workers": WORKERS,
        "with_admission": _figures(play(seed, load=load, admission=True)),
        "without_admission": _figures(play(seed, load=load, admission=False)),
    }

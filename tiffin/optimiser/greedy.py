"""The strongest simple baseline: earliest-arrival greedy, committed at once.

Each order, the cycle it is placed, goes to the rider who can reach its restaurant first,
counting a busy rider from where and when their current work (and the orders already promised
to them) ends; the promise is never revisited. The rider sets off for it as soon as they are
free. Only when a rider leaves (drops out or ends the shift) are their promised orders placed
again. It needs memory across cycles, so it is a class: one instance per simulated day.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tiffin.optimiser.model import Assignment, Courier, DispatchParams, Job, Point, Snapshot
from tiffin.optimiser.routes import route_for
from tiffin.optimiser.zones import apply_zones


@dataclass
class EarliestArrival:
    """Promises per rider (in the order they will be served) and which rider holds each order."""

    queues: dict[str, list[Job]] = field(default_factory=dict)
    holder: dict[str, str] = field(default_factory=dict)
    last_now: int | None = None

    def __call__(self, snapshot: Snapshot, params: DispatchParams) -> list[Assignment]:
        now = snapshot.now
        if self.last_now is not None and now < self.last_now:  # a new day: forget the old one
            self.queues.clear()
            self.holder.clear()
        self.last_now = now
        couriers = {c.id: c for c in snapshot.couriers if c.off_at > now}
        jobs, _blocked = apply_zones(
            [j for j in snapshot.jobs if j.placed_at <= now], snapshot.closed_zones, now
        )
        open_jobs = {j.id: j for j in jobs}
        self._forget(open_jobs, couriers)
        free_at = {cid: self._available(c, now, params) for cid, c in couriers.items()}
        for job in sorted(open_jobs.values(), key=lambda j: (j.placed_at, j.id)):
            if job.id in self.holder:
                continue
            best: tuple[int, str] | None = None
            for cid, courier in couriers.items():
                if job.id in courier.excluded_jobs or courier.capacity <= 0:
                    continue
                at, where = free_at[cid]
                probe = Courier(cid, where, at, courier.off_at)
                route = route_for(probe, (job,), now, params)
                if route.pickup_at > courier.off_at:
                    continue
                if best is None or (route.arrive_merchant_at, cid) < best:
                    best = (route.arrive_merchant_at, cid)
            if best is None:
                continue  # nobody can: the order waits, as it would for any dispatcher
            cid = best[1]
            self.queues.setdefault(cid, []).append(job)
            self.holder[job.id] = cid
            at, where = free_at[cid]
            done = route_for(Courier(cid, where, at, 0), (job,), now, params).dropoff_at[0]
            free_at[cid] = (done, job.dropoff)
        return self._start(couriers, now, params)

    def _forget(self, open_jobs: dict[str, Job], couriers: dict[str, Courier]) -> None:
        """Drop promises for orders no longer open and re-place those of riders who left."""
        for cid in list(self.queues):
            kept = [j for j in self.queues[cid] if j.id in open_jobs and cid in couriers]
            for job in self.queues[cid]:
                if job not in kept:
                    self.holder.pop(job.id, None)
            self.queues[cid] = [open_jobs[j.id] for j in kept]

    def _available(self, courier: Courier, now: int, p: DispatchParams) -> tuple[int, Point]:
        """When and where the rider will be free after everything promised to them."""
        at, where = max(now, courier.free_at), courier.position
        for job in self.queues.get(courier.id, []):
            at = route_for(Courier(courier.id, where, at, 0), (job,), now, p).dropoff_at[0]
            where = job.dropoff
        return at, where

    def _start(self, couriers: dict[str, Courier], now: int, p: DispatchParams) -> list[Assignment]:
        """Send every free rider to the first order promised to them."""
        decisions = []
        for cid, queue in self.queues.items():
            courier = couriers.get(cid)
            if not queue or courier is None or courier.free_at > now:
                continue
            job = queue.pop(0)
            del self.holder[job.id]
            route = route_for(courier, (job,), now, p)
            if route.pickup_at > courier.off_at:
                continue  # promised too late after all: placed again next cycle
            decisions.append(Assignment(cid, (job.id,), route, float(route.dropoff_at[0])))
        return decisions


def earliest_arrival(snapshot: Snapshot, params: DispatchParams) -> list[Assignment]:
    """One cycle of the earliest-arrival greedy with no memory (use ``EarliestArrival`` for a
    day: promises made here are forgotten after the call)."""
    return EarliestArrival()(snapshot, params)

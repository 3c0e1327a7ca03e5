"""Workload caps are never exceeded; closed zones are never entered."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tiffin.optimiser import POLICIES, Courier, DispatchParams, Job, Snapshot, solve
from tiffin.optimiser.caps import WorkloadCaps, capacity
from tiffin.optimiser.model import Point
from tiffin.optimiser.zones import ClosedZone

P = DispatchParams(metres_per_minute=100, max_bundle=3, bundle_extra_minutes=60)
SQUARE = (Point(-100, -100), Point(100, -100), Point(100, 100), Point(-100, 100))


def test_capacity_follows_the_caps() -> None:
    caps = WorkloadCaps(max_orders_per_hour=4, max_continuous_minutes=240, max_carried=2)
    assert capacity(caps, now=600, shift_started_at=500, pickups_at=[], carrying=0) == 2
    assert (
        capacity(caps, now=600, shift_started_at=500, pickups_at=[560, 570, 580], carrying=0) == 1
    )
    assert capacity(caps, now=600, shift_started_at=500, pickups_at=[530], carrying=2) == 0
    assert capacity(caps, now=760, shift_started_at=500, pickups_at=[], carrying=0) == 0


@settings(max_examples=100, deadline=None)
@given(cap=st.integers(0, 3), n=st.integers(1, 6))
def test_no_bundle_exceeds_a_riders_capacity(cap: int, n: int) -> None:
    jobs = tuple(Job(f"o{i}", "r1", Point(0, 0), Point(500, 10 * i), 0, 5) for i in range(n))
    rider = Courier("c1", Point(0, 0), 0, 999, capacity=cap)
    for policy in POLICIES.values():
        for decision in policy(Snapshot(5, jobs, (rider,)), P):
            assert len(decision.job_ids) <= cap


def test_orders_inside_a_closed_zone_go_to_its_handoff_point() -> None:
    zone = ClosedZone("z1", tuple(Point(p.x + 2000, p.y) for p in SQUARE), Point(1850, 0), 0, 100)
    inside = Job("o1", "r1", Point(0, 0), Point(2000, 0), 0, 5)
    rider = Courier("c1", Point(0, 0), 0, 999)
    [decision] = solve(Snapshot(5, (inside,), (rider,), (zone,)), P)
    # 1,850 m at 100 m/min: 19 minutes from the merchant, not 20 to the door inside the zone
    assert decision.route.dropoff_at[0] - decision.route.pickup_at == 19 + P.dropoff_service


def test_a_merchant_inside_a_closed_zone_is_not_dispatched_until_it_reopens() -> None:
    zone = ClosedZone("z1", SQUARE, Point(150, 0), 0, 30)
    job = Job("o1", "r1", Point(0, 0), Point(900, 0), 0, 5)
    rider = Courier("c1", Point(300, 0), 0, 999)
    for policy in POLICIES.values():
        assert policy(Snapshot(5, (job,), (rider,), (zone,)), P) == []
        assert len(policy(Snapshot(30, (job,), (rider,), (zone,)), P)) == 1

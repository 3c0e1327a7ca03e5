"""The dispatcher's decisions: routes, bundling, commitment, exclusions, and invariants."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from tiffin.optimiser import POLICIES, Courier, DispatchParams, Job, Snapshot, solve
from tiffin.optimiser.bundling import build_bundles
from tiffin.optimiser.model import Point
from tiffin.optimiser.routes import lower_bound_minutes, route_for

P = DispatchParams(metres_per_minute=100, pickup_service=4, dropoff_service=4)
SHOP = Point(0, 0)


def job(
    i: int,
    ready: int = 10,
    placed: int = 0,
    shop: Point = SHOP,
    merchant: str = "r1",
    door: Point | None = None,
) -> Job:
    return Job(f"o{i}", merchant, shop, door or Point(1000 + 10 * i, 0), placed, ready)


def test_a_rider_waiting_at_the_merchant_meets_the_physical_lower_bound() -> None:
    j = job(1, ready=12, placed=0)
    waiting = Courier("c1", SHOP, 0, 999)
    route = route_for(waiting, (j,), 0, P)
    assert (
        route.dropoff_at[0] - j.placed_at == lower_bound_minutes(j, P) == 12 + 11 + 4
    )  # 1,010 m at 100 m/min: 11 min


def test_the_nearest_rider_gets_the_order() -> None:
    near, far = Courier("near", Point(100, 0), 0, 999), Courier("far", Point(5000, 0), 0, 999)
    decisions = solve(Snapshot(5, (job(1, ready=5),), (far, near)), P)
    assert [d.courier_id for d in decisions] == ["near"]
    assert decisions[0].alternatives[0][0] == "far"


def test_an_order_ready_much_later_is_not_committed_yet() -> None:
    rider = Courier("c1", Point(100, 0), 0, 999)
    assert solve(Snapshot(0, (job(1, ready=40),), (rider,)), P) == []
    assert len(solve(Snapshot(36, (job(1, ready=40),), (rider,)), P)) == 1


def test_a_rider_who_refused_an_order_is_never_offered_it_again() -> None:
    refused = Courier("c1", Point(0, 0), 0, 999, excluded_jobs=frozenset({"o1"}))
    other = Courier("c2", Point(3000, 0), 0, 999)
    decisions = solve(Snapshot(10, (job(1),), (refused, other)), P)
    assert [d.courier_id for d in decisions] == ["c2"]


def test_bundles_never_mix_merchants_nor_exceed_the_cap() -> None:
    jobs = [job(i, merchant="r1") for i in range(5)] + [
        job(10 + i, merchant="r2", shop=Point(50, 50)) for i in range(3)
    ]
    bundles = build_bundles(jobs, scarce=True, p=replace(P, max_bundle=2))
    assert sorted(j.id for b in bundles for j in b) == sorted(j.id for j in jobs)
    for b in bundles:
        assert len(b) <= 2 and len({j.merchant_id for j in b}) == 1


def test_scarce_riders_make_close_orders_travel_together() -> None:
    same_door = [job(1, door=Point(800, 0)), job(2, door=Point(810, 0))]
    assert len(build_bundles(same_door, scarce=True, p=P)) == 1
    far_apart = [job(1, door=Point(3000, 0)), job(2, door=Point(-3000, 0))]
    assert len(build_bundles(far_apart, scarce=True, p=P)) == 2


def test_riders_who_are_busy_or_off_shift_are_never_committed() -> None:
    busy = Courier("busy", SHOP, 50, 999)
    gone = Courier("gone", SHOP, 0, 5)
    for policy in POLICIES.values():
        assert policy(Snapshot(10, (job(1),), (busy, gone)), P) == []


points = st.builds(Point, st.integers(-4000, 4000), st.integers(-4000, 4000))


@st.composite
def snapshots(draw: st.DrawFn) -> Snapshot:
    now = draw(st.integers(0, 60))
    shops = draw(st.lists(points, min_size=1, max_size=4))
    jobs = []
    for i in range(draw(st.integers(0, 12))):
        s = draw(st.integers(0, len(shops) - 1))
        placed = draw(st.integers(0, 80))
        jobs.append(
            Job(f"o{i}", f"r{s}", shops[s], draw(points), placed, placed + draw(st.integers(0, 30)))
        )
    couriers = [
        Courier(
            f"c{i}",
            draw(points),
            draw(st.integers(0, 90)),
            draw(st.integers(0, 200)),
            frozenset(draw(st.sets(st.sampled_from([j.id for j in jobs] or ["x"])))),
        )
        for i in range(draw(st.integers(0, 8)))
    ]
    return Snapshot(now, tuple(jobs), tuple(couriers))


@settings(max_examples=150, deadline=None)
@given(snapshot=snapshots(), policy=st.sampled_from(sorted(POLICIES)))
def test_decisions_keep_every_rule(snapshot: Snapshot, policy: str) -> None:
    decisions = POLICIES[policy](snapshot, P)
    jobs = {j.id: j for j in snapshot.jobs}
    couriers = {c.id: c for c in snapshot.couriers}
    taken = [j for d in decisions for j in d.job_ids]
    assert len(taken) == len(set(taken)), "an order held by two riders"
    assert len({d.courier_id for d in decisions}) == len(decisions), "a rider given two routes"
    for d in decisions:
        courier = couriers[d.courier_id]
        assert courier.free_at <= snapshot.now, "committed a busy rider"
        assert d.route.pickup_at <= courier.off_at, "pickup after the shift ends"
        assert len({jobs[j].merchant_id for j in d.job_ids}) == 1
        for j in d.job_ids:
            assert jobs[j].placed_at <= snapshot.now, "assigned before it was placed"
            assert d.route.pickup_at >= jobs[j].ready_at, "picked up before it was ready"
            assert j not in courier.excluded_jobs, "re-offered to a rider who refused it"

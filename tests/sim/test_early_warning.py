"""Early warning in the simulator: the pure helpers, the controller applying the real model's
recommendations, and the simulator carrying out what a controller brings on."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from tiffin.optimiser.model import DispatchParams, Job, Point
from tiffin.optimiser.solve import POLICIES
from tiffin.optimiser.zones import ClosedZone
from tiffin.safety.policy import SafetyRules
from tiffin.safety.warning.model import Action
from tiffin.sim.early_warning import (
    STANDBY_DELAY,
    CheckIn,
    EarlyWarning,
    ServedZone,
    centroid,
    expected_orders,
    measured_shortfall,
    promised_minute,
    zone_at,
)
from tiffin.sim.mdrp import MdrpCourier, MdrpInstance, PayRule
from tiffin.sim.simulator import simulate

WEST = ServedZone("zw", "west", (Point(0, 0), Point(1000, 0), Point(1000, 1000), Point(0, 1000)))
EAST = ServedZone(
    "ze", "east", (Point(1000, 0), Point(2000, 0), Point(2000, 1000), Point(1000, 1000))
)
DAY = datetime(2026, 11, 30, tzinfo=UTC)


def _job(n: int, placed: int, door: Point = Point(500, 500)) -> Job:
    return Job(f"o{n}", "m", Point(1500, 500), door, placed, placed + 5)


def test_zones_and_centres() -> None:
    assert zone_at([WEST, EAST], Point(200, 300)) == "west"
    assert zone_at([WEST, EAST], Point(1500, 300)) == "east"
    assert zone_at([WEST, EAST], Point(5000, 5000)) is None
    assert zone_at([WEST, EAST], None) is None
    assert centroid(WEST.polygon) == Point(500, 500)


def test_the_promise_and_the_measured_shortfall() -> None:
    job = _job(1, 660)  # ready at 665; 1000 m at 250 m/min is 4 minutes
    assert promised_minute(job, job.dropoff, 250.0, 10) == 665 + 4 + 10
    assert promised_minute(job, job.dropoff, 300.0, 25) == 665 + 4 + 25  # 3.3 rounds up
    # 60 orders in an hour need 20 riders at 3 an hour; 10 riders on shift all hour
    assert measured_shortfall(60, 600, 60) == {
        "orders": 60,
        "riders_needed": 20.0,
        "riders_available": 10.0,
        "shortfall_riders": 10,
    }
    assert measured_shortfall(6, 600, 60)["shortfall_riders"] == 0
    assert measured_shortfall(60, 600, 60, rate=6.0)["riders_needed"] == 10.0


def test_expected_orders_read_only_orders_already_placed() -> None:
    past = [_job(i, 600 + i) for i in range(15)]  # 15 in the last hour
    future = [_job(100 + i, 700) for i in range(50)]
    expected = expected_orders([WEST, EAST], [*past, *future], 615, 120)
    assert expected["west"] == pytest.approx(15 * 2)  # no history: the last hour's rate
    assert expected["east"] == 0.0


def test_expected_orders_follow_the_usual_day() -> None:
    # on each past day, 10 in the hour before 615 and 40 in the two hours after it, in the west
    usual = tuple(_job(i, 560 + i) for i in range(10)) + tuple(_job(50 + i, 620) for i in range(40))
    today = [_job(i, 600 + i) for i in range(15)]  # busier than usual: 15 against 10
    expected = expected_orders([WEST, EAST], today, 615, 120, history=(usual, usual))
    assert expected["west"] == pytest.approx(40 * 16 / 11)
    assert expected["east"] == 0.0


def _controller(**kw: object) -> EarlyWarning:
    args: dict[str, object] = {
        "zones": (WEST, EAST),
        "jobs": tuple(_job(i, 600 + i % 15) for i in range(60)),  # 60 orders for the west
        "rules": SafetyRules(public_health_mode=True, require_checkin=True),
        "day": DAY,
        "authority": (),
        "starts": {"c1": Point(100, 100), "c2": Point(200, 200)},
        "checkins": [CheckIn(590, "c1", True), CheckIn(590, "c2", False)],
        "rng": np.random.default_rng(1),
        "shift_end": 900,
        "base_buffer": 10,
        "fail_share": 0.0,
        "orders_per_rider_hour": 3.0,
    }
    return EarlyWarning(**(args | kw))  # type: ignore[arg-type]


def test_the_controller_applies_each_recommendation_once() -> None:
    ew = _controller()
    assert ew.tick(601, {"c1": Point(100, 100)}) == ([], [])  # off the cadence: no look
    joining, closing = ew.tick(615, {"c1": Point(100, 100)})
    (warned,) = [w for w in ew.warnings[0][1] if w.zone_name == "west"]
    assert warned.failed_share == 0.5 and warned.shortfall_riders > 0
    kinds = {a.recommendation.action for a in ew.actions}
    assert kinds == {Action.CALL_STANDBY, Action.EXTEND_PROMISE, Action.PAUSE_ZONE}
    assert joining and all(c.on_at == 615 + STANDBY_DELAY for c in joining)
    assert closing == []  # a pause closes nothing to riders
    assert ew.pauses == [("zw", 615, 735)]
    # checkout refuses new orders to the west while paused, not to the east, not after
    assert not ew.admits(_job(900, 616), 616) and ew.refused == [_job(900, 616)]
    assert ew.admits(_job(901, 616, Point(1500, 500)), 616)
    assert ew.admits(_job(902, 735), 735)
    # the extension is capped and falls back when its window ends
    assert ew.buffer_at(614) == 10 and 10 < ew.buffer_at(615) <= 40 and ew.buffer_at(735) == 10
    # the same hour's recommendations are not applied twice (their ids hold for the hour)
    before = len(ew.actions)
    ew.tick(630, {"c1": Point(100, 100)})
    assert len(ew.actions) == before


def test_a_longer_promise_replaces_rather_than_adds() -> None:
    ew = _controller()
    ew.tick(615, {"c1": Point(100, 100)})
    first = ew.extra_at(615)
    ew.tick(660, {"c1": Point(100, 100)})  # a new hour: new ids, applied again
    assert ew.extra_at(660) <= 30 and ew.extra_at(660) >= first
    assert len(ew.extensions) >= 1 and all(m <= 30 for _, m, _ in ew.extensions)


def test_an_operator_may_decline_a_kind_of_action() -> None:
    ew = _controller(skip=frozenset({Action.PAUSE_ZONE}))
    _, closing = ew.tick(615, {"c1": Point(100, 100)})
    assert closing == [] and not ew.pauses and ew.admits(_job(900, 616), 616)
    declined = [a for a in ew.actions if a.recommendation.action is Action.PAUSE_ZONE]
    assert declined and declined[0].detail.startswith("not applied")


class _BringsOne:
    def admits(self, job: Job, now: int) -> bool:
        return job.id != "o2"  # checkout refuses the second order

    def tick(
        self, now: int, on_duty: dict[str, Point]
    ) -> tuple[list[MdrpCourier], list[ClosedZone]]:
        if now == 600:
            return [MdrpCourier("late", Point(1500, 500), 620, 700)], []
        return [], []


def test_the_simulator_puts_a_controllers_rider_to_work_from_their_start() -> None:
    params = DispatchParams(metres_per_minute=250.0, target_minutes=30)
    day = MdrpInstance(
        "t",
        (_job(1, 600), _job(2, 601)),
        (MdrpCourier("gone", Point(0, 0), 500, 600),),  # off before the first order
        {"m": Point(1500, 500)},
        params,
        PayRule(1.0, 1.0),
        60,
    )
    result = simulate(day, POLICIES["tiffin"], controller=_BringsOne())
    assert {d.courier_id for d in result.deliveries.values()} == {"late"}
    assert set(result.deliveries) == {"o1"} and result.refused == ["o2"]
    assert min(d.assigned_at for d in result.deliveries.values()) >= 620

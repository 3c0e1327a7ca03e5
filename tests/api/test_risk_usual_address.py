"""Address risk at checkout on both databases: ``dropoff_km_from_usual`` is the distance from the
order's drop-off to the nearest of the customer's delivered drop-offs (0 with none), and a rule
on it holds a far order for review while a near one goes through."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.api.helpers import place
from tests.api.test_risk_checkpoints import delivered_for, save
from tests.conftest import World
from tiffin.domain.geo import LatLon, distance_m
from tiffin.risk import hot_reads
from tiffin.risk.features import Subject
from tiffin.store import tables

HOME = {"lat": 31.0380, "lon": 121.4470}  # student1's address (seed)
NEAR = {"lat": 31.0383, "lon": 121.4468}  # the next door: about 40 m
FAR = {"lat": 31.0260, "lon": 121.4310}  # the other corner of campus: about 2 km
WANTED = frozenset({"dropoff_km_from_usual"})


def km_from_usual(world: World, where: dict[str, float]) -> float:
    customer = str(world.subjects["student1"])
    cu = tables.customers.c
    with world.platform.uow(read_only=True) as uow:
        tenant = uow.conn.execute(select(cu.tenant_id).where(cu.id == customer)).scalar_one()
        subject = Subject(tenant, customer, dropoff=LatLon(**where))
        month = uow.clock.now() - timedelta(days=30)
        return float(hot_reads.read(uow, subject, WANTED, month=month)["dropoff_km_from_usual"])


def test_the_distance_is_to_the_nearest_delivered_door_and_0_without_one(world: World) -> None:
    assert km_from_usual(world, FAR) == 0.0  # no delivered order yet: new, not far
    delivered_for(world, "student1", "u-1", dropoff=HOME)
    place(world, who="student1", key="u-2", dropoff=FAR)  # placed, not delivered: not usual
    expected = distance_m(LatLon(**HOME), LatLon(**FAR)) / 1000
    assert km_from_usual(world, FAR) == pytest.approx(expected, rel=0.01)
    assert km_from_usual(world, NEAR) == pytest.approx(0.04, abs=0.01)
    assert km_from_usual(world, HOME) == 0.0


def test_an_order_far_from_the_usual_doors_is_reviewed_a_near_one_is_not(world: World) -> None:
    rule = {"expression": "dropoff_km_from_usual > 1", "score": 60, "checkpoint": "order"}
    assert save(world, rule_id="far_door", **rule).status_code == 201
    delivered_for(world, "student1", "f-1", dropoff=HOME)
    near = place(world, who="student1", key="f-2", dropoff=NEAR)
    assert near.status_code == 201
    assert world.client.get("/v1/risk/cases", headers=world.auth("ops")).json() == []
    far = place(world, who="student1", key="f-3", dropoff=FAR)
    assert far.status_code == 201  # a review lets the order through, and opens a case
    [case] = world.client.get("/v1/risk/cases", headers=world.auth("ops")).json()
    assert case["reason_code"] == "risk:far_door"
    assert case["order_id"] == far.json()["id"]
    detail = world.client.get(f"/v1/risk/cases/{case['id']}", headers=world.auth("ops")).json()
    assert detail["decision"]["features"]["dropoff_km_from_usual"] == pytest.approx(2.0, abs=0.2)

"""Incident communications on both databases: customers with orders in flight hear once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.api.helpers import place
from tests.conftest import World
from tiffin.incidents import in_flight
from tiffin.incidents import service as incidents
from tiffin.incidents.model import State
from tiffin.store import tables


def _told(world: World, incident_id: str, what: str) -> list[tuple[str, str]]:
    n = tables.notifications.c
    with world.platform.uow(read_only=True) as uow:
        rows = uow.conn.execute(
            select(n.customer_id, n.language).where(
                n.dedupe_key == f"incident:{incident_id}:{what}"
            )
        ).all()
    return [(r.customer_id, r.language) for r in rows]


def test_an_incident_opened_with_orders_in_flight_tells_each_customer_once(world: World) -> None:
    for key, who in (("a1", "student1"), ("a2", "student1"), ("b1", "student2")):
        assert place(world, who=who, key=key).status_code == 201
    with world.platform.uow() as uow:
        tenant_id = uow.conn.execute(select(tables.tenants.c.id)).scalar_one()
        incident_id = incidents.open_incident(
            uow,
            tenant_id=tenant_id,
            title="Dispatch has stalled",
            components={"dispatch": "major"},
            message="Riders are not getting offers.",
            author="ops",
        )
        uow.commit()
    told = _told(world, incident_id, "opened")
    customers = {world.subjects["student1"], world.subjects["student2"]}
    assert sorted(c for c, _ in told) == sorted(customers)  # once each, two orders or one
    with world.platform.uow() as uow:  # a replay tells nobody again
        row = incidents.get(uow, incident_id, tenant_id=tenant_id)
        assert in_flight.tell_opened(uow, row) == 0
        uow.commit()
    world.platform.clock.advance(timedelta(minutes=10))
    with world.platform.uow() as uow:
        incidents.post_update(
            uow,
            incident_id,
            tenant_id=tenant_id,
            state=State.RESOLVED,
            message="Offers flow again.",
            author="ops",
        )
        uow.commit()
    again = {c for c, _ in _told(world, incident_id, "resolved")}
    n = tables.notifications.c
    with world.platform.uow(read_only=True) as uow:
        made_good = set(
            uow.conn.execute(
                select(n.customer_id).where(
                    n.incident_id == incident_id, n.dedupe_key.like(f"incident:{incident_id}:ord%")
                )
            ).scalars()
        )
    assert again | made_good == customers  # each hears again at resolution: fixed, or made good
    assert not again & made_good


def test_only_unaccepted_orders_depend_on_ordering_and_payments() -> None:
    at_risk = in_flight.statuses_at_risk({"payments": "minor"})
    assert {s.value for s in at_risk} == {"placed"}
    assert in_flight.statuses_at_risk({"dispatch": "none"}) == set()

"""Trust scores through the API: your own with reasons, operators for their tenant only, and
less friction for trusted customers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

from tests.api.helpers import delivered
from tests.conftest import World
from tiffin.store import tables


def test_a_person_reads_their_own_score_and_its_reasons(world: World) -> None:
    world.seed("city")
    c = world.client
    delivered(world, "tr-1")
    mine = c.get("/v1/me/trust", headers=world.auth("student1"))
    assert mine.status_code == 200, mine.json()
    body = mine.json()
    assert body["score"] == 61 and body["reasons"][0]["event"] == "orders_delivered"
    rider = c.get("/v1/me/trust", headers=world.auth("rider1")).json()
    assert rider["role"] == "rider" and rider["reasons"]
    assert c.get("/v1/me/trust", headers=world.auth("ops")).status_code == 403
    who = world.subjects["student1"]
    assert c.get(f"/v1/trust/customer/{who}", headers=world.auth("ops")).json() == body
    assert c.get(f"/v1/trust/customer/{who}", headers=world.auth("ops@city")).status_code == 404
    assert c.get(f"/v1/trust/customer/{who}", headers=world.auth("student2")).status_code == 403
    assert c.get(f"/v1/trust/admin/{who}", headers=world.auth("ops")).status_code == 422


def test_a_trusted_customers_complaint_stands_without_review(world: World) -> None:
    with world.platform.uow() as uow:
        tenant_id = uow.conn.execute(select(tables.tenants.c.id)).scalar_one()
        uow.conn.execute(
            insert(tables.tenant_policies).values(
                tenant_id=tenant_id,
                kind="trust",
                version=1,
                document={"trusted_at": 55},
                created_by="ops",
                created_at=uow.clock.now(),
            )
        )
        uow.commit()
    order = delivered(world, "tr-2")
    world.platform.clock.advance(timedelta(minutes=1))
    r = world.client.post(
        f"/v1/orders/{order['id']}/problems",
        json={"problem": "missing", "note": "no soup"},
        headers=world.auth("student1"),
    )
    world.drain()
    with world.platform.uow(read_only=True) as uow:
        a = tables.anomalies.c
        status, resolution = uow.conn.execute(
            select(a.status, a.resolution).where(a.id == r.json()["id"])
        ).one()
    assert status == "closed" and "trust score 59" in resolution  # 60 + 1 order - 2 for its grant

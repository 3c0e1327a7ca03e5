"""Weather-linked dispatch (天气联动调度) through the API, on both databases: a storm warning over
some zones (an operator's, or a weather service's CAP alert pushed by a partner) lengthens the
promise of orders there and only there, makes the dispatcher and the playbook wait longer for
them, and ends when the operator or the feed says so."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.api.helpers import assigned, merchant_of, place
from tests.api.test_partners import bearer, key, partner
from tests.conftest import World
from tests.unit.safety.test_cap import BILLION_LAUGHS, alert
from tiffin.domain.weather import STORM_BUFFER_MINUTES
from tiffin.optimiser.model import Snapshot
from tiffin.store import tables

# A square over the north-east dorms (Li Wei, student1, lives inside), and one far south-west.
NORTH = [[31.036, 121.446], [31.036, 121.450], [31.040, 121.450], [31.040, 121.446]]
SOUTH_WEST = [[31.0255, 121.4305], [31.0255, 121.4315], [31.0265, 121.4315], [31.0265, 121.4305]]
DORM = {"lat": 31.038, "lon": 121.447}
LIBRARY = {"lat": 31.028, "lon": 121.448}
CAP_XML = {"content-type": "application/cap+xml"}


def storm(world: World, who: str = "ops", **where: Any) -> Any:
    now = world.platform.clock.now()
    body = {
        "starts_at": (now - timedelta(minutes=30)).isoformat(),
        "ends_at": (now + timedelta(hours=3)).isoformat(),
        "reason": "rainstorm, orange",
        **where,
    }
    return world.client.post("/v1/care/force-majeure", json=body, headers=world.auth(who))


def promise_minutes(world: World, key: str, dropoff: dict[str, float]) -> float:
    r = place(world, key=key, dropoff=dropoff)
    assert r.status_code == 201, r.json()
    order = r.json()
    placed = datetime.fromisoformat(order["placed_at"])
    return (datetime.fromisoformat(order["promised_at"]) - placed).total_seconds() / 60


def test_an_order_in_the_storm_zone_is_promised_later_and_one_outside_is_not(
    world: World,
) -> None:
    before = {
        "dorm": promise_minutes(world, "w-1", DORM),
        "lib": promise_minutes(world, "w-2", LIBRARY),
    }
    declared = storm(world, polygons=[NORTH])
    assert declared.status_code == 201, declared.json()
    assert promise_minutes(world, "w-3", DORM) == before["dorm"] + STORM_BUFFER_MINUTES
    assert promise_minutes(world, "w-4", LIBRARY) == before["lib"]
    ended = world.client.post(
        f"/v1/care/force-majeure/{declared.json()['id']}/end", headers=world.auth("ops")
    )
    assert ended.status_code == 200, ended.json()
    assert promise_minutes(world, "w-5", DORM) == before["dorm"]  # over: at once


def test_a_storm_over_a_named_zone_covers_it_and_an_unknown_zone_is_refused(
    world: World,
) -> None:
    with world.platform.uow(read_only=True) as uow:
        zone_id = uow.conn.execute(tables.zones.select()).mappings().first()["id"]
    base = promise_minutes(world, "z-1", LIBRARY)
    assert storm(world, zone_ids=[zone_id]).status_code == 201  # the whole campus zone
    assert promise_minutes(world, "z-2", LIBRARY) == base + STORM_BUFFER_MINUTES
    refused = storm(world, zone_ids=["zon_nowhere"])
    assert refused.status_code == 422 and refused.json()["code"] == "unknown_zone"
    crossed = storm(world, polygons=[[[0, 0], [1, 1], [1, 0], [0, 1]]])
    assert crossed.status_code == 422 and "polygon 1" in crossed.json()["detail"]


@pytest.mark.parametrize(
    ("area", "late"), [(NORTH, False), (SOUTH_WEST, True)], ids=["over-the-door", "elsewhere"]
)
def test_ten_minutes_late_is_not_late_only_where_the_storm_is(
    world: World, area: list[list[float]], late: bool
) -> None:
    c = world.client
    assert storm(world, polygons=[area]).status_code == 201
    order = assigned(world, "zone-late-1")
    c.post(f"/v1/orders/{order['id']}/ready", headers=world.auth(merchant_of(world, order)))
    c.post(f"/v1/orders/{order['id']}/pickup", headers=world.auth("rider1"))
    world.platform.clock.set(datetime.fromisoformat(order["promised_at"]) + timedelta(minutes=10))
    c.post(f"/v1/orders/{order['id']}/deliver", headers=world.auth("rider1"))
    world.drain()
    with world.platform.uow(read_only=True) as uow:
        a = tables.anomalies
        found = uow.conn.execute(a.select().where(a.c.order_id == order["id"]))
        types = {r.type for r in found}
    assert ("delivered_late" in types) is late


def test_the_dispatcher_counts_a_stormy_order_late_only_past_the_storm_buffer(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Snapshot] = []

    def spy(snapshot: Snapshot, params: Any) -> list[Any]:
        seen.append(snapshot)
        return []

    monkeypatch.setattr("tiffin.dispatch.service.solve", spy)
    assert storm(world, polygons=[NORTH]).status_code == 201
    stormy = place(world, key="d-1", dropoff=DORM).json()
    dry = place(world, key="d-2", dropoff=LIBRARY).json()
    for order in (stormy, dry):
        world.client.post(
            f"/v1/orders/{order['id']}/accept", headers=world.auth(merchant_of(world, order))
        )
    world.client.post(
        "/v1/riders/me/shift/start",
        json={"location": {"lat": 31.03, "lon": 121.44}},
        headers=world.auth("rider1"),
    )
    world.platform.dispatch_once()
    jobs = {j.id: j.storm_minutes for s in seen for j in s.jobs}
    assert jobs == {stormy["id"]: STORM_BUFFER_MINUTES, dry["id"]: 0}


def test_windows_are_the_tenants_own(world: World) -> None:
    made = storm(world, polygons=[NORTH]).json()["id"]
    listed = world.client.get("/v1/care/force-majeure", headers=world.auth("ops")).json()
    assert [w["id"] for w in listed] == [made] and listed[0]["areas"][0]["polygon"]
    world.seed("city")
    assert world.client.get("/v1/care/force-majeure", headers=world.auth("ops@city")).json() == []
    ended = world.client.post(f"/v1/care/force-majeure/{made}/end", headers=world.auth("ops@city"))
    assert ended.status_code == 404
    assert storm(world, "student1").status_code == 403  # customers declare no storms
    assert (
        world.client.get("/v1/care/force-majeure", headers=world.auth("rider1")).status_code == 403
    )


def push(world: World, token: str, document: bytes, kind: str = "application/cap+xml") -> Any:
    return world.client.post(
        "/v1/partner/weather-alerts",
        content=document,
        headers={**bearer(token), "content-type": kind},
    )


def cap_windows(world: World) -> list[dict[str, Any]]:
    with world.platform.uow(read_only=True) as uow:
        f = tables.force_majeure
        found = uow.conn.execute(f.select().where(f.c.source == "cap")).mappings()
        return [dict(r) for r in found]


def times(world: World, hours_from_now: float) -> str:
    return (world.platform.clock.now() + timedelta(hours=hours_from_now)).isoformat()


def test_a_weather_feed_declares_amends_and_ends_a_storm_once(world: World) -> None:
    token = key(world, partner(world, name="Shanghai Meteorological Service"), ["weather:write"])[
        "token"
    ]
    base = promise_minutes(world, "f-0", DORM)
    first = alert(
        onset=times(world, -1), expires=times(world, 2), area=f"<polygon>{_cap(NORTH)}</polygon>"
    )
    pushed = push(world, token, first)
    assert pushed.status_code == 200, pushed.json()
    assert pushed.json()["outcome"] == "declared"
    window_id = pushed.json()["window_id"]
    again = push(world, token, first, kind="application/xml")
    assert again.json() == {"outcome": "unchanged", "window_id": window_id}
    assert len(cap_windows(world)) == 1
    assert promise_minutes(world, "f-1", DORM) == base + STORM_BUFFER_MINUTES
    ref = "weather@cma.gov.cn,CMA-2026-0042,2026-11-30T18:30:00+08:00"
    update = alert(
        identifier="CMA-2026-0043",
        msg_type="Update",
        references=ref,
        onset=times(world, -1),
        expires=times(world, 5),
        area=f"<polygon>{_cap(NORTH)}</polygon>",
    )
    assert push(world, token, update).json() == {"outcome": "amended", "window_id": window_id}
    [row] = cap_windows(world)
    assert row["ends_at"] == world.platform.clock.now() + timedelta(hours=5)
    assert push(world, token, update).json()["outcome"] == "unchanged"
    cancel = alert(identifier="CMA-2026-0044", msg_type="Cancel", references=ref)
    assert push(world, token, cancel).json() == {"outcome": "ended", "window_id": window_id}
    assert promise_minutes(world, "f-2", DORM) == base
    test = alert(identifier="CMA-T-1", status="Test", area=f"<polygon>{_cap(NORTH)}</polygon>")
    assert push(world, token, test).json() == {"outcome": "ignored", "window_id": None}
    listed = world.client.get("/v1/care/force-majeure", headers=world.auth("ops")).json()
    assert listed == []  # ended: nothing in force or to come


def _cap(ring: list[list[float]]) -> str:
    return " ".join(f"{lat},{lon}" for lat, lon in [*ring, ring[0]])


def test_a_feed_push_is_refused_without_the_scope_or_as_bad_xml(world: World) -> None:
    pid = partner(world)
    reader = key(world, pid, ["risk_map:read"])["token"]
    writer = key(world, pid, ["weather:write"])["token"]
    assert push(world, reader, alert()).status_code == 403
    wrong = push(world, writer, alert(), kind="application/json")
    assert wrong.status_code == 415 and wrong.json()["code"] == "unsupported_media_type"
    bomb = push(world, writer, BILLION_LAUGHS)
    assert bomb.status_code == 422 and bomb.json()["code"] == "cap_dtd_refused"
    broken = push(world, writer, b"<alert")
    assert broken.status_code == 422 and broken.json()["code"] == "cap_bad_xml"
    crossed = push(world, writer, alert(area="<polygon>0,0 1,1 1,0 0,1 0,0</polygon>"))
    assert crossed.status_code == 422 and "polygon 1" in crossed.json()["detail"]
    assert cap_windows(world) == []
    calls = world.client.get("/v1/partners/calls", headers=world.auth("ops")).json()
    assert sorted(c["status"] for c in calls) == [403, 415, 422, 422, 422]


def test_another_tenants_partner_storm_stays_in_its_tenant(world: World) -> None:
    world.seed("city")
    token = key(world, partner(world, "ops@city"), ["weather:write"], "ops@city")["token"]
    everywhere = "<circle>31.03,121.44 50</circle>"
    document = alert(onset=times(world, -1), expires=times(world, 2), area=everywhere)
    assert push(world, token, document).json()["outcome"] == "declared"
    assert world.client.get("/v1/care/force-majeure", headers=world.auth("ops")).json() == []
    city = world.client.get("/v1/care/force-majeure", headers=world.auth("ops@city")).json()
    assert len(city) == 1 and city[0]["source"] == "cap"

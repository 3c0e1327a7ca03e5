"""/v1/risk-zones/import: a health authority's GeoJSON becomes risk zones with a level and a
validity window; a bad feature is a 422 naming it; only a high-risk zone closes to riders."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.api.helpers import place
from tests.conftest import World

DORM = [[121.4462, 31.0372], [121.4478, 31.0372], [121.4478, 31.0388], [121.4462, 31.0388]]
GATE = [121.4458, 31.0368]


def feature(world: World, ident: str = "hz-1", **props: Any) -> dict[str, Any]:
    until = world.platform.clock.now() + timedelta(hours=4)
    return {
        "type": "Feature",
        "id": ident,
        "geometry": {"type": "Polygon", "coordinates": [[*DORM, DORM[0]]]},
        "properties": {
            "name": "Dorm 3",
            "level": "high",
            "handoff": GATE,
            "valid_until": until.isoformat(),
        }
        | props,
    }


def send(world: World, features: list[Any], who: str = "ops") -> Any:
    body = {"type": "FeatureCollection", "features": features, "reason": "CDC notice 12"}
    return world.client.post("/v1/risk-zones/import", json=body, headers=world.auth(who))


def test_an_authoritys_zones_are_imported_with_level_and_window(world: World) -> None:
    later = (world.platform.clock.now() + timedelta(hours=1)).isoformat()
    r = send(
        world,
        [feature(world), feature(world, "hz-2", level="medium", name="Lab", valid_from=later)],
    )
    assert r.status_code == 201, r.json()
    zones = {z["name"]: z for z in r.json()}
    assert zones["Dorm 3"]["level"] == "high" and zones["Lab"]["level"] == "medium"
    assert zones["Dorm 3"]["polygon"][0] == {"lat": 31.0372, "lon": 121.4462}
    seen = world.client.get("/v1/risk-zones", headers=world.auth("rider1")).json()
    assert len(seen) == 2


def test_bad_geometry_is_refused_naming_the_feature(world: World) -> None:
    bowtie = feature(world, "bow")
    bowtie["geometry"]["coordinates"] = [[DORM[0], DORM[2], DORM[1], DORM[3], DORM[0]]]
    r = send(world, [feature(world), bowtie])
    assert r.status_code == 422
    assert r.json()["code"] == "bad_geojson"
    assert (
        "feature 1 (id 'bow')" in r.json()["detail"] and "Self-intersection" in r.json()["detail"]
    )
    assert world.client.get("/v1/risk-zones", headers=world.auth("ops")).json() == []  # none kept


def test_each_kind_of_bad_feature_says_what_is_wrong(world: World) -> None:
    open_ring = feature(world)
    open_ring["geometry"]["coordinates"] = [DORM]
    point = feature(world)
    point["geometry"] = {"type": "Point", "coordinates": GATE}
    cases = {
        "closed": open_ring,
        "Polygon": point,
        "outside the zone": feature(world, handoff=[121.447, 31.038]),
        "valid_until": feature(world, valid_until="tomorrow"),
        "level": feature(world, level="extreme"),
        "off the globe": feature(world, handoff=[200, 31]),
    }
    for words, bad in cases.items():
        r = send(world, [bad])
        assert r.status_code == 422 and r.json()["code"] == "bad_geojson", (words, r.json())
        assert words in r.json()["detail"] and "feature 0" in r.json()["detail"]


def test_only_operators_import_and_size_is_bounded(world: World) -> None:
    for who in ("rider1", "student1", "canteen1"):
        assert send(world, [feature(world)], who).status_code == 403
    assert send(world, [feature(world)] * 101).status_code == 422
    assert send(world, []).status_code == 422


def zone_messages(world: World, who: str) -> list[dict[str, Any]]:
    inbox = world.client.get("/v1/me/inbox", headers=world.auth(who)).json()
    return [m for m in inbox if "无接触" in m["title"] or "hand-off" in m["title"]]


def test_customers_in_a_closed_zone_are_told_why_and_where_to_collect(world: World) -> None:
    before = place(world, key="zone-before").json()  # student1 lives in Dorm 3
    place(world, who="student2", key="elsewhere")  # Maya lives at the library
    assert send(world, [feature(world)]).status_code == 201
    world.drain()
    told = zone_messages(world, "student1")
    assert len(told) == 1 and told[0]["order_id"] == before["id"]
    assert "Dorm 3" in told[0]["body"] and "31.03680" in told[0]["body"]  # zh-CN: 取餐点
    assert "取餐点" in told[0]["body"]
    assert zone_messages(world, "student2") == []
    after = place(world, key="zone-after").json()
    world.drain()
    world.drain()  # a replay tells nobody twice
    assert sorted(m["order_id"] for m in zone_messages(world, "student1")) == sorted(
        [before["id"], after["id"]]
    )


def test_a_medium_risk_zone_informs_but_does_not_close(world: World) -> None:
    assert send(world, [feature(world, level="medium")]).status_code == 201
    place(world, key="medium").json()
    world.drain()
    assert zone_messages(world, "student1") == []

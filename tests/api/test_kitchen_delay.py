"""POST /v1/orders/{id}/delays: the order's kitchen reports its food late while it cooks."""

from __future__ import annotations

from tests.api.helpers import merchant_of, place
from tests.conftest import World


def test_the_kitchen_reports_late_food_once_and_no_one_else_can(world: World) -> None:
    c = world.client
    order = place(world, key="delay-api").json()
    kitchen = merchant_of(world, order)
    url = f"/v1/orders/{order['id']}/delays"
    c.post(f"/v1/orders/{order['id']}/accept", headers=world.auth(kitchen))
    assert c.post(url, json={"minutes": 0}, headers=world.auth(kitchen)).status_code == 422
    other = "canteen2" if kitchen != "canteen2" else "canteen1"
    assert c.post(url, json={"minutes": 10}, headers=world.auth(other)).status_code == 404
    assert c.post(url, json={"minutes": 10}, headers=world.auth("student1")).status_code == 403
    first = c.post(url, json={"minutes": 20, "note": "gas out"}, headers=world.auth(kitchen))
    assert first.status_code == 201 and first.json()["outcome"] == "reported"
    again = c.post(url, json={"minutes": 25}, headers=world.auth(kitchen))
    assert again.json() == {"anomaly_id": None, "outcome": "merged"}
    case = c.get(f"/v1/anomalies/{first.json()['anomaly_id']}", headers=world.auth("ops")).json()
    assert (
        case["type"] == "food_late" and case["facts"]["minutes_late"] == 25
    )  # the latest estimate
    c.post(f"/v1/orders/{order['id']}/ready", headers=world.auth(kitchen))
    late = c.post(url, json={"minutes": 5}, headers=world.auth(kitchen))
    assert late.status_code == 409 and late.json()["code"] == "not_cooking"

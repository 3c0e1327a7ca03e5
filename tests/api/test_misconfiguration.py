"""Safe configuration (issue 20, finding 8): security headers on every answer, /metrics not
public, ``Allow`` on 405, status subscriptions per tenant, and a rider reads a drop-off only
while holding the order."""

from __future__ import annotations

from fastapi.testclient import TestClient
from pydantic import SecretStr

from tests.api.helpers import ON_CAMPUS, assigned, delivered, merchant_of, place
from tests.conftest import World
from tiffin.api.app import create_app


def test_every_answer_carries_security_headers(world: World) -> None:
    c = world.client
    for answer in (
        c.get("/v1/merchants", headers=world.auth("student1")),
        c.get("/v1/nowhere"),
        c.get("/status"),
        c.get("/status.json"),
        c.post("/v1/auth/login", json={}),
    ):
        h = answer.headers
        assert h["x-content-type-options"] == "nosniff"
        assert h["x-frame-options"] == "DENY"
        assert h["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in h["content-security-policy"]
        assert "default-src 'none'" in h["content-security-policy"]
    status_page = c.get("/status")
    assert (
        status_page.status_code == 200
        and "style-src 'unsafe-inline'" in (status_page.headers["content-security-policy"])
    )  # the page styles its rows inline and runs no script
    docs = c.get("/docs")
    assert docs.status_code == 200
    assert "https://cdn.jsdelivr.net" in docs.headers["content-security-policy"]
    assert "script-src" not in c.get("/status").headers["content-security-policy"]


def test_metrics_need_the_token_or_a_loopback_client(world: World) -> None:
    c = world.client  # the test client's address is "testclient": not loopback
    place(world, key="metrics")
    refused = c.get("/metrics")
    assert refused.status_code == 403 and refused.json()["code"] == "metrics_loopback_only"
    local = TestClient(create_app(platform=world.platform), client=("127.0.0.1", 40000))
    assert 'tiffin_orders{state="placed"}' in local.get("/metrics").text
    world.platform.settings.metrics_token = SecretStr("scrape-me")
    assert c.get("/metrics").status_code == 401
    wrong = c.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "metrics_token"
    assert local.get("/metrics").status_code == 401  # with a token, loopback needs it too
    right = c.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert right.status_code == 200 and "tiffin_orders" in right.text


def test_a_405_names_every_allowed_method(world: World) -> None:
    c = world.client
    answer = c.delete("/v1/incidents", headers=world.auth("ops"))
    assert answer.status_code == 405 and answer.json()["code"] == "method_not_allowed"
    assert answer.headers["allow"] == "GET, HEAD, POST"  # two routes share the path
    assert c.put("/healthz").headers["allow"] == "GET, HEAD"


def test_status_subscriptions_are_per_tenant(world: World) -> None:
    world.seed("city")
    c = world.client
    hook = {"component": "ordering", "channel": "email", "address": "desk@example.org"}
    campus = c.post("/v1/status/subscriptions", json=hook, headers=world.auth("ops"))
    city = c.post("/v1/status/subscriptions", json=hook, headers=world.auth("ops@city"))
    assert campus.status_code == city.status_code == 201
    assert campus.json()["id"] != city.json()["id"]  # never the other tenant's subscription
    again = c.post("/v1/status/subscriptions", json=hook, headers=world.auth("ops"))
    assert again.json()["id"] == campus.json()["id"]  # unique within the tenant


def test_a_rider_reads_the_drop_off_only_while_holding_the_order(world: World) -> None:
    c = world.client
    order = place(world, key="rejected").json()
    c.post(f"/v1/orders/{order['id']}/accept", headers=world.auth(merchant_of(world, order)))
    c.post("/v1/riders/me/shift/start", json=ON_CAMPUS, headers=world.auth("rider2"))
    offer = c.post(
        f"/v1/orders/{order['id']}/offers",
        json={"rider_id": world.subjects["rider2"]},
        headers=world.auth("ops"),
    ).json()
    offered = c.get(f"/v1/orders/{order['id']}", headers=world.auth("rider2"))
    assert offered.status_code == 200 and offered.json()["dropoff"]  # deciding needs it
    c.post(
        f"/v1/offers/{offer['id']}/reject",
        json={"reason": "too far"},
        headers=world.auth("rider2"),
    )
    assert c.get(f"/v1/orders/{order['id']}", headers=world.auth("rider2")).status_code == 404

    held = assigned(world, "held")
    assert c.get(f"/v1/orders/{held['id']}", headers=world.auth("rider1")).status_code == 200
    done = delivered(world, "done")
    assert c.get(f"/v1/orders/{done['id']}", headers=world.auth("rider1")).status_code == 404
    mine = [o["id"] for o in c.get("/v1/orders", headers=world.auth("rider1")).json()]
    assert held["id"] in mine and done["id"] not in mine

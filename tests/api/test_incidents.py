"""Incident → status page → subscribers told → resolve → make-good, end to end through the API."""

from __future__ import annotations

from datetime import timedelta

from tests.api.helpers import merchant_of, place
from tests.conftest import World
from tests.providers import Provider
from tiffin.incidents.make_good import make_good


def test_an_incident_from_first_report_to_make_good(world: World, provider: Provider) -> None:
    c = world.client
    ops = world.auth("ops")
    before = place(world, key="before").json()  # placed and called off before the trouble
    c.post(
        f"/v1/orders/{before['id']}/cancel",
        json={"reason": "wrong address"},
        headers=world.auth("student1"),
    )
    world.platform.settings.allow_private_webhooks = True  # the provider listens on 127.0.0.1
    world.platform.clock.advance(timedelta(minutes=10))
    started = world.platform.clock.now()
    inbox_sub = c.post(
        "/v1/status/subscriptions",
        json={"component": "dispatch", "channel": "inbox"},
        headers=world.auth("student1"),
    )
    assert inbox_sub.status_code == 201
    hook = {"component": "ordering", "channel": "webhook", "address": provider.url}
    assert c.post("/v1/status/subscriptions", json=hook, headers=ops).status_code == 201
    twice = c.post("/v1/status/subscriptions", json=hook, headers=ops)
    assert twice.json()["id"]  # the same subscription, not a second one
    bad = c.post(
        "/v1/status/subscriptions",
        json={"component": "dispatch", "channel": "webhook", "address": "not a url"},
        headers=ops,
    )
    assert bad.status_code == 422 and bad.json()["code"] == "bad_address"

    world.platform.clock.advance(timedelta(minutes=2))
    during = place(world, key="during").json()
    cancelled = place(world, key="cancelled").json()
    c.post(
        f"/v1/orders/{cancelled['id']}/reject",
        json={"reason": "tablet offline"},
        headers=world.auth(merchant_of(world, cancelled)),
    )
    opened = c.post(
        "/v1/incidents",
        json={
            "title": "Dispatch delays on campus",
            "components": {"dispatch": "major", "ordering": "minor"},
            "message": "Riders are not receiving offers; we are investigating.",
            "started_at": started.isoformat(),
        },
        headers=ops,
    )
    assert opened.status_code == 201, opened.json()
    incident = opened.json()
    assert c.post("/v1/incidents", json={}, headers=world.auth("student1")).status_code in (
        403,
        422,
    )

    page = c.get("/status.json?tenant=campus").json()
    assert page["components"]["dispatch"] == "partial_outage"
    assert page["components"]["ordering"] == "degraded_performance"
    assert page["components"]["payments"] == "operational"
    assert [x["id"] for x in page["open_incidents"]] == [incident["id"]]
    assert "Dispatch delays on campus" in c.get("/status?tenant=campus").text
    assert c.get("/status.json").json()["open_incidents"] == []  # a tenant's, not the platform's
    assert c.get("/status.json?tenant=nowhere").status_code == 404

    update = {"state": "identified", "message": "A bad deploy of the offer service; rolling back."}
    assert (
        c.post(f"/v1/incidents/{incident['id']}/updates", json=update, headers=ops).status_code
        == 201
    )
    note = {"state": "identified", "message": "rollback owner: Li", "internal": True}
    c.post(f"/v1/incidents/{incident['id']}/updates", json=note, headers=ops)
    inbox = c.get("/v1/me/inbox", headers=world.auth("student1")).json()
    assert sorted(m["title"] for m in inbox if m["title"].startswith("【")) == [
        "【已定位原因】Dispatch delays on campus",  # student1 reads Chinese
        "【调查中】Dispatch delays on campus",
    ]
    world.platform.webhook_sender().run_until_idle()
    assert len(provider.calls) == 2  # the webhook subscriber heard both public updates
    assert "rollback owner" not in str(provider.calls)

    world.platform.clock.advance(timedelta(minutes=20))
    resolved = c.post(
        f"/v1/incidents/{incident['id']}/updates",
        json={"state": "resolved", "message": "Offers flow again; every order is moving."},
        headers=ops,
    ).json()
    assert resolved["made_good_orders"] == 2  # placed during it, and cancelled during it
    wallet = c.get("/v1/me/wallet", headers=world.auth("student1")).json()
    made = [g for g in wallet["grants"] if g["cause"] == f"incident:{incident['id']}"]
    assert sorted(g["order_id"] for g in made) == sorted([during["id"], cancelled["id"]])
    assert before["id"] not in {g["order_id"] for g in made}
    assert all(g["payer"].endswith(":incidents") for g in made)
    inbox = c.get("/v1/me/inbox", headers=world.auth("student1")).json()
    about = [m for m in inbox if "Dispatch delays on campus" in m["body"]]
    opened_words = [m for m in about if m["title"] == "平台故障可能影响您的订单"]
    assert len(opened_words) == 1  # told once at the opening, with an order in flight
    sorry = [m for m in about if m not in opened_words]
    assert len(sorry) == 2  # one per affected order, with the incident as the reason
    with world.platform.uow() as uow:  # making good again grants nothing more
        assert make_good(uow, incident["id"]).orders == 0
        uow.commit()
    again = c.post(f"/v1/incidents/{incident['id']}/updates", json=update, headers=ops)
    assert again.status_code == 409 and again.json()["code"] == "incident_resolved"

    page = c.get("/status.json?tenant=campus").json()
    assert page["status"] == "operational" and page["open_incidents"] == []
    assert page["past_incidents"][0]["id"] == incident["id"]
    assert page["history"][0]["worst"]["dispatch"] == "major"
    assert len(page["history"]) == 90
    review = c.get(f"/v1/incidents/{incident['id']}/review", headers=ops).text
    assert review.startswith("# Post-incident review: Dispatch delays on campus")
    assert "Made good: 2 orders" in review and "| resolved |" in review
    assert "rollback owner" in review  # internal notes belong in the review


def test_incidents_do_not_cross_tenants(world: World) -> None:
    world.seed("city")
    c = world.client
    opened = c.post(
        "/v1/incidents",
        json={"title": "x", "components": {"payments": "critical"}, "message": "y"},
        headers=world.auth("ops"),
    ).json()
    assert c.get(f"/v1/incidents/{opened['id']}", headers=world.auth("ops@city")).status_code == 404
    assert c.get("/status.json?tenant=city").json()["open_incidents"] == []
    wrong = c.post(
        "/v1/incidents",
        json={"title": "x", "components": {"kitchen": "major"}, "message": "y"},
        headers=world.auth("ops"),
    )
    assert wrong.status_code == 422

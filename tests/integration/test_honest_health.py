"""Health signals count only real failures (issue 20, finding 5): a missing provider is a
configuration state, a handful of 5xx opens nothing, an error incident belongs to the tenants
that saw the errors, and only an operator's confirmation makes a signal incident pay out."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.api.helpers import merchant_of, place
from tests.conftest import World
from tiffin.store import tables


def _tenant(world: World, slug: str) -> str:
    with world.platform.uow(read_only=True) as uow:
        t = tables.tenants.c
        return str(uow.conn.execute(select(t.id).where(t.slug == slug)).scalar_one())


def test_no_provider_configured_is_not_a_failed_message_and_opens_no_incident(
    world: World,
) -> None:
    for n in range(8):  # eight customers' messages, more than the signal's minimum
        order = place(world, key=f"noprov-{n}").json()
        world.client.post(
            f"/v1/orders/{order['id']}/reject",
            json={"reason": "gas cut"},
            headers=world.auth(merchant_of(world, order)),
        )
    world.drain()
    world.platform.notification_sender().run_until_idle()  # no push or SMS provider: default
    with world.platform.uow(read_only=True) as uow:
        attempts = tables.notification_attempts.c
        provider_attempts = uow.conn.execute(
            select(func.count()).where(attempts.channel.in_(("push", "sms")))
        ).scalar_one()
        n = tables.notifications.c
        statuses = set(
            uow.conn.execute(select(n.status).where(n.customer_id.is_not(None))).scalars()
        )
    assert provider_attempts == 0
    assert statuses == {"delivered"}  # through the in-app inbox
    assert world.platform.watch_health() == []
    ready = world.client.get("/readyz").json()
    assert ready["checks"]["notifications"] == "not configured"


def test_a_few_5xx_open_nothing_and_an_error_incident_is_scoped_to_its_tenant(
    world: World,
) -> None:
    world.seed("city")
    campus, now = _tenant(world, "campus"), world.platform.clock.now()
    http = world.platform.http
    for _ in range(19):  # below the minimum volume, however bad
        http.record(now, 500, campus)
    for _ in range(200):  # nobody signed in: counted on /metrics, scoped to no tenant
        http.record(now, 500, None)
    assert world.platform.watch_health() == []
    http.record(now, 200, campus)  # the 20th request: 19 of 20 failed
    assert world.platform.watch_health() == [f"opened error_rate ({campus})"]
    c = world.client
    [incident] = c.get("/v1/incidents", headers=world.auth("ops")).json()
    assert incident["tenant_id"] == campus and not incident["confirmed"]
    assert c.get("/v1/incidents", headers=world.auth("ops@city")).json() == []
    assert c.get("/status.json").json()["open_incidents"] == []  # not "all tenants"
    assert c.get("/status.json?tenant=city").json()["open_incidents"] == []
    assert len(c.get("/status.json?tenant=campus").json()["open_incidents"]) == 1


def test_a_tenant_with_enough_requests_but_few_errors_opens_nothing(world: World) -> None:
    campus, now = _tenant(world, "campus"), world.platform.clock.now()
    for n in range(40):  # 4 errors in 40: 10 %, over the rate but under the 5-error minimum
        world.platform.http.record(now, 500 if n < 4 else 200, campus)
    assert world.platform.watch_health() == []


def test_only_an_operator_of_the_tenant_can_confirm_an_incident(world: World) -> None:
    world.seed("city")
    campus, now = _tenant(world, "campus"), world.platform.clock.now()
    for _ in range(25):
        world.platform.http.record(now, 503, campus)
    world.platform.watch_health()
    c = world.client
    [incident] = c.get("/v1/incidents", headers=world.auth("ops")).json()
    url = f"/v1/incidents/{incident['id']}/confirm"
    assert c.post(url, headers=world.auth("student1")).json()["code"] == "operator_only"
    assert c.post(url, headers=world.auth("ops@city")).status_code == 404
    assert c.post(url).status_code == 401
    assert c.post("/v1/incidents/inc_nope/confirm", headers=world.auth("ops")).status_code == 404
    confirmed = c.post(url, headers=world.auth("ops"))
    assert confirmed.status_code == 200 and confirmed.json()["confirmed"]
    opened = c.post(
        "/v1/incidents",
        json={"title": "Kitchen fire", "components": {"ordering": "major"}, "message": "x"},
        headers=world.auth("ops"),
    ).json()
    assert opened["confirmed"]  # an operator opening one vouches for it

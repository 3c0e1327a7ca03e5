"""The operator's desks beyond the main console: map marks that open a timeline, a risk zone
drawn on the map, each rider's load and the caps' change log, the compensation ledger, the
policies as forms with versions, and the KPI strip's delay and day curves."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.api.helpers import assigned, delivered, merchant_of, place
from tests.conftest import World
from tests.console.test_pages import csrf_of, fresh, log_in
from tiffin.store import tables

CORNERS = "31.0350,121.4450\n31.0350,121.4470\n31.0365,121.4470\n31.0365,121.4450"


def test_map_marks_open_the_rider_and_order_timelines(world: World) -> None:
    order = assigned(world, "desk-1")
    ops = log_in(fresh(world), "ops@campus.test")
    page = ops.get("/console").text
    assert f'<a href="/console/orders/{order["id"]}" class="mark"' in page
    rider = re.search(r'<a href="/console/riders/([^"]+)" class="mark"', page)
    assert rider, "riders on the map are links"
    assert ops.get(f"/console/riders/{rider.group(1)}").status_code == 200
    timeline = ops.get(f"/console/orders/{order['id']}")
    assert timeline.status_code == 200
    assert 'id="order-steps"' in timeline.text and "已接单" in timeline.text  # each step
    assert 'id="order-offers"' in timeline.text and "/console/riders/" in timeline.text
    world.seed("city")
    outsider = log_in(fresh(world), "ops@city.test", tenant="city")
    assert outsider.get(f"/console/orders/{order['id']}").status_code == 404
    customer = log_in(fresh(world), "student1@campus.test")
    assert customer.get(f"/console/orders/{order['id']}").status_code == 403


def test_a_risk_zone_drawn_on_the_map_is_closed_through_the_service(world: World) -> None:
    ops = log_in(fresh(world), "ops@campus.test")
    page = ops.get("/console/zones/new")
    assert page.status_code == 200 and 'id="draw-map"' in page.text
    assert 'data-scale="' in page.text and 'name="points"' in page.text
    form = {
        "csrf": csrf_of(page.text),
        "points": CORNERS,
        "handoff": "31.03,121.44",
        "name": "Lab 3 outbreak",
        "level": "high",
        "hours": "4",
        "reason": "two cases in the lab",
    }
    refused = ops.post("/console/zones", data={**form, "points": "31.035,121.445\nnot a point"})
    assert refused.status_code == 422 and 'id="zone-errors"' in refused.text
    assert "not a point" in refused.text  # the corners come back as typed
    two = ops.post("/console/zones", data={**form, "points": "31.035,121.445\n31.036,121.446"})
    assert two.status_code == 422 and "polygon" in two.text
    r = ops.post("/console/zones", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console"
    zones = world.client.get("/v1/risk-zones", headers=world.auth("ops")).json()
    assert [z["name"] for z in zones] == ["Lab 3 outbreak"] and len(zones[0]["polygon"]) == 4
    assert 'class="risk closed"' in ops.get("/console").text
    assert ops.post("/console/zones", data={**form, "csrf": "x"}).status_code == 403
    student = log_in(fresh(world), "student1@campus.test")
    r = student.post(
        "/console/zones",
        data={**form, "csrf": csrf_of(student.get("/app").text)},
    )
    assert r.status_code == 403
    assert len(world.client.get("/v1/risk-zones", headers=world.auth("ops")).json()) == 1


def test_the_dispatch_board_shows_loads_fairness_and_the_caps_log(world: World) -> None:
    delivered(world, "desk-2")
    ops = log_in(fresh(world), "ops@campus.test")
    page = ops.get("/console/dispatch")
    assert 'id="loads"' in page.text and 'id="gini-orders"' in page.text
    loads = world.client.get("/v1/dispatch/fairness", headers=world.auth("ops")).json()
    assert f'id="gini-orders">{loads["gini_orders"]:.3f}<' in page.text
    worked = re.search(r'<table id="loads">.*?</table>', page.text, re.S)
    assert worked and "<td>1</td>" in worked.group(0)  # rider1 delivered one order today
    form = {
        "csrf": csrf_of(page.text),
        "max_orders_per_hour": "4",
        "max_continuous_minutes": "240",
        "max_carried": "2",
        "reason": "exam week",
    }
    ops.post("/console/dispatch/caps", data=form)
    log = ops.get("/console/dispatch").text
    row = re.search(r'<table id="caps-log">.*?</table>', log, re.S)
    assert row and "exam week" in row.group(0) and "ops@campus.test" in row.group(0)
    assert "<td>4</td><td>240</td><td>2</td>" in row.group(0)
    world.seed("city")
    outsider = log_in(fresh(world), "ops@city.test", tenant="city")
    assert "exam week" not in outsider.get("/console/dispatch").text


def test_the_kpi_strip_has_the_notification_delay_and_day_curves(world: World) -> None:
    delivered(world, "desk-3")
    order = place(world, key="desk-4").json()
    world.client.post(
        f"/v1/orders/{order['id']}/reject",
        json={"reason": "Out of rice"},
        headers=world.auth(merchant_of(world, order)),
    )
    world.drain()  # the customer is told: a notification created, then sent
    with world.platform.uow(read_only=True) as uow:
        n = tables.notifications.c
        sent = uow.conn.execute(
            select(n.created_at, n.delivered_at).where(n.delivered_at.is_not(None))
        ).all()
    assert sent, "the rejection was notified"
    worst = max((r.delivered_at - r.created_at).total_seconds() for r in sent)
    page = log_in(fresh(world), "ops@campus.test").get("/console").text
    assert f'id="kpi-notify-p99">{worst:.1f} s<' in page  # few sends: p99 is the slowest
    sparks = re.findall(r'<div class="kpi spark"><svg [^>]*><polyline points="([^"]*)"/>', page)
    assert len(sparks) == 2 and sparks[0], "orders per hour are drawn"


def test_the_ledger_filters_and_totals_and_the_policy_forms_version(world: World) -> None:
    order = place(world, key="desk-5").json()
    rejected = world.client.post(
        f"/v1/orders/{order['id']}/reject",
        json={"reason": "Out of rice"},
        headers=world.auth(merchant_of(world, order)),
    )
    assert rejected.status_code == 200, rejected.text
    world.drain()
    grants = world.client.get("/v1/me/wallet", headers=world.auth("student1")).json()
    assert grants["grants"], grants
    ops = log_in(fresh(world), "ops@campus.test")
    everything = ops.get("/console/care/ledger").text
    rows = re.findall(r'<tr data-grant="[^"]+">(.*?)</tr>', everything)
    assert rows and order["id"][-6:] in rows[0], "the rejected order's grant is in the ledger"
    total = re.search(r'id="ledger-total">([^<]+)<', everything)
    assert total and total.group(1) != "¥0.00"
    day = world.platform.clock.now().date().isoformat()
    same = ops.get(f"/console/care/ledger?reason=cancelled&liable=merchant&day={day}").text
    assert 'value="cancelled" selected' in same and order["id"][-6:] in same
    assert f'id="ledger-total">{total.group(1)}<' in same
    for other in ("reason=food_late", "liable=rider", "day=2001-01-01"):
        shown = ops.get(f"/console/care/ledger?{other}").text
        assert 'id="ledger-total">¥0.00<' in shown and order["id"][-6:] not in shown
    assert 'id="budget-left"' in everything
    page = ops.get("/console/care/policies/compensation")
    assert page.status_code == 200 and 'name="daily_budget_cents"' in page.text
    fields = dict(re.findall(r'name="([a-z_]+)" type="number" min="\d+" value="(\d+)"', page.text))
    document = re.search(r'<textarea id="p-document"[^>]*>(.*?)</textarea>', page.text, re.S)
    assert document and fields["version"] == "2"
    text = document.group(1).replace("&#34;", '"').replace("&quot;", '"')
    form = {"csrf": csrf_of(page.text), **fields, "document": text, "daily_budget_cents": "12345"}
    bad = ops.post("/console/care/policies/compensation", data={**form, "document": "{oops"})
    assert bad.status_code == 422 and 'id="policy-errors"' in bad.text and "{oops" in bad.text
    nope = ops.post("/console/care/policies/compensation", data={**form, "period_days": "0"})
    assert nope.status_code == 422 and "period_days" in nope.text
    r = ops.post("/console/care/policies/compensation", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    saved = world.client.get("/v1/care/compensation", headers=world.auth("ops")).json()
    assert saved["daily_budget_cents"] == 12345 and saved["version"] == 2
    again = ops.get("/console/care/policies/compensation").text
    assert 'id="versions"' in again and "<td>2 · " in again and 'value="12345"' in again
    older = ops.get("/console/care/policies/compensation?version=2").text
    assert 'id="loaded-version"' in older and 'value="12345"' in older
    assert 'id="p-version" name="version" type="number" min="1" value="3"' in older
    play = ops.get("/console/care/policies/playbook")
    assert play.status_code == 200 and 'name="document"' in play.text
    world.seed("city")
    outsider = log_in(fresh(world), "ops@city.test", tenant="city")
    assert 'value="12345"' not in outsider.get("/console/care/policies/compensation").text
    customer = log_in(fresh(world), "student1@campus.test")
    assert customer.get("/console/care/ledger").status_code == 403
    assert customer.get("/console/care/policies/playbook").status_code == 403

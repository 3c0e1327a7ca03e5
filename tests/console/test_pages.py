"""The console's pages through the app: session cookie login, CSRF on every form, role landing,
object-level rules, the language switch, and an order placed once however often it is sent."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.api.helpers import assigned, delivered, merchant_of, place
from tests.conftest import World
from tiffin.resilience import drill_queue, drill_schedule
from tiffin.resilience.drill_model import DrillKind, RunStatus
from tiffin.store import tables

PASSWORD = "tiffin-demo"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no form token"
    return found.group(1)


def log_in(client: TestClient, email: str, tenant: str = "campus") -> TestClient:
    page = client.get("/console/login")
    r = client.post(
        "/console/login",
        data={"csrf": csrf_of(page.text), "tenant": tenant, "email": email, "password": PASSWORD},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return client


def fresh(world: World) -> TestClient:
    return TestClient(world.client.app)


def test_login_sets_an_httponly_lax_session_and_lands_by_role(world: World) -> None:
    client = fresh(world)
    page = client.get("/console/login")
    r = client.post(
        "/console/login",
        data={
            "csrf": csrf_of(page.text),
            "tenant": "campus",
            "email": "ops@campus.test",
            "password": PASSWORD,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/console"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("tiffin_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert "tiffin_session" not in r.headers["location"]  # never a token in the URL
    for who, landing in (("student1", "/app"), ("canteen1", "/app"), ("rider1", "/app")):
        c = fresh(world)
        got = c.post(
            "/console/login",
            data={
                "csrf": csrf_of(c.get("/console/login").text),
                "tenant": "campus",
                "email": f"{who}@campus.test",
                "password": PASSWORD,
            },
            follow_redirects=False,
        )
        assert got.headers["location"] == landing


def test_a_form_without_the_token_is_refused_and_changes_nothing(world: World) -> None:
    client = log_in(fresh(world), "student1@campus.test")
    merchant = world.client.get("/v1/merchants", headers=world.auth("student1")).json()[0]
    item = world.client.get(
        f"/v1/merchants/{merchant['id']}", headers=world.auth("student1")
    ).json()["menu"][0]
    form = {"merchant_id": merchant["id"], "idempotency_key": "k1", f"qty_{item['id']}": "1"}
    for token in (None, "forged"):
        data = form if token is None else {**form, "csrf": token}
        r = client.post("/app/orders", data=data, follow_redirects=False)
        assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
    with world.platform.uow(read_only=True) as uow:
        assert uow.conn.execute(select(func.count()).select_from(tables.orders)).scalar() == 0
    r = client.post("/console/login", data={"tenant": "campus"}, follow_redirects=False)
    assert r.status_code == 403  # login forms too: no login CSRF


def test_a_double_submitted_order_form_places_one_order(world: World) -> None:
    client = log_in(fresh(world), "student1@campus.test")
    home = client.get("/app")
    assert home.status_code == 200
    link = re.search(r'href="/app/merchants/([^"]+)"', home.text)
    assert link
    menu = client.get(f"/app/merchants/{link.group(1)}")
    assert "¥" in menu.text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', menu.text)
    item = re.search(r'name="(qty_[^"]+)"', menu.text)
    assert key and item
    form = {
        "csrf": csrf_of(menu.text),
        "merchant_id": link.group(1),
        "idempotency_key": key.group(1),
        item.group(1): "2",
    }
    first = client.post("/app/orders", data=form, follow_redirects=False)
    second = client.post("/app/orders", data=form, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert first.headers["location"].startswith("/app/orders/ord")
    with world.platform.uow(read_only=True) as uow:
        assert uow.conn.execute(select(func.count()).select_from(tables.orders)).scalar() == 1
    tracking = client.get(first.headers["location"])
    assert tracking.status_code == 200 and 'data-status="placed"' in tracking.text


def test_pages_keep_to_roles_and_owners(world: World) -> None:
    customer = log_in(fresh(world), "student1@campus.test")
    assert customer.get("/console", follow_redirects=False).headers["location"] == "/app"
    r = customer.post(
        "/console/anomalies/ano_x/take",
        data={"csrf": csrf_of(customer.get("/app").text)},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/console?problem=operator_only"
    order = world.client.post(
        "/v1/orders",
        json={
            "merchant_id": world.subjects["canteen1"],
            "items": [
                {
                    "item_id": world.client.get(
                        f"/v1/merchants/{world.subjects['canteen1']}",
                        headers=world.auth("student2"),
                    ).json()["menu"][0]["id"],
                    "quantity": 1,
                }
            ],
        },
        headers={**world.auth("student2"), "Idempotency-Key": "other"},
    ).json()
    assert customer.get(f"/app/orders/{order['id']}").status_code == 404  # not theirs
    other_kitchen = log_in(fresh(world), "canteen2@campus.test")
    r = other_kitchen.post(
        f"/app/orders/{order['id']}/accept",
        data={"csrf": csrf_of(other_kitchen.get("/app").text)},
        follow_redirects=False,
    )
    assert r.headers["location"].startswith("/app?problem=")
    assert (
        world.client.get(f"/v1/orders/{order['id']}", headers=world.auth("ops")).json()["status"]
        == "placed"
    )
    anonymous = fresh(world)
    assert (
        anonymous.get("/console", follow_redirects=False)
        .headers["location"]
        .startswith("/console/login")
    )
    assert anonymous.get("/console/live").status_code == 401


def test_the_operator_console_shows_map_board_queue_and_kpis(world: World) -> None:
    ops = log_in(fresh(world), "ops@campus.test")
    page = ops.get("/console")
    assert page.status_code == 200
    for rider in ("Zhang Min", "Sam Okafor", "Wang Fang", "Ana Silva"):
        assert rider in page.text
    assert '<svg class="map"' in page.text and 'class="zone"' in page.text
    assert 'data-live="/console/live"' in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_the_language_switch_is_remembered(world: World) -> None:
    client = log_in(fresh(world), "ops@campus.test")
    assert "调度台" in client.get("/console").text  # the default is zh-CN
    r = client.post(
        "/console/language",
        data={"csrf": csrf_of(client.get("/console").text), "language": "en", "next": "/console"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/console"
    assert "Dispatch console" in client.get("/console").text
    evil = client.post(
        "/console/language",
        data={"csrf": csrf_of(client.get("/console").text), "language": "en", "next": "//evil"},
        follow_redirects=False,
    )
    assert evil.headers["location"] == "/console"  # no open redirect


def test_logout_ends_the_session(world: World) -> None:
    client = log_in(fresh(world), "ops@campus.test")
    page = client.get("/console")
    token = client.cookies.get("tiffin_session")
    client.post("/console/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    again = fresh(world)
    again.cookies.set("tiffin_session", token)
    assert again.get("/console", follow_redirects=False).status_code == 303


def test_an_anomaly_page_shows_what_was_done_and_only_to_operators(world: World) -> None:
    item = world.client.get(
        f"/v1/merchants/{world.subjects['canteen1']}", headers=world.auth("student1")
    ).json()["menu"][0]
    order = world.client.post(
        "/v1/orders",
        json={
            "merchant_id": world.subjects["canteen1"],
            "items": [{"item_id": item["id"], "quantity": 1}],
        },
        headers={**world.auth("student1"), "Idempotency-Key": "anomaly-page"},
    ).json()
    world.client.post(
        f"/v1/orders/{order['id']}/reject",
        json={"reason": "Out of rice"},
        headers=world.auth("canteen1"),
    )
    world.drain()
    ops = log_in(fresh(world), "ops@campus.test")
    queue = ops.get("/console").text
    found = re.search(r'href="/console/anomalies/([^"]+)"', queue)
    assert found and f'data-order="{order["id"]}"' in queue  # handled, still shown to close
    page = ops.get(f"/console/anomalies/{found.group(1)}")
    assert page.status_code == 200 and "Out of rice" in page.text
    customer = log_in(fresh(world), "student1@campus.test")
    assert customer.get(f"/console/anomalies/{found.group(1)}").status_code == 403
    inbox = customer.get("/app/inbox").text
    assert f'href="/app/orders/{order["id"]}"' in inbox and 'id="credit"' in inbox
    assert f'data-rate="{found.group(1)}"' in inbox
    rate = f"/app/anomalies/{found.group(1)}/feedback"
    too_high = customer.post(
        rate, data={"csrf": csrf_of(inbox), "rating": "9"}, follow_redirects=False
    )
    assert too_high.headers["location"] == "/app/inbox?problem=invalid_input"
    rated = customer.post(
        rate, data={"csrf": csrf_of(inbox), "rating": "4", "comment": "ok"}, follow_redirects=False
    )
    assert rated.headers["location"] == "/app/inbox"
    assert f'data-rate="{found.group(1)}"' not in customer.get("/app/inbox").text
    other = log_in(fresh(world), "student2@campus.test")
    stranger = other.post(
        rate, data={"csrf": csrf_of(other.get("/app").text), "rating": "1"}, follow_redirects=False
    )
    assert stranger.headers["location"] == "/app/inbox?problem=not_found"
    closed = ops.post(
        f"/console/anomalies/{found.group(1)}/close",
        data={"csrf": csrf_of(queue), "resolution": "Refunded"},
        follow_redirects=False,
    )
    assert closed.headers["location"] == "/console"
    assert f'data-order="{order["id"]}"' not in ops.get("/console").text
    empty = ops.post(
        f"/console/anomalies/{found.group(1)}/note",
        data={"csrf": csrf_of(queue), "text": ""},
        follow_redirects=False,
    )
    assert empty.headers["location"] == "/console?problem=invalid_input"


def test_an_operator_opens_updates_and_resolves_an_incident(world: World) -> None:
    ops = log_in(fresh(world), "ops@campus.test")
    page = ops.get("/console/incidents")
    assert page.status_code == 200 and 'href="/status?tenant=campus"' in page.text
    token = csrf_of(page.text)
    opened = ops.post(
        "/console/incidents",
        data={
            "csrf": token,
            "title": "Slow dispatch",
            "component": "dispatch",
            "impact": "major",
            "message": "Offers are late",
        },
        follow_redirects=False,
    )
    assert opened.headers["location"] == "/console/incidents"
    page = ops.get("/console/incidents").text
    found = re.search(r'data-incident="([^"]+)"', page)
    assert found and "Slow dispatch" in page
    incident = found.group(1)
    bad = ops.post(
        "/console/incidents",
        data={"csrf": token, "title": "x", "component": "moon", "impact": "major", "message": "m"},
        follow_redirects=False,
    )
    assert bad.headers["location"] == "/console/incidents?problem=invalid_input"
    done = ops.post(
        f"/console/incidents/{incident}/update",
        data={"csrf": token, "state": "resolved", "message": "Back to normal"},
        follow_redirects=False,
    )
    assert done.headers["location"] == "/console/incidents"
    api = world.client.get(f"/v1/incidents/{incident}", headers=world.auth("ops")).json()
    assert api["state"] == "resolved"
    review = ops.get(f"/console/incidents/{incident}")
    assert review.status_code == 200 and "Back to normal" in review.text
    customer = log_in(fresh(world), "student1@campus.test")
    assert customer.get("/console/incidents").status_code == 403
    refused = customer.post(
        "/console/incidents",
        data={
            "csrf": csrf_of(customer.get("/app").text),
            "title": "t",
            "component": "dispatch",
            "impact": "major",
            "message": "m",
        },
        follow_redirects=False,
    )
    assert refused.headers["location"] == "/console/incidents?problem=operator_only"


def test_the_care_desk_lists_calls_and_marks_them_done(world: World) -> None:
    with world.platform.uow() as uow:
        uow.conn.execute(
            tables.customers.update()
            .where(tables.customers.c.id == world.subjects["student1"])
            .values(contact_channel="phone")
        )
        uow.commit()
    order = place(world, key="care-desk").json()
    world.client.post(
        f"/v1/orders/{order['id']}/reject",
        json={"reason": "gas cut"},
        headers=world.auth(merchant_of(world, order)),
    )
    world.drain()
    world.platform.notification_sender().run_until_idle()
    ops = log_in(fresh(world), "ops@campus.test")
    page = ops.get("/console/care")
    assert page.status_code == 200 and "¥" in page.text
    found = re.search(r'data-call="([^"]+)"', page.text)
    assert found
    done = ops.post(
        f"/console/care/calls/{found.group(1)}/done",
        data={"csrf": csrf_of(page.text), "outcome": "apologised"},
        follow_redirects=False,
    )
    assert done.headers["location"] == "/console/care"
    assert "data-call=" not in ops.get("/console/care").text
    customer = log_in(fresh(world), "student1@campus.test")
    assert customer.get("/console/care").status_code == 403


def test_a_kitchen_marks_a_dish_sold_out_and_customers_stop_seeing_it(world: World) -> None:
    kitchen = log_in(fresh(world), "canteen1@campus.test")
    page = kitchen.get("/app").text
    found = re.search(r'data-item="([^"]+)"', page)
    assert found
    item = found.group(1)
    r = kitchen.post(
        f"/app/menu/{item}/sold-out", data={"csrf": csrf_of(page)}, follow_redirects=False
    )
    assert r.headers["location"] == "/app"
    customer = log_in(fresh(world), "student1@campus.test")
    menu = customer.get(f"/app/merchants/{world.subjects['canteen1']}").text
    assert f"qty_{item}" not in menu
    other = log_in(fresh(world), "canteen2@campus.test")
    r = other.post(
        f"/app/menu/{item}/back",
        data={"csrf": csrf_of(other.get("/app").text)},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/app?problem=not_found"  # not their dish


def test_login_goes_back_to_the_page_asked_for_and_refuses_alike(world: World) -> None:
    client = fresh(world)
    sent = client.get("/app/inbox", follow_redirects=False)
    assert sent.headers["location"] == "/console/login?next=/app/inbox"
    page = client.get(sent.headers["location"]).text
    assert 'name="next" value="/app/inbox"' in page
    form = {"csrf": csrf_of(page), "tenant": "campus", "next": "/app/inbox"}
    wrong = client.post(
        "/console/login",
        data={**form, "email": "student1@campus.test", "password": "nope"},
        follow_redirects=False,
    )
    unknown = client.post(
        "/console/login",
        data={**form, "email": "nobody@campus.test", "password": "nope"},
        follow_redirects=False,
    )
    assert wrong.status_code == unknown.status_code == 401
    assert "tiffin_session" not in wrong.headers.get("set-cookie", "")
    right = client.post(
        "/console/login",
        data={**form, "email": "student1@campus.test", "password": PASSWORD},
        follow_redirects=False,
    )
    assert right.headers["location"] == "/app/inbox"


def test_an_operator_reads_the_forecast_and_changes_the_caps(world: World) -> None:
    ops = log_in(fresh(world), "ops@campus.test")
    page = ops.get("/console/dispatch")
    assert page.status_code == 200 and "North Canteen" in page.text
    form = {
        "csrf": csrf_of(page.text),
        "max_orders_per_hour": "4",
        "max_continuous_minutes": "240",
        "max_carried": "2",
        "reason": "exam week",
    }
    r = ops.post("/console/dispatch/caps", data=form, follow_redirects=False)
    assert r.headers["location"] == "/console/dispatch"
    caps = world.client.get("/v1/dispatch/caps", headers=world.auth("ops")).json()
    assert (caps["max_orders_per_hour"], caps["max_carried"]) == (4, 2)
    for bad in ({"max_carried": "99"}, {"max_carried": "two"}, {"reason": ""}):
        r = ops.post("/console/dispatch/caps", data={**form, **bad}, follow_redirects=False)
        assert r.headers["location"].startswith("/console/dispatch?problem=")
    customer = log_in(fresh(world), "student1@campus.test")
    assert customer.get("/console/dispatch").status_code == 403


def test_a_customer_reports_a_problem_with_a_delivered_order(world: World) -> None:
    order = delivered(world, "problem-page")
    customer = log_in(fresh(world), "student1@campus.test")
    page = customer.get(f"/app/orders/{order['id']}").text
    assert 'id="report-problem"' in page
    url = f"/app/orders/{order['id']}/problem"
    bad = customer.post(
        url, data={"csrf": csrf_of(page), "problem": "cold"}, follow_redirects=False
    )
    assert bad.headers["location"] == f"/app/orders/{order['id']}?problem=invalid_input"
    r = customer.post(
        url,
        data={"csrf": csrf_of(page), "problem": "missing", "note": "no soup"},
        follow_redirects=False,
    )
    assert r.headers["location"] == f"/app/orders/{order['id']}"
    mine = world.client.get("/v1/me/anomalies", headers=world.auth("student1")).json()
    assert [a["type"] for a in mine if a["order_id"] == order["id"]] == ["item_problem"]


def test_a_rider_hands_back_an_order_with_a_reason(world: World) -> None:
    order = assigned(world, "hand-back-page")
    rider = log_in(fresh(world), "rider1@campus.test")
    page = rider.get("/app").text
    assert f"/app/riders/orders/{order['id']}/hand-back" in page
    r = rider.post(
        f"/app/riders/orders/{order['id']}/hand-back",
        data={"csrf": csrf_of(page), "reason": "flat tyre"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/app"
    again = world.client.get(f"/v1/orders/{order['id']}", headers=world.auth("ops")).json()
    assert again["rider_id"] is None
    ops = log_in(fresh(world), "ops@campus.test")
    assert f'href="/console/riders/{world.subjects["rider1"]}"' in ops.get("/console").text
    timeline = ops.get(f"/console/riders/{world.subjects['rider1']}")
    assert timeline.status_code == 200 and order["id"][-6:] in timeline.text
    assert ops.get("/console/riders/rdr_nobody").status_code == 404
    assert rider.get(f"/console/riders/{world.subjects['rider1']}").status_code == 403


def test_the_incidents_page_shows_the_tenants_last_drill_and_its_figures(
    world: World, tmp_path: Path
) -> None:
    """The last finished drill of the operator's own tenant, in their language; another
    tenant's drill is not shown to them."""
    world.seed("city")
    ops = log_in(fresh(world), "ops@campus.test")
    assert "尚未运行过演练" in ops.get("/console/incidents").text
    live = world.platform.settings.database_url
    with world.platform.uow() as uow:
        campus = uow.tenants.with_slug("campus")
        assert campus is not None
        drill = drill_schedule.schedule(
            uow,
            tenant_id=campus.id,
            scheduled_by="test",
            kind=DrillKind.CRASH,
            url=f"sqlite:///{tmp_path}/staging.db",
            every_seconds=3600,
            live_url=live,
        )
        uow.commit()
    with world.platform.uow() as uow:
        claimed = drill_queue.claim_next(uow, runner="test", timeout=timedelta(hours=1))
        assert claimed is not None and claimed.schedule.id == drill.id
        figures = {"kills": 2, "acknowledged": 124, "lost": 0, "duplicated": 0}
        figures |= {"recovery_s_max": 5.74, "problems": []}
        drill_queue.finish(uow, claimed.run.id, RunStatus.PASSED, figures=figures)
        uow.commit()
    page = ops.get("/console/incidents").text
    assert f'data-drill-run="{claimed.run.id}"' in page
    assert "崩溃演练" in page and "通过" in page  # a crash drill, passed
    assert "最长恢复时间（秒）</dt><dd>5.74" in page and "已确认订单</dt><dd>124" in page
    outsider = log_in(fresh(world), "ops@city.test", tenant="city")
    elsewhere = outsider.get("/console/incidents").text
    assert "data-drill-run" not in elsewhere and "尚未运行过演练" in elsewhere

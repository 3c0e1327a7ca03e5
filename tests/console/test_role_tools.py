"""The role pages' working forms: a contactless drop proved with the customer's code, a
kitchen's menu editor, a rider's day and a rider's claims and support requests; each kept to
its role and its owner."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from tests.api.helpers import ON_CAMPUS, delivered, merchant_of, place
from tests.api.test_rider_aid import insure
from tests.conftest import World
from tests.console.test_pages import csrf_of, fresh, log_in
from tiffin.store import tables


def picked_up(world: World, key: str, **extra: Any) -> Any:
    """A new order (``extra`` joins its body) carried by rider1 as far as the door."""
    c = world.client
    order = place(world, key=key, **extra).json()
    kitchen = world.auth(merchant_of(world, order))
    c.post(f"/v1/orders/{order['id']}/accept", headers=kitchen)
    c.post("/v1/riders/me/shift/start", json=ON_CAMPUS, headers=world.auth("rider1"))
    offer = c.post(
        f"/v1/orders/{order['id']}/offers",
        json={"rider_id": world.subjects["rider1"]},
        headers=world.auth("ops"),
    ).json()
    assert c.post(f"/v1/offers/{offer['id']}/accept", headers=world.auth("rider1")).is_success
    c.post(f"/v1/orders/{order['id']}/ready", headers=kitchen)
    assert c.post(f"/v1/orders/{order['id']}/pickup", headers=world.auth("rider1")).is_success
    return order


def status_of(world: World, order_id: str) -> str:
    return str(
        world.client.get(f"/v1/orders/{order_id}", headers=world.auth("ops")).json()["status"]
    )


def test_a_contactless_drop_needs_the_customers_code(world: World) -> None:
    order = picked_up(world, "contactless-page", contactless=True)
    customer = log_in(fresh(world), "student1@campus.test")
    shown = re.search(
        r'id="dropoff-code">(\d{6})<', customer.get(f"/app/orders/{order['id']}").text
    )
    assert shown, "the customer sees their drop-off code"
    code = shown.group(1)
    rider = log_in(fresh(world), "rider1@campus.test")
    page = rider.get("/app").text
    assert f'id="code-{order["id"]}"' in page and code not in page  # asked for, never shown
    url = f"/app/orders/{order['id']}/deliver"
    token = csrf_of(page)
    r = rider.post(url, data={"csrf": token}, follow_redirects=False)
    assert r.headers["location"] == "/app?problem=dropoff_proof_required"
    wrong = "000000" if code != "000000" else "111111"
    r = rider.post(url, data={"csrf": token, "dropoff_code": wrong}, follow_redirects=False)
    assert r.headers["location"] == "/app?problem=wrong_dropoff_code"
    assert status_of(world, order["id"]) == "picked_up"
    r = rider.post(url, data={"csrf": token, "dropoff_code": code}, follow_redirects=False)
    assert r.headers["location"] == "/app"
    assert status_of(world, order["id"]) == "delivered"
    kitchen = log_in(fresh(world), f"{merchant_of(world, order)}@campus.test")
    assert code not in kitchen.get(f"/app/orders/{order['id']}").text


def test_a_hand_over_in_person_needs_no_code_and_the_menu_offers_contactless(
    world: World,
) -> None:
    order = picked_up(world, "in-person-page")
    rider = log_in(fresh(world), "rider1@campus.test")
    page = rider.get("/app").text
    assert f'id="code-{order["id"]}"' not in page
    r = rider.post(
        f"/app/orders/{order['id']}/deliver", data={"csrf": csrf_of(page)}, follow_redirects=False
    )
    assert r.headers["location"] == "/app" and status_of(world, order["id"]) == "delivered"
    customer = log_in(fresh(world), "student1@campus.test")
    menu = customer.get(f"/app/merchants/{world.subjects['canteen1']}").text
    item = re.search(r'name="qty_([^"]+)"', menu)
    assert item and 'name="contactless"' in menu
    key = re.search(r'name="idempotency_key" value="([^"]+)"', menu)
    assert key
    r = customer.post(
        "/app/orders",
        data={
            "csrf": csrf_of(menu),
            "merchant_id": world.subjects["canteen1"],
            "idempotency_key": key.group(1),
            f"qty_{item.group(1)}": "1",
            "contactless": "on",
        },
        follow_redirects=False,
    )
    placed = r.headers["location"].removeprefix("/app/orders/")
    assert 'id="contactless"' in customer.get(r.headers["location"]).text
    assert world.client.get(f"/v1/orders/{placed}", headers=world.auth("student1")).json()[
        "contactless"
    ]


def test_a_kitchen_edits_and_adds_dishes_with_errors_shown(world: World) -> None:
    kitchen = log_in(fresh(world), "canteen1@campus.test")
    assert 'href="/app/menu"' in kitchen.get("/app").text
    page = kitchen.get("/app/menu").text
    item = re.search(r'data-item="([^"]+)"', page)
    assert item
    url, token = f"/app/menu/{item.group(1)}", csrf_of(page)
    r = kitchen.post(
        url, data={"csrf": token, "name": "Soup", "price": "12.345"}, follow_redirects=False
    )
    assert r.headers["location"] == "/app/menu?problem=bad_price"
    assert "bad_price" in kitchen.get(r.headers["location"]).text
    r = kitchen.post(url, data={"csrf": token, "name": "  ", "price": "9"}, follow_redirects=False)
    assert r.headers["location"] == "/app/menu?problem=invalid_input"
    r = kitchen.post(
        url, data={"csrf": token, "name": "Hot soup", "price": "9.5"}, follow_redirects=False
    )
    assert r.headers["location"] == "/app/menu"
    r = kitchen.post(
        "/app/menu",
        data={"csrf": token, "name": "Dumplings", "price": "15"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/app/menu"
    menu = world.client.get(
        f"/v1/merchants/{world.subjects['canteen1']}", headers=world.auth("student1")
    ).json()["menu"]
    prices = {m["name"]: m["price_cents"] for m in menu}
    assert prices["Hot soup"] == 950 and prices["Dumplings"] == 1500
    r = kitchen.post(
        "/app/kitchen/prep", data={"csrf": token, "prep_minutes": "25"}, follow_redirects=False
    )
    assert r.headers["location"] == "/app/menu"
    r = kitchen.post(
        "/app/kitchen/prep", data={"csrf": token, "prep_minutes": "999"}, follow_redirects=False
    )
    assert r.headers["location"] == "/app/menu?problem=invalid_input"
    other = log_in(fresh(world), "canteen2@campus.test")
    r = other.post(
        url,
        data={"csrf": csrf_of(other.get("/app/menu").text), "name": "Mine now", "price": "1"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/app/menu?problem=not_found"  # not their dish
    customer = log_in(fresh(world), "student1@campus.test")
    assert customer.get("/app/menu").status_code == 403
    r = customer.post(
        "/app/menu",
        data={"csrf": csrf_of(customer.get("/app").text), "name": "Free", "price": "0"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/app/menu?problem=merchant_only"


def test_a_rider_reads_todays_earnings_and_load(world: World) -> None:
    order = picked_up(world, "earnings-page")
    world.client.post(f"/v1/orders/{order['id']}/deliver", headers=world.auth("rider1"))
    world.platform.clock.advance(timedelta(minutes=30))
    rider = log_in(fresh(world), "rider1@campus.test")
    assert 'href="/app/today"' in rider.get("/app").text
    page = rider.get("/app/today").text
    fee = order["delivery_fee_cents"]
    assert f'id="earned-today">¥{fee // 100}.{fee % 100:02d}<' in page
    assert 'id="orders-today">1<' in page
    hours = re.search(r'id="hours-today">([\d.]+)<', page)
    assert hours and float(hours.group(1)) >= 0.5
    customer = log_in(fresh(world), "student1@campus.test")
    assert customer.get("/app/today").status_code == 403


def claims_of(world: World) -> int:
    with world.platform.uow() as uow:
        table = tables.insurance_claims
        return int(uow.conn.execute(select(func.count()).select_from(table)).scalar() or 0)


def test_a_rider_files_claims_and_asks_for_support_and_sees_only_their_own(world: World) -> None:
    rider = log_in(fresh(world), "rider1@campus.test")
    page = rider.get("/app/aid").text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert key
    when = (world.platform.clock.now() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    claim = {
        "csrf": csrf_of(page),
        "idempotency_key": key.group(1),
        "kind": "accident",
        "incident_at": when,
        "amount": "1200",
        "description": "slipped on ice by the east gate",
    }
    r = rider.post("/app/aid/claims", data=claim, follow_redirects=False)
    assert r.headers["location"] == "/app/aid?problem=no_valid_policy"
    insure(world)
    r = rider.post("/app/aid/claims", data=claim | {"amount": "lots"}, follow_redirects=False)
    assert r.headers["location"] == "/app/aid?problem=bad_price"
    for _ in range(2):  # a double submit files one claim
        r = rider.post("/app/aid/claims", data=claim, follow_redirects=False)
        assert r.headers["location"] == "/app/aid"
    assert claims_of(world) == 1
    r = rider.post(
        "/app/aid/support",
        data={
            "csrf": claim["csrf"],
            "kind": "counselling",
            "urgent": "on",
            "description": "shaken",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/app/aid"
    r = rider.post(
        "/app/aid/support",
        data={"csrf": claim["csrf"], "kind": "spa", "description": "x"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/app/aid?problem=invalid_input"
    mine = rider.get("/app/aid").text
    assert "slipped on ice" in mine and "¥1,200.00" in mine and "shaken" in mine
    other = log_in(fresh(world), "rider2@campus.test")
    theirs = other.get("/app/aid").text
    assert "slipped on ice" not in theirs and "shaken" not in theirs
    customer = log_in(fresh(world), "student1@campus.test")
    assert customer.get("/app/aid").status_code == 403
    r = customer.post(
        "/app/aid/support",
        data={"csrf": csrf_of(customer.get("/app").text), "kind": "other", "description": "x"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/app/aid?problem=rider_only"


def test_a_kitchen_reports_a_delay_and_the_late_food_case_opens(world: World) -> None:
    order = place(world, key="delay-page").json()
    kitchen_login = merchant_of(world, order)
    world.client.post(f"/v1/orders/{order['id']}/accept", headers=world.auth(kitchen_login))
    kitchen = log_in(fresh(world), f"{kitchen_login}@campus.test")
    page = kitchen.get("/app").text
    url = f"/app/kitchen/orders/{order['id']}/delay"
    assert url in page
    token = csrf_of(page)
    r = kitchen.post(url, data={"csrf": token, "minutes": "500"}, follow_redirects=False)
    assert r.headers["location"] == "/app?problem=bad_minutes"
    other_login = "canteen2" if kitchen_login != "canteen2" else "canteen1"
    other = log_in(fresh(world), f"{other_login}@campus.test")
    r = other.post(
        url,
        data={"csrf": csrf_of(other.get("/app").text), "minutes": "10"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/app?problem=not_found"  # not their order
    r = kitchen.post(
        url, data={"csrf": token, "minutes": "20", "note": "gas went out"}, follow_redirects=False
    )
    assert r.headers["location"] == "/app"
    found = world.client.get("/v1/anomalies", headers=world.auth("ops")).json()
    late = [a for a in found if a["order_id"] == order["id"]]
    assert [(a["type"], a["liable"]) for a in late] == [("food_late", "merchant")]
    r = kitchen.post(url, data={"csrf": token, "minutes": "5"}, follow_redirects=False)
    assert r.headers["location"] == "/app"  # a second report merges into the open case
    found = world.client.get("/v1/anomalies", headers=world.auth("ops")).json()
    assert len([a for a in found if a["order_id"] == order["id"]]) == 1


def test_a_rider_reports_an_order_they_cannot_deliver(world: World) -> None:
    order = picked_up(world, "fail-page")
    rider = log_in(fresh(world), "rider1@campus.test")
    page = rider.get("/app").text
    url = f"/app/orders/{order['id']}/fail"
    assert url in page
    r = rider.post(url, data={"csrf": csrf_of(page), "reason": " "}, follow_redirects=False)
    assert r.headers["location"] == "/app?problem=invalid_input"
    r = rider.post(
        url, data={"csrf": csrf_of(page), "reason": "bike chain snapped"}, follow_redirects=False
    )
    assert r.headers["location"] == "/app" and status_of(world, order["id"]) == "failed"


def test_a_customer_sees_their_wallet_and_spends_a_coupon_from_the_menu(world: World) -> None:
    order = delivered(world, "wallet-page")
    world.drain()
    world.client.post(
        f"/v1/orders/{order['id']}/problems",
        json={"problem": "wrong", "note": "got tofu, ordered beef"},
        headers=world.auth("student1"),
    )
    [coupon] = world.client.get("/v1/me/wallet", headers=world.auth("student1")).json()["coupons"]
    customer = log_in(fresh(world), "student1@campus.test")
    assert 'href="/app/wallet"' in customer.get("/app").text
    wallet = customer.get("/app/wallet").text
    assert f'data-coupon="{coupon["id"]}"' in wallet and order["id"][-6:] in wallet
    other = log_in(fresh(world), "student2@campus.test")
    assert coupon["id"] not in other.get("/app/wallet").text
    assert coupon["id"] not in other.get(f"/app/merchants/{order['merchant_id']}").text
    kitchen = log_in(fresh(world), "canteen1@campus.test")
    assert kitchen.get("/app/wallet").status_code == 403
    menu = customer.get(f"/app/merchants/{order['merchant_id']}").text
    assert f'<option value="{coupon["id"]}">' in menu
    item = re.search(r'name="qty_([^"]+)"', menu)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', menu)
    assert item and key
    r = customer.post(
        "/app/orders",
        data={
            "csrf": csrf_of(menu),
            "merchant_id": order["merchant_id"],
            "idempotency_key": key.group(1),
            f"qty_{item.group(1)}": "3",
            "coupon_id": coupon["id"],
        },
        follow_redirects=False,
    )
    placed = r.headers["location"].removeprefix("/app/orders/")
    body = world.client.get(f"/v1/orders/{placed}", headers=world.auth("student1")).json()
    assert body["discount_cents"] == coupon["amount_cents"]
    assert f'data-coupon="{coupon["id"]}"' not in customer.get("/app/wallet").text  # spent

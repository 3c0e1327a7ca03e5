"""What a newcomer meets first: the front door, docs that work offline and log in, and refusals
that say what is wrong (an unknown path, a body that is not JSON, a string for a number, a
step the caller's role may never take)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from tests.api.helpers import count_rows, menu, place
from tests.conftest import World
from tiffin.api.app import create_app
from tiffin.platform import Platform
from tiffin.store import tables


def test_the_front_door_says_what_tiffin_is_and_where_to_go(world: World) -> None:
    r = world.client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    for link in ("/console/login", "/docs", "/redoc", "/status", "/readyz"):
        assert f'href="{link}"' in r.text
    assert "food-delivery platform" in r.text
    assert "student1@campus.test" in r.text and "tiffin-demo" in r.text  # the demo is seeded


def test_without_the_demo_campus_the_front_door_lists_no_logins(platform: Platform) -> None:
    page = TestClient(create_app(platform=platform)).get("/")
    assert page.status_code == 200
    assert "tiffin-demo" not in page.text and "Demo logins" not in page.text


def _local_urls(html: str) -> list[str]:
    urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", html)
    return [u for u in urls if not u.startswith("data:")]


def test_the_docs_load_everything_from_this_server(world: World) -> None:
    for page in ("/docs", "/redoc"):
        html = world.client.get(page).text
        foreign = re.findall(r"https?://[^\s'\"<>)]+", html)
        assert foreign == [], f"{page} reaches out to {foreign}"
        assets = [u for u in _local_urls(html) if re.search(r"\.(js|css|png)$", u)]
        assert any(a.endswith(".js") for a in assets), f"{page} names no script: {html}"
        for asset in assets:
            assert urlsplit(asset).netloc == ""
            assert world.client.get(asset).status_code == 200, asset


def test_the_docs_authorize_button_logs_in_with_the_password_flow(world: World) -> None:
    schema = world.client.get("/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    flows = [s["flows"]["password"] for s in schemes.values() if s["type"] == "oauth2"]
    assert flows == [{"scopes": {}, "tokenUrl": "/v1/auth/token"}]
    r = world.client.post(
        "/v1/auth/token",
        data={"username": "campus/student1@campus.test", "password": "tiffin-demo"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["token_type"] == "bearer"
    me = world.client.get("/v1/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    assert me.status_code == 200 and me.json()["role"] == "customer"


def test_a_token_request_without_the_tenant_says_how_to_write_the_username(world: World) -> None:
    r = world.client.post(
        "/v1/auth/token", data={"username": "student1@campus.test", "password": "tiffin-demo"}
    )
    assert r.status_code == 422
    assert r.json()["code"] == "username_without_tenant"
    assert "campus/student1@campus.test" in r.json()["detail"]


def test_a_wrong_password_on_the_form_is_refused_like_the_json_login(world: World) -> None:
    form = {"username": "campus/student1@campus.test", "password": "not-the-password"}
    json_login = {"tenant": "campus", "email": "student1@campus.test", "password": form["password"]}
    by_form = world.client.post("/v1/auth/token", data=form)
    by_json = world.client.post("/v1/auth/login", json=json_login)
    assert by_form.status_code == by_json.status_code == 401
    assert by_form.json()["code"] == by_json.json()["code"]


def test_an_unknown_path_points_to_the_api_and_its_docs(world: World) -> None:
    r = world.client.get("/orders")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert "/v1" in r.json()["detail"] and "/docs" in r.json()["detail"]


def test_a_body_without_a_content_type_is_refused_with_415(world: World) -> None:
    merchant_id, items = menu(world)
    body = (
        f'{{"merchant_id":"{merchant_id}","items":[{{"item_id":"{items[0]["id"]}","quantity":1}}]}}'
    )
    r = world.client.post(
        "/v1/orders",
        content=body.encode(),
        headers={**world.auth("student1"), "Idempotency-Key": "no-type"},
    )
    assert r.status_code == 415, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "unsupported_media_type"
    assert "content-type: application/json" in r.json()["detail"]
    assert count_rows(world, tables.orders) == 0


def test_a_quantity_sent_as_a_string_is_refused(world: World) -> None:
    r = place(world, key="str-qty", quantity="2")  # type: ignore[arg-type]
    assert r.status_code == 422
    assert r.json()["code"] == "validation_error" and "quantity" in r.json()["detail"]
    assert count_rows(world, tables.orders) == 0
    assert place(world, key="int-qty", quantity=2).status_code == 201


def test_a_customer_trying_to_deliver_is_told_the_role_is_the_reason(world: World) -> None:
    order = place(world, key="deliver-myself").json()
    r = world.client.post(f"/v1/orders/{order['id']}/deliver", headers=world.auth("student1"))
    assert r.status_code in (403, 409)
    assert r.json()["detail"] == "a customer cannot deliver an order"
    assert r.json()["code"] == "actor_not_allowed"

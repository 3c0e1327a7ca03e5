"""Bad input gets a clear 4xx problem with a code and a sentence, and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.helpers import count_rows, menu
from tests.conftest import World
from tiffin.clock import ManualClock
from tiffin.store import tables


def _order(world: World, body: object, key: str = "bad") -> tuple[int, dict[str, object]]:
    r = world.client.post(
        "/v1/orders", json=body, headers={**world.auth("student1"), "Idempotency-Key": key}
    )
    return r.status_code, r.json()


@pytest.mark.parametrize(
    ("mutate", "status", "code"),
    [
        (
            lambda m, i: {"merchant_id": m, "items": [{"item_id": "itm_nope", "quantity": 1}]},
            422,
            "unknown_menu_item",
        ),
        (
            lambda m, i: {"merchant_id": m, "items": [{"item_id": i, "quantity": -1}]},
            422,
            "validation_error",
        ),
        (
            lambda m, i: {"merchant_id": m, "items": [{"item_id": i, "quantity": 0}]},
            422,
            "validation_error",
        ),
        (
            lambda m, i: {"merchant_id": "mer_nope", "items": [{"item_id": i, "quantity": 1}]},
            422,
            "unknown_merchant",
        ),
        (
            lambda m, i: {
                "merchant_id": m,
                "items": [{"item_id": i, "quantity": 1}],
                "dropoff": {"lat": 40.0, "lon": 116.0},
            },
            422,
            "address_outside_zones",
        ),
        (lambda m, i: {"merchant_id": m, "items": []}, 422, "validation_error"),
        (
            lambda m, i: {
                "merchant_id": m,
                "items": [{"item_id": i, "quantity": 1}],
                "price_cents": 1,
            },
            422,
            "validation_error",
        ),
    ],
)
def test_bad_orders_are_refused_and_change_nothing(world: World, mutate, status, code) -> None:  # type: ignore[no-untyped-def]
    merchant_id, items = menu(world)
    before = (count_rows(world, tables.orders), count_rows(world, tables.outbox))
    got, body = _order(world, mutate(merchant_id, items[0]["id"]))
    assert (got, body["code"]) == (status, code)
    assert body["detail"] and body["title"]
    assert (count_rows(world, tables.orders), count_rows(world, tables.outbox)) == before


def test_malformed_json_is_a_400_problem(world: World) -> None:
    r = world.client.post(
        "/v1/orders",
        content=b"{not json",
        headers={
            **world.auth("student1"),
            "Idempotency-Key": "m",
            "Content-Type": "application/json",
        },
    )
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "malformed_json"
    assert count_rows(world, tables.orders) == 0


def test_expired_token_is_refused(world: World) -> None:
    merchant_id, items = menu(world)
    clock = world.platform.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(hours=13))
    r = world.client.get("/v1/orders", headers=world.auth("student1"))
    assert r.status_code == 401 and r.json()["code"] == "token_expired"
    status, _ = _order(
        world, {"merchant_id": merchant_id, "items": [{"item_id": items[0]["id"], "quantity": 1}]}
    )
    assert status == 401
    assert count_rows(world, tables.orders) == 0


def test_missing_and_garbage_tokens_are_refused(world: World) -> None:
    assert world.client.get("/v1/orders").json()["code"] == "missing_token"
    r = world.client.get("/v1/orders", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"


def test_closed_merchant_and_sold_out_item_are_refused(world: World) -> None:
    merchant_id, items = menu(world)
    owner = next(w for w, s in world.subjects.items() if s == merchant_id)
    world.client.patch(
        f"/v1/merchants/me/menu/{items[0]['id']}",
        json={"available": False},
        headers=world.auth(owner),
    )
    status, body = _order(
        world, {"merchant_id": merchant_id, "items": [{"item_id": items[0]["id"], "quantity": 1}]}
    )
    assert (status, body["code"]) == (409, "item_unavailable")
    world.client.patch("/v1/merchants/me", json={"is_open": False}, headers=world.auth(owner))
    status, body = _order(
        world,
        {"merchant_id": merchant_id, "items": [{"item_id": items[1]["id"], "quantity": 1}]},
        "k2",
    )
    assert (status, body["code"]) == (409, "merchant_closed")


def test_signup_login_and_duplicate_email_answers_alike(world: World) -> None:
    body = {
        "tenant": "campus",
        "email": "new@campus.test",
        "password": "correct horse",
        "name": "New Student",
        "address": {"lat": 31.03, "lon": 121.44},
        "language": "en",
    }
    first = world.client.post("/v1/auth/customers", json=body)
    assert first.status_code == 202
    dup = world.client.post("/v1/auth/customers", json={**body, "password": "another horse"})
    assert (dup.status_code, dup.json()) == (202, first.json())  # no account enumeration
    wrong = world.client.post(
        "/v1/auth/login",
        json={"tenant": "campus", "email": "new@campus.test", "password": "wrong horse"},
    )
    assert wrong.status_code == 401 and wrong.json()["code"] == "bad_credentials"
    ok = world.client.post(
        "/v1/auth/login",
        json={"tenant": "campus", "email": "NEW@campus.test", "password": "correct horse"},
    )
    token = ok.json()["access_token"]
    me = world.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["role"] == "customer"
    outside = {**body, "email": "far@campus.test", "address": {"lat": 39.9, "lon": 116.4}}
    r = world.client.post("/v1/auth/customers", json=outside)
    assert r.status_code == 422 and r.json()["code"] == "address_outside_zones"
    unknown = world.client.post(
        "/v1/auth/riders",
        json={"tenant": "nowhere", "email": "r@x.test", "password": "longenough", "name": "R"},
    )
    assert unknown.status_code == 404

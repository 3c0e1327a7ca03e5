"""Riders and merchants who sign themselves up stay pending until an operator approves them
(issue 20, finding 7); a merchant name is unique within its tenant."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import ON_CAMPUS, merchant_of, place
from tests.conftest import World

PASSWORD = "a-long-password"


def _login(world: World, email: str, tenant: str = "campus") -> dict[str, str]:
    answer = world.client.post(
        "/v1/auth/login", json={"tenant": tenant, "email": email, "password": PASSWORD}
    )
    assert answer.status_code == 200, answer.json()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _rider(world: World, email: str = "stranger@example.org") -> tuple[str, dict[str, str]]:
    signed = world.client.post(
        "/v1/auth/riders",
        json={"tenant": "campus", "email": email, "password": PASSWORD, "name": "Stranger"},
    )
    assert signed.status_code == 202, signed.json()  # sign-ups answer alike (finding 2)
    return _subject(world, email)


def _subject(world: World, email: str) -> tuple[str, dict[str, str]]:
    """The new account's rider or merchant id (sign-up answers never carry it) and its login."""
    headers = _login(world, email)
    return str(world.client.get("/v1/me", headers=headers).json()["subject_id"]), headers


def _merchant(world: World, name: str, email: str = "shop@example.org") -> Any:
    return world.client.post(
        "/v1/auth/merchants",
        json={
            "tenant": "campus",
            "email": email,
            "password": PASSWORD,
            "name": "Owner",
            "merchant_name": name,
            **ON_CAMPUS,
        },
    )


def test_a_self_signed_up_rider_cannot_work_until_an_operator_approves(world: World) -> None:
    c, ops = world.client, world.auth("ops")
    rider_id, rider = _rider(world)
    refused = c.post("/v1/riders/me/shift/start", json=ON_CAMPUS, headers=rider)
    assert refused.status_code == 403 and refused.json()["code"] == "account_pending"
    assert refused.json()["detail"]  # a human sentence
    order = place(world, key="vet-1").json()
    c.post(f"/v1/orders/{order['id']}/accept", headers=world.auth(merchant_of(world, order)))
    offered = c.post(f"/v1/orders/{order['id']}/offers", json={"rider_id": rider_id}, headers=ops)
    assert offered.status_code == 409  # never on shift, so never offered work
    [pending] = c.get("/v1/account-reviews", headers=ops).json()
    assert pending["subject_id"] == rider_id and pending["status"] == "pending"
    assert pending["kind"] == "rider" and pending["name"] == "Stranger"
    approved = c.post(
        f"/v1/account-reviews/{rider_id}/approve",
        json={"note": "ID card and e-bike licence checked"},
        headers=ops,
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert c.get("/v1/account-reviews", headers=ops).json() == []
    done = c.get("/v1/account-reviews?status=approved", headers=ops).json()
    assert [r["note"] for r in done] == ["ID card and e-bike licence checked"]
    again = c.post(f"/v1/account-reviews/{rider_id}/refuse", json={"note": "x"}, headers=ops)
    assert again.status_code == 409 and again.json()["code"] == "review_closed"
    assert c.post("/v1/riders/me/shift/start", json=ON_CAMPUS, headers=rider).status_code == 201


def test_a_refused_rider_stays_off_shift(world: World) -> None:
    c = world.client
    rider_id, rider = _rider(world)
    refused = c.post(
        f"/v1/account-reviews/{rider_id}/refuse",
        json={"note": "documents did not match"},
        headers=world.auth("ops"),
    )
    assert refused.json()["status"] == "refused"
    answer = c.post("/v1/riders/me/shift/start", json=ON_CAMPUS, headers=rider)
    assert answer.status_code == 403 and answer.json()["code"] == "account_refused"


def test_a_pending_merchant_is_closed_and_invisible_to_customers(world: World) -> None:
    c, ops = world.client, world.auth("ops")
    signed = _merchant(world, "Night Market Grill")
    assert signed.status_code == 202, signed.json()
    merchant_id, _ = _subject(world, "shop@example.org")
    owner = _login(world, "shop@example.org")
    names = [m["name"] for m in c.get("/v1/merchants", headers=world.auth("student1")).json()]
    assert "Night Market Grill" not in names
    hidden = c.get(f"/v1/merchants/{merchant_id}", headers=world.auth("student1"))
    assert hidden.status_code == 404
    opening = c.patch("/v1/merchants/me", json={"is_open": True}, headers=owner)
    assert opening.status_code == 403 and opening.json()["code"] == "account_pending"
    assert merchant_id in [m["id"] for m in c.get("/v1/merchants", headers=ops).json()]
    c.post(f"/v1/account-reviews/{merchant_id}/approve", json={"note": "licence ok"}, headers=ops)
    assert c.patch("/v1/merchants/me", json={"is_open": True}, headers=owner).status_code == 200
    names = [m["name"] for m in c.get("/v1/merchants", headers=world.auth("student1")).json()]
    assert "Night Market Grill" in names


def test_a_second_merchant_with_a_taken_name_is_refused(world: World) -> None:
    for name in ("North Canteen", "  north canteen "):
        taken = _merchant(world, name)
        assert taken.status_code == 409 and taken.json()["code"] == "merchant_name_taken"
    world.seed("city")  # another tenant's North Canteen is another merchant
    assert _merchant(world, "Fresh Name").status_code == 202


def test_only_the_tenants_operators_review_accounts(world: World) -> None:
    world.seed("city")
    c = world.client
    rider_id, rider = _rider(world)
    for who in ("student1", "rider1", "canteen1"):
        answer = c.get("/v1/account-reviews", headers=world.auth(who))
        assert answer.status_code == 403 and answer.json()["code"] == "operator_only"
    assert c.get("/v1/account-reviews", headers=rider).status_code == 403
    assert c.get("/v1/account-reviews").status_code == 401
    assert c.get("/v1/account-reviews", headers=world.auth("ops@city")).json() == []
    other = c.post(
        f"/v1/account-reviews/{rider_id}/approve",
        json={"note": "ok"},
        headers=world.auth("ops@city"),
    )
    assert other.status_code == 404 and other.json()["code"] == "not_found"
    ops = world.auth("ops")
    for bad in ({}, {"note": ""}, {"note": "   "}, {"note": "x" * 1001}, {"note": "ok", "x": 1}):
        answer = c.post(f"/v1/account-reviews/{rider_id}/approve", json=bad, headers=ops)
        assert answer.status_code == 422 and answer.json()["code"] == "validation_error"
    assert c.get("/v1/account-reviews?status=maybe", headers=ops).status_code == 422
    assert c.get("/v1/account-reviews?limit=101", headers=ops).status_code == 422


def test_account_reviews_come_in_pages(world: World) -> None:
    for n in range(3):
        _rider(world, f"stranger{n}@example.org")
    c, ops = world.client, world.auth("ops")
    first = c.get("/v1/account-reviews?limit=2", headers=ops)
    assert len(first.json()) == 2 and 'rel="next"' in first.headers["link"]
    following = first.headers["link"].split(";")[0].strip("<>")
    second = c.get(following, headers=ops)
    assert len(second.json()) == 1 and "link" not in second.headers
    seen = {r["subject_id"] for r in first.json() + second.json()}
    assert len(seen) == 3

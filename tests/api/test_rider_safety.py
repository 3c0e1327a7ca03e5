"""/v1/safety and /v1/riders/me/health-checks: rules, check-ins, training, insurance and
equipment; a failed check blocks the shift; a rider sees only their own records."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from tests.api.helpers import ON_CAMPUS, merchant_of, place
from tests.conftest import World
from tiffin.accounts.service import issue_token
from tiffin.store import tables

STRICT = {
    "require_checkin": True,
    "require_training": True,
    "require_insurance": True,
    "retention_days": 7,
    "reason": "flu season",
}
WELL = {"temperature_c": 36.6, "symptoms": []}


def post(world: World, path: str, body: dict[str, Any], who: str = "ops") -> Any:
    return world.client.post(path, json=body, headers=world.auth(who))


def start(world: World, who: str = "rider1") -> Any:
    return post(world, "/v1/riders/me/shift/start", ON_CAMPUS, who)


def rules(world: World, body: dict[str, Any], who: str = "ops") -> Any:
    return world.client.put("/v1/safety/rules", json=body, headers=world.auth(who))


def mode(world: World, on: bool, who: str = "ops") -> Any:
    body = {"on": on, "reason": "city declared an outbreak"}
    return world.client.put("/v1/safety/public-health-mode", json=body, headers=world.auth(who))


def qualify(world: World, rider: str = "rider1") -> None:
    """Training and insurance the strict rules ask for, recorded by the operator."""
    now = world.platform.clock.now()
    rider_id = world.subjects[rider]
    course = post(
        world,
        "/v1/safety/courses",
        {"name": "Road safety", "validity_days": 365, "required_in": ["normal", "public_health"]},
    )
    course_id = (
        course.json()["id"]
        if course.status_code == 201
        else world.client.get("/v1/safety/courses", headers=world.auth("ops")).json()[0]["id"]
    )
    done = post(
        world,
        f"/v1/safety/riders/{rider_id}/trainings",
        {"course_id": course_id, "completed_at": (now - timedelta(days=1)).isoformat()},
    )
    assert done.status_code == 201, done.json()
    policy = post(
        world,
        f"/v1/safety/riders/{rider_id}/insurance",
        {
            "insurer": "PICC",
            "policy_number": f"P-{rider}",
            "valid_from": (now - timedelta(days=1)).isoformat(),
            "valid_until": (now + timedelta(days=365)).isoformat(),
        },
    )
    assert policy.status_code == 201, policy.json()


def test_without_rules_a_shift_starts_as_before(world: World) -> None:
    assert start(world).status_code == 201


def test_a_failed_check_blocks_the_shift_and_says_what_to_do(world: World) -> None:
    assert rules(world, STRICT).status_code == 200
    qualify(world)
    refused = start(world)
    assert refused.status_code == 409 and refused.json()["code"] == "checkin_required"
    ill = post(
        world,
        "/v1/riders/me/health-checks",
        {"temperature_c": 38.4, "symptoms": ["cough"]},
        "rider1",
    )
    assert ill.status_code == 201
    assert ill.json()["passed"] is False
    assert [r["code"] for r in ill.json()["refusals"]] == ["fever", "symptoms"]
    refused = start(world)
    assert refused.status_code == 409 and refused.json()["code"] == "checkin_failed"
    assert "38.4" in refused.json()["detail"] and "What to do" in refused.json()["detail"]
    world.platform.clock.advance(timedelta(hours=2))
    assert post(world, "/v1/riders/me/health-checks", WELL, "rider1").json()["passed"] is True
    assert start(world).status_code == 201


def test_no_valid_insurance_or_training_no_shift(world: World) -> None:
    rules(world, STRICT)
    post(world, "/v1/riders/me/health-checks", WELL, "rider1")
    post(
        world,
        "/v1/safety/courses",
        {"name": "Road safety", "validity_days": 30, "required_in": ["normal"]},
    )
    assert start(world).json()["code"] == "training_missing"
    course_id = world.client.get("/v1/safety/courses", headers=world.auth("ops")).json()[0]["id"]
    long_ago = (world.platform.clock.now() - timedelta(days=31)).isoformat()
    rider_id = world.subjects["rider1"]
    body = {"course_id": course_id, "completed_at": long_ago}
    assert post(world, f"/v1/safety/riders/{rider_id}/trainings", body).json()["current"] is False
    assert start(world).json()["code"] == "training_missing"  # its 30 days ran out
    standing = world.client.get("/v1/riders/me/safety", headers=world.auth("rider1")).json()
    assert standing["may_start_shift"] is False
    assert {r["code"] for r in standing["refusals"]} == {"training_missing", "insurance_missing"}
    qualify(world)
    assert start(world).status_code == 201


def test_public_health_mode_needs_current_equipment_for_offers(world: World) -> None:
    assert mode(world, True).json()["public_health_mode"] is True
    post(world, "/v1/riders/me/health-checks", WELL, "rider1")
    assert start(world).status_code == 201
    order = place(world, key="ph-1").json()
    world.client.post(
        f"/v1/orders/{order['id']}/accept", headers=world.auth(merchant_of(world, order))
    )
    rider_id = world.subjects["rider1"]
    offer = post(world, f"/v1/orders/{order['id']}/offers", {"rider_id": rider_id})
    assert offer.status_code == 409 and offer.json()["code"] == "equipment_missing"
    short = post(
        world, f"/v1/safety/riders/{rider_id}/equipment", {"station": "North gate", "item": "mask"}
    )
    assert short.status_code == 409 and short.json()["code"] == "out_of_stock"
    stock = {"station": "North gate", "item": "mask", "quantity": 1}
    assert (
        world.client.put("/v1/safety/stock", json=stock, headers=world.auth("ops")).status_code
        == 200
    )
    issued = post(
        world, f"/v1/safety/riders/{rider_id}/equipment", {"station": "North gate", "item": "mask"}
    )
    assert issued.status_code == 201 and issued.json()["current"] is True
    left = world.client.get("/v1/safety/stock", headers=world.auth("ops")).json()
    assert left == [{"station": "North gate", "item": "mask", "quantity": 0}]
    assert (
        post(world, f"/v1/orders/{order['id']}/offers", {"rider_id": rider_id}).status_code == 201
    )
    with world.platform.uow(read_only=True) as uow:
        topics = uow.conn.execute(select(tables.outbox.c.topic)).scalars().all()
    assert "safety.public_health_mode" in topics


def test_a_rider_sees_only_their_own_records(world: World) -> None:
    post(world, "/v1/riders/me/health-checks", {"temperature_c": 38.0, "symptoms": []}, "rider1")
    post(world, "/v1/riders/me/health-checks", WELL, "rider2")
    mine = world.client.get("/v1/riders/me/health-checks", headers=world.auth("rider1")).json()
    assert [c["temperature_c"] for c in mine] == [38.0]
    other = world.subjects["rider2"]
    assert (
        world.client.get(f"/v1/safety/riders/{other}", headers=world.auth("rider1")).status_code
        == 403
    )
    for who in ("student1", "canteen1", "ops"):
        r = world.client.get("/v1/riders/me/health-checks", headers=world.auth(who))
        assert r.status_code == 403 and r.json()["code"] == "rider_only"


def test_only_operators_of_the_tenant_manage_records(world: World) -> None:
    world.seed("city")
    rider_id = world.subjects["rider1"]
    for who in ("student1", "rider1", "canteen1"):
        assert rules(world, STRICT, who).status_code == 403
        assert mode(world, True, who).status_code == 403
        assert (
            post(world, "/v1/safety/courses", {"name": "x", "validity_days": 1}, who).status_code
            == 403
        )
        stock = {"station": "s", "item": "mask", "quantity": 5}
        assert (
            world.client.put("/v1/safety/stock", json=stock, headers=world.auth(who)).status_code
            == 403
        )
    # another tenant's operator cannot see or touch this tenant's riders
    assert (
        world.client.get(
            f"/v1/safety/riders/{rider_id}", headers=world.auth("ops@city")
        ).status_code
        == 404
    )
    now = world.platform.clock.now().isoformat()
    course = post(world, "/v1/safety/courses", {"name": "Road safety", "validity_days": 30}).json()
    stranger = post(
        world,
        f"/v1/safety/riders/{rider_id}/trainings",
        {"course_id": course["id"], "completed_at": now},
        "ops@city",
    )
    assert stranger.status_code == 404
    city_rider = world.subjects["rider1@city"]
    foreign_course = post(
        world,
        f"/v1/safety/riders/{city_rider}/trainings",
        {"course_id": course["id"], "completed_at": now},
        "ops@city",
    )
    assert foreign_course.status_code == 404 and foreign_course.json()["code"] == "not_found"
    rules(world, STRICT)
    assert (
        world.client.get("/v1/safety/rules", headers=world.auth("ops@city")).json()[
            "require_checkin"
        ]
        is False
    )
    assert world.client.get("/v1/safety/courses", headers=world.auth("ops@city")).json() == []


def test_bad_input_is_refused_with_a_code(world: World) -> None:
    hot = post(
        world, "/v1/riders/me/health-checks", {"temperature_c": 60, "symptoms": []}, "rider1"
    )
    assert hot.status_code == 422 and hot.json()["code"]
    odd = post(
        world,
        "/v1/riders/me/health-checks",
        {"temperature_c": 36.6, "symptoms": ["sneezing"]},
        "rider1",
    )
    assert odd.status_code == 422
    many = post(
        world,
        "/v1/riders/me/health-checks",
        {"temperature_c": 36.6, "symptoms": ["cough"] * 11},
        "rider1",
    )
    assert many.status_code == 422
    no_reason = rules(world, {k: v for k, v in STRICT.items() if k != "reason"})
    assert no_reason.status_code == 422
    rider_id = world.subjects["rider1"]
    now = world.platform.clock.now()
    backwards = post(
        world,
        f"/v1/safety/riders/{rider_id}/insurance",
        {
            "insurer": "PICC",
            "policy_number": "P1",
            "valid_from": now.isoformat(),
            "valid_until": (now - timedelta(days=1)).isoformat(),
        },
    )
    assert backwards.status_code == 422 and backwards.json()["code"] == "bad_policy"
    qualify(world)
    again = post(
        world,
        f"/v1/safety/riders/{rider_id}/insurance",
        {
            "insurer": "PICC",
            "policy_number": "P-rider1",
            "valid_from": now.isoformat(),
            "valid_until": (now + timedelta(days=1)).isoformat(),
        },
    )
    assert again.status_code == 409 and again.json()["code"] == "policy_exists"
    assert (
        post(world, "/v1/safety/courses", {"name": "Road safety", "validity_days": 1}).json()[
            "code"
        ]
        == "course_exists"
    )


def relogin(world: World, who: str) -> None:
    """A fresh token after the clock jumped days ahead (tokens last hours)."""
    with world.platform.uow() as uow:
        c = tables.users.c
        user_id = uow.conn.execute(select(c.id).where(c.subject_id == world.subjects[who])).scalar()
        world.tokens[who], _ = issue_token(
            uow, user_id, now=uow.clock.now(), ttl=timedelta(hours=1)
        )
        uow.commit()


def test_check_ins_are_purged_after_the_tenants_retention(world: World) -> None:
    rules(world, STRICT)  # 7 days
    post(world, "/v1/riders/me/health-checks", WELL, "rider1")
    world.platform.clock.advance(timedelta(days=6))
    relogin(world, "rider1")
    post(world, "/v1/riders/me/health-checks", WELL, "rider1")
    assert world.platform.purge_health_records() == 0
    world.platform.clock.advance(timedelta(days=1, minutes=1))
    assert world.platform.purge_health_records() == 1
    with world.platform.uow(read_only=True) as uow:
        left = uow.conn.execute(select(func.count()).select_from(tables.health_checkins)).scalar()
    assert left == 1
    world.platform.clock.advance(timedelta(days=7))
    assert world.platform.purge_health_records() == 1


def test_near_the_riding_limit_no_new_orders_and_the_rider_is_told_why(world: World) -> None:
    assert start(world).status_code == 201
    view = world.client.get("/v1/riders/me/workload", headers=world.auth("rider1")).json()
    assert view["new_bundles_offered"] is True and view["continuous_limit_minutes"] == 240
    world.platform.clock.advance(timedelta(minutes=230))
    view = world.client.get("/v1/riders/me/workload", headers=world.auth("rider1")).json()
    assert view["new_bundles_offered"] is False and view["riding_minutes"] == 230
    assert "without a break" in view["reason"]
    order = place(world, key="tired").json()
    world.client.post(
        f"/v1/orders/{order['id']}/accept", headers=world.auth(merchant_of(world, order))
    )
    offer = post(world, f"/v1/orders/{order['id']}/offers", {"rider_id": world.subjects["rider1"]})
    assert offer.status_code == 409 and offer.json()["code"] == "near_limit"
    assert world.platform.dispatch_once() == 0  # live dispatch skips them too
    off = world.client.get("/v1/riders/me/workload", headers=world.auth("rider2")).json()
    assert off["on_shift"] is False

"""The console's rider-safety desk and coordination page: operators see alerts, take claims and
support requests through their steps, keep the emergency roster and the partners' keys; a
form sent twice does not take two steps; another tenant's operator finds nothing of them, and
nobody but an operator gets in."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.api.helpers import delivered
from tests.api.test_rider_aid import file, insure
from tests.api.test_tracing import NEAR, NEXT_TO, ride
from tests.conftest import World
from tests.console.test_pages import csrf_of, fresh, log_in
from tiffin.store import tables


def post(client: TestClient, path: str, back: str, data: dict[str, Any]) -> Any:
    token = csrf_of(client.get(back).text)
    return client.post(path, data={"csrf": token, **data}, follow_redirects=False)


def _count(world: World, table: Any) -> int:
    with world.platform.uow(read_only=True) as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table)).scalar_one())


def _telemetry(world: World, impact: bool) -> None:
    at = world.platform.clock.now() - timedelta(seconds=10)
    sample = {"at": at.isoformat(), "location": {"lat": 31.03, "lon": 121.44}, "speed_mps": 3.0}
    body = {"samples": [sample | {"impact": impact}]}
    r = world.client.post("/v1/riders/me/telemetry", json=body, headers=world.auth("rider1"))
    assert r.status_code == 202, r.text


def test_operators_see_alerts_and_take_a_claim_from_filed_to_paid(world: World) -> None:
    _telemetry(world, impact=True)
    insure(world)
    claim = file(world).json()
    ops = log_in(fresh(world), "ops@campus.test")
    page = ops.get("/console/safety")
    assert page.status_code == 200
    assert "possible_fall" in page.text or "疑似摔倒" in page.text
    assert f'data-claim="{claim["id"]}"' in page.text
    step = f"/console/safety/claims/{claim['id']}/step"
    r = post(ops, step, "/console/safety", {"to": "in_review", "note": ""})
    assert r.headers["location"] == "/console/safety"
    again = post(ops, step, "/console/safety", {"to": "in_review", "note": ""})
    assert again.headers["location"] == "/console/safety?problem=bad_claim_step"  # not twice
    no_reason = post(ops, step, "/console/safety", {"to": "rejected", "note": " "})
    assert no_reason.headers["location"] == "/console/safety?problem=reason_required"
    post(ops, step, "/console/safety", {"to": "approved", "note": "hospital report"})
    too_much = post(ops, step, "/console/safety", {"to": "paid", "note": "", "paid": "5000"})
    assert too_much.headers["location"] == "/console/safety?problem=bad_payment"
    not_money = post(ops, step, "/console/safety", {"to": "paid", "note": "", "paid": "lots"})
    assert not_money.headers["location"] == "/console/safety?problem=bad_price"
    paid = post(ops, step, "/console/safety", {"to": "paid", "note": "transfer", "paid": "1000"})
    assert paid.headers["location"] == "/console/safety"
    seen = world.client.get(f"/v1/safety/claims/{claim['id']}", headers=world.auth("ops")).json()
    assert seen["status"] == "paid" and seen["paid_cents"] == 100_000
    assert f'action="{step}"' not in ops.get("/console/safety").text  # no step left to take


def test_operators_take_and_close_a_support_request(world: World) -> None:
    body = {"kind": "counselling", "urgent": True, "description": "shaken after the crash"}
    made = world.client.post(
        "/v1/riders/me/support-requests", json=body, headers=world.auth("rider1")
    ).json()
    ops = log_in(fresh(world), "ops@campus.test")
    assert "shaken after the crash" in ops.get("/console/safety").text
    base = f"/console/safety/support/{made['id']}"
    assert post(ops, f"{base}/assign", "/console/safety", {}).headers["location"] == (
        "/console/safety"
    )
    empty = post(ops, f"{base}/close", "/console/safety", {"note": ""})
    assert empty.headers["location"] == "/console/safety?problem=invalid_input"
    done = post(ops, f"{base}/close", "/console/safety", {"note": "counsellor called"})
    assert done.headers["location"] == "/console/safety"
    seen = world.client.get(
        f"/v1/safety/support-requests/{made['id']}", headers=world.auth("ops")
    ).json()
    assert seen["status"] == "closed" and seen["assigned_to"]
    twice = post(ops, f"{base}/close", "/console/safety", {"note": "again"})
    assert twice.headers["location"] == "/console/safety?problem=bad_support_step"


def test_the_roster_is_kept_from_the_page(world: World) -> None:
    ops = log_in(fresh(world), "ops@campus.test")
    now = world.platform.clock.now()
    entry = {
        "name": "Chen Jing",
        "role": "duty manager",
        "scope": "platform",
        "merchant_id": "",
        "channel": "sms",
        "address": "+86 138 0000 0000",
        "language": "zh-CN",
        "on_call_from": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "on_call_until": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    r = post(ops, "/console/roster", "/console/coordination", entry)
    assert r.headers["location"] == "/console/coordination"
    bad = post(ops, "/console/roster", "/console/coordination", entry | {"address": "nowhere"})
    assert bad.headers["location"] == "/console/coordination?problem=bad_address"
    when = post(ops, "/console/roster", "/console/coordination", entry | {"on_call_from": "soon"})
    assert when.headers["location"] == "/console/coordination?problem=bad_time"
    page = ops.get("/console/coordination").text
    assert "Chen Jing" in page
    entry_id = re.search(r'data-entry="([^"]+)"', page)
    assert entry_id
    gone = post(ops, f"/console/roster/{entry_id.group(1)}/remove", "/console/coordination", {})
    assert gone.headers["location"] == "/console/coordination"
    assert "Chen Jing" not in ops.get("/console/coordination").text
    again = post(ops, f"/console/roster/{entry_id.group(1)}/remove", "/console/coordination", {})
    assert again.headers["location"] == "/console/coordination?problem=not_found"


def test_a_partner_key_is_issued_shown_once_rotated_and_revoked(world: World) -> None:
    ops = log_in(fresh(world), "ops@campus.test")
    r = post(ops, "/console/partners", "/console/coordination", {"name": "District CDC"})
    assert r.headers["location"] == "/console/coordination"
    page = ops.get("/console/coordination").text
    found = re.search(r'data-partner="([^"]+)"', page)
    assert found and "District CDC" in page
    partner = found.group(1)
    none_ticked = post(ops, f"/console/partners/{partner}/keys", "/console/coordination", {})
    assert none_ticked.headers["location"] == "/console/coordination?problem=invalid_input"
    issued = post(
        ops,
        f"/console/partners/{partner}/keys",
        "/console/coordination",
        {"scope:risk_map:read": "on"},
    )
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    token = re.search(r'<code id="issued-token">([^<]+)</code>', issued.text)
    assert token
    risk_map = world.client.get(
        "/v1/partner/risk-map", headers={"Authorization": f"Bearer {token.group(1)}"}
    )
    assert risk_map.status_code == 200
    later = ops.get("/console/coordination").text
    assert token.group(1) not in later  # shown once, never again
    with world.platform.uow(read_only=True) as uow:
        stored = uow.conn.execute(select(tables.partner_keys.c.token_hash)).scalars().all()
    assert token.group(1) not in stored  # only its hash is kept
    key = re.search(r'data-key="([^"]+)"', later)
    assert key
    rotated = post(
        ops,
        f"/console/partners/keys/{key.group(1)}/rotate",
        "/console/coordination",
        {"grace_minutes": "0"},
    )
    new_token = re.search(r'<code id="issued-token">([^<]+)</code>', rotated.text)
    assert new_token and new_token.group(1) != token.group(1)
    old = world.client.get(
        "/v1/partner/risk-map", headers={"Authorization": f"Bearer {token.group(1)}"}
    )
    assert old.status_code == 401  # rotated with no grace: the old one stops now
    new_key = re.search(r'<h2 id="issued-heading" class="small">[^<]*?(pky_[^<\s]+)', rotated.text)
    assert new_key
    revoked = post(
        ops, f"/console/partners/keys/{new_key.group(1)}/revoke", "/console/coordination", {}
    )
    assert revoked.headers["location"] == "/console/coordination"
    dead = world.client.get(
        "/v1/partner/risk-map", headers={"Authorization": f"Bearer {new_token.group(1)}"}
    )
    assert dead.status_code == 401


def test_another_tenants_operator_finds_none_of_it(world: World) -> None:
    insure(world)
    claim = file(world).json()
    ops = log_in(fresh(world), "ops@campus.test")
    post(ops, "/console/partners", "/console/coordination", {"name": "District CDC"})
    partner = re.search(r'data-partner="([^"]+)"', ops.get("/console/coordination").text)
    assert partner
    world.seed("town")
    other = log_in(fresh(world), "ops@town.test", tenant="town")
    assert claim["id"] not in other.get("/console/safety").text
    assert "District CDC" not in other.get("/console/coordination").text
    step = post(
        other, f"/console/safety/claims/{claim['id']}/step", "/console/safety", {"to": "in_review"}
    )
    assert step.headers["location"] == "/console/safety?problem=not_found"
    key = post(
        other,
        f"/console/partners/{partner.group(1)}/keys",
        "/console/coordination",
        {"scope:risk_map:read": "on"},
    )
    assert key.headers["location"] == "/console/coordination?problem=not_found"
    assert _count(world, tables.partner_keys) == 0
    seen = world.client.get(f"/v1/safety/claims/{claim['id']}", headers=world.auth("ops")).json()
    assert seen["status"] == "filed"


@pytest.mark.parametrize("who", ["rider1@campus.test", "student1@campus.test"])
def test_only_operators_get_in(world: World, who: str) -> None:
    insure(world)
    claim = file(world).json()
    client = log_in(fresh(world), who)
    assert client.get("/console/safety").status_code == 403
    assert client.get("/console/coordination").status_code == 403
    token = csrf_of(client.get("/console/login").text)
    r = client.post(
        f"/console/safety/claims/{claim['id']}/step",
        data={"csrf": token, "to": "in_review"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/console/safety?problem=operator_only"
    r = client.post(
        "/console/partners", data={"csrf": token, "name": "Mine"}, follow_redirects=False
    )
    assert r.headers["location"] == "/console/coordination?problem=operator_only"
    assert _count(world, tables.partners) == 0


def test_a_form_without_its_token_changes_nothing(world: World) -> None:
    ops = log_in(fresh(world), "ops@campus.test")
    r = ops.post("/console/partners", data={"name": "Forged"}, follow_redirects=False)
    assert r.status_code == 403
    assert _count(world, tables.partners) == 0


def test_stock_is_counted_from_the_desk_and_courses_are_listed(world: World) -> None:
    course = {"name": "Epidemic hygiene", "validity_days": 90, "required_in": ["public_health"]}
    made = world.client.post("/v1/safety/courses", json=course, headers=world.auth("ops"))
    assert made.status_code == 201, made.text
    ops = log_in(fresh(world), "ops@campus.test")
    count = {"station": "North gate", "item": "N95 mask", "quantity": "240"}
    r = post(ops, "/console/safety/stock", "/console/safety", count)
    assert r.headers["location"] == "/console/safety"
    recount = post(ops, "/console/safety/stock", "/console/safety", count | {"quantity": "0"})
    assert recount.headers["location"] == "/console/safety"
    bad = post(ops, "/console/safety/stock", "/console/safety", count | {"quantity": "-3"})
    assert bad.headers["location"] == "/console/safety?problem=invalid_input"
    odd = post(ops, "/console/safety/stock", "/console/safety", count | {"station": "<b>"})
    assert odd.headers["location"] == "/console/safety?problem=invalid_input"
    stock = world.client.get("/v1/safety/stock", headers=world.auth("ops")).json()
    assert [(s["station"], s["item"], s["quantity"]) for s in stock] == [
        ("North gate", "N95 mask", 0)  # the recount replaced the first count
    ]
    page = ops.get("/console/safety").text
    assert "N95 mask" in page and "Epidemic hygiene" in page and "疫情模式" in page
    world.seed("town")
    other = log_in(fresh(world), "ops@town.test", tenant="town")
    assert "N95 mask" not in other.get("/console/safety").text
    customer = log_in(fresh(world), "student1@campus.test")
    refused = post(customer, "/console/safety/stock", "/console/login", count)
    assert refused.headers["location"] == "/console/safety?problem=operator_only"


def _trace_form(world: World, **fields: str) -> dict[str, str]:
    now = world.platform.clock.now().astimezone(ZoneInfo("Asia/Shanghai"))  # the demo's clock
    return {
        "subject": "rider",
        "subject_id": str(world.subjects["rider1"]),
        "since": (now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "until": (now + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        "radius_m": "50",
        "why": "CDC case 2026-118: rider tested positive",
    } | fields


def test_a_trace_is_run_recorded_shown_once_and_released_to_a_partner(world: World) -> None:
    order = delivered(world, "console-trace")
    ride(world, "rider1", NEAR)
    ride(world, "rider2", NEXT_TO)
    ops = log_in(fresh(world), "ops@campus.test")
    post(ops, "/console/partners", "/console/coordination", {"name": "District CDC"})
    ran = post(ops, "/console/tracing", "/console/tracing", _trace_form(world))
    assert ran.status_code == 200 and ran.headers["cache-control"] == "no-store"
    assert f'href="/console/orders/{order["id"]}"' in ran.text
    assert str(world.subjects["rider2"]) in ran.text  # the rider who was close by
    trace = re.search(r'data-trace="([^"]+)"', ran.text)
    assert trace
    later = ops.get("/console/tracing").text
    assert 'id="trace-result"' not in later  # the result was that answer's only
    assert f'data-asked="{trace.group(1)}"' in later and "CDC case 2026-118" in later
    asked = world.client.get("/v1/safety/traces", headers=world.auth("ops")).json()
    assert [t["id"] for t in asked] == [trace.group(1)]  # recorded once, with why
    partner = re.search(r'<option value="(prt_[^"]+)">District CDC', later)
    assert partner
    released = post(
        ops,
        f"/console/tracing/{trace.group(1)}/release",
        "/console/tracing",
        {"partner_id": partner.group(1)},
    )
    assert released.headers["location"] == "/console/tracing"
    with world.platform.uow(read_only=True) as uow:
        rows = uow.conn.execute(select(tables.partner_releases.c.trace_id)).scalars().all()
    assert rows == [trace.group(1)]


def test_a_trace_without_a_reason_or_of_a_stranger_records_nothing(world: World) -> None:
    ops = log_in(fresh(world), "ops@campus.test")
    cases = [
        ({"why": " "}, "invalid_input"),
        ({"subject_id": "rdr_nobody"}, "not_found"),
        ({"since": "yesterday"}, "bad_time"),
        ({"subject": "place", "subject_id": "", "lat": "north"}, "invalid_input"),
        ({"radius_m": "99999"}, "invalid_input"),
    ]
    for fields, code in cases:
        r = post(ops, "/console/tracing", "/console/tracing", _trace_form(world, **fields))
        assert r.headers["location"] == f"/console/tracing?problem={code}", fields
    assert _count(world, tables.trace_queries) == 0
    world.seed("town")
    other = log_in(fresh(world), "ops@town.test", tenant="town")
    theirs = post(other, "/console/tracing", "/console/tracing", _trace_form(world))
    assert theirs.headers["location"] == "/console/tracing?problem=not_found"  # not their rider
    rider = log_in(fresh(world), "rider1@campus.test")
    refused = post(rider, "/console/tracing", "/console/login", _trace_form(world))
    assert refused.headers["location"] == "/console/tracing?problem=operator_only"
    assert rider.get("/console/tracing").status_code == 403
    assert _count(world, tables.trace_queries) == 0


def _rules(world: World, who: str = "ops") -> dict[str, Any]:
    found: dict[str, Any] = world.client.get("/v1/safety/rules", headers=world.auth(who)).json()
    return found


def test_public_health_mode_is_switched_and_the_shift_rules_saved_from_the_desk(
    world: World,
) -> None:
    ops = log_in(fresh(world), "ops@campus.test")
    silent = post(ops, "/console/safety/mode", "/console/safety", {"on": "true", "reason": " "})
    assert silent.headers["location"] == "/console/safety?problem=invalid_input"
    assert _rules(world)["public_health_mode"] is False
    on = post(ops, "/console/safety/mode", "/console/safety", {"on": "true", "reason": "CDC"})
    assert on.headers["location"] == "/console/safety"
    assert _rules(world)["public_health_mode"] is True
    assert 'name="on" value="false"' in ops.get("/console/safety").text  # the switch turns off
    rules = {
        "require_checkin": "on",
        "max_temperature_c": "37.0",
        "checkin_valid_hours": "8",
        "require_insurance": "on",
        "retention_days": "21",
        "reason": "district guidance of 1 December",
    }
    saved = post(ops, "/console/safety/rules", "/console/safety", rules)
    assert saved.headers["location"] == "/console/safety"
    now = _rules(world)
    assert (now["require_checkin"], now["max_temperature_c"], now["require_insurance"]) == (
        True,
        37.0,
        True,
    )
    assert (now["require_training"], now["retention_days"], now["public_health_mode"]) == (
        False,  # unticked
        21,
        True,  # the rules form leaves the mode alone
    )
    hot = post(ops, "/console/safety/rules", "/console/safety", rules | {"max_temperature_c": "45"})
    assert hot.headers["location"] == "/console/safety?problem=invalid_input"
    assert _rules(world)["max_temperature_c"] == 37.0
    world.seed("town")
    assert _rules(world, "ops@town")["public_health_mode"] is False  # one tenant's switch
    rider = log_in(fresh(world), "rider1@campus.test")
    refused = post(rider, "/console/safety/mode", "/console/login", {"on": "false", "reason": "x"})
    assert refused.headers["location"] == "/console/safety?problem=operator_only"
    assert _rules(world)["public_health_mode"] is True

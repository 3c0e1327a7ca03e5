"""The console's risk desk: the review queue and the rules for operators only, a rule saved
through the form, a refused expression shown again with its offending token marked, and a case
taken, noted and resolved (its held payout paid once)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.api.helpers import delivered
from tests.conftest import World
from tests.console.test_pages import csrf_of, fresh, log_in
from tiffin.store import tables

PROBLEM = {"problem": "missing", "note": "nothing in the bag"}


def rule_form(client: TestClient, **fields: str) -> dict[str, str]:
    page = client.get("/console/risk")
    return {
        "csrf": csrf_of(page.text),
        "rule_id": "claim_storm",
        "description": "three claims in a day",
        "expression": "claims_24h >= 3",
        "score": "60",
        "checkpoint": "claim",
        "mode": "live",
        "enabled": "on",
        **fields,
    }


def test_the_desk_lists_rules_and_saves_one_through_the_form(world: World) -> None:
    client = log_in(fresh(world), "ops@campus.test")
    page = client.get("/console/risk")
    assert page.status_code == 200
    assert 'data-rule="claim_rate"' in page.text and "handback_burst" in page.text
    saved = client.post("/console/risk/rules", data=rule_form(client), follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/console/risk"
    page = client.get("/console/risk")
    assert 'data-rule="claim_storm"' in page.text and "claim_storm@1" in page.text
    edit = client.get("/console/risk?edit=claim_storm")
    assert 'value="claim_storm"' in edit.text and "claims_24h &gt;= 3" in edit.text


def test_a_refused_expression_comes_back_with_its_token_marked(world: World) -> None:
    client = log_in(fresh(world), "ops@campus.test")
    typed = "claims_24h >= 3 and clams_30d > 1"
    refused = client.post(
        "/console/risk/rules", data=rule_form(client, expression=typed), follow_redirects=False
    )
    assert refused.status_code == 422
    assert 'data-refused="bad_expression"' in refused.text
    assert "claims_24h &gt;= 3 and <mark>clams_30d</mark> &gt; 1" in refused.text
    assert "at position" in refused.text or "位置" in refused.text
    assert "clams_30d &gt; 1</textarea>" in refused.text  # the draft is kept as typed
    dangling = client.post(
        "/console/risk/rules",
        data=rule_form(client, expression="claims_24h >="),
        follow_redirects=False,
    )
    assert dangling.status_code == 422 and "<mark>⟂</mark>" in dangling.text
    rider_rule = client.post(
        "/console/risk/rules",
        data=rule_form(client, expression="rider_handbacks_24h > 2"),
        follow_redirects=False,
    )
    assert rider_rule.status_code == 422 and 'data-refused="bad_rule"' in rider_rule.text
    with world.platform.uow(read_only=True) as uow:
        saved = uow.conn.execute(select(tables.risk_rules.c.rule_id)).scalars().all()
    assert "claim_storm" not in saved


def test_a_case_is_taken_noted_and_resolved_from_its_page(world: World) -> None:
    c = world.client
    for i in range(3):  # the third claim in a row is held for review
        order = delivered(world, f"farm-{i}")
        world.drain()
        headers = {**world.auth("student1"), "X-Device-Id": "dev-1"}
        c.post(f"/v1/orders/{order['id']}/problems", json=PROBLEM, headers=headers)
    client = log_in(fresh(world), "ops@campus.test")
    desk = client.get("/console/risk")
    [case] = c.get("/v1/risk/cases?status=open", headers=world.auth("ops")).json()
    assert f'data-case="{case["id"]}"' in desk.text and "risk:claim_rate" in desk.text
    page = client.get(f"/console/risk/cases/{case['id']}")
    assert page.status_code == 200 and "claim_rate@0" in page.text
    token = csrf_of(page.text)
    base = f"/console/risk/cases/{case['id']}"
    assert client.post(f"{base}/take", data={"csrf": token}, follow_redirects=False).is_redirect
    client.post(f"{base}/note", data={"csrf": token, "text": "photos look real"})
    done = client.post(
        f"{base}/resolve",
        data={"csrf": token, "outcome": "false_positive", "note": "short delivery"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and "problem" not in done.headers["location"]
    again = client.post(
        f"{base}/resolve",
        data={"csrf": token, "outcome": "false_positive", "note": "again"},
        follow_redirects=False,
    )
    assert again.headers["location"].endswith("problem=case_resolved")
    detail = c.get(f"/v1/risk/cases/{case['id']}", headers=world.auth("ops")).json()
    assert detail["status"] == "resolved" and detail["outcome"] == "false_positive"
    assert any(n["text"] == "photos look real" for n in detail["notes"])
    wallet = c.get("/v1/me/wallet", headers=world.auth("student1")).json()
    assert sorted(g["status"] for g in wallet["grants"]) == ["granted"] * 3


def test_the_desk_is_for_the_tenants_operators_only(world: World) -> None:
    c = world.client
    for i in range(3):
        order = delivered(world, f"farm-{i}")
        world.drain()
        headers = {**world.auth("student1"), "X-Device-Id": "dev-1"}
        c.post(f"/v1/orders/{order['id']}/problems", json=PROBLEM, headers=headers)
    [case] = c.get("/v1/risk/cases?status=open", headers=world.auth("ops")).json()
    student = log_in(fresh(world), "student1@campus.test")
    assert student.get("/console/risk").status_code == 403
    assert student.get(f"/console/risk/cases/{case['id']}").status_code == 403
    token = csrf_of(student.get("/app").text)
    refused = student.post(
        f"/console/risk/cases/{case['id']}/resolve",
        data={"csrf": token, "outcome": "false_positive", "note": "mine"},
        follow_redirects=False,
    )
    assert refused.headers["location"].endswith("problem=operator_only")
    world.seed("town")
    other = log_in(fresh(world), "ops@town.test", tenant="town")
    assert other.get(f"/console/risk/cases/{case['id']}").status_code == 404
    assert case["id"] not in other.get("/console/risk").text
    anonymous = fresh(world).get("/console/risk", follow_redirects=False)
    assert anonymous.status_code in (302, 303, 307)

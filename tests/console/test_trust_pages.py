"""/console/trust: a person's score and reasons for operators of their tenant, and the trust
policy saved as the next version from a form (a refused one changes nothing)."""

from __future__ import annotations

from tests.api.helpers import delivered
from tests.conftest import World
from tests.console.test_pages import csrf_of, fresh, log_in


def test_an_operator_reads_a_score_and_saves_the_trust_policy(world: World) -> None:
    delivered(world, "trust-page")
    ops = log_in(fresh(world), "ops@campus.test")
    customer_id = world.subjects["student1"]
    page = ops.get(f"/console/trust?role=customer&subject_id={customer_id}")
    assert page.status_code == 200 and 'id="trust-score"' in page.text
    assert ops.get("/console/trust?role=customer&subject_id=cus_nobody").status_code == 404
    form = {
        "csrf": csrf_of(page.text),
        "base": "50",
        "period_days": "30",
        "trusted_at": "80",
        "watch_at": "20",
        "points_customer_orders_delivered": "2",
        "cap_customer_orders_delivered": "10",
    }
    bad = ops.post("/console/trust/policy", data=form | {"watch_at": "90"}, follow_redirects=False)
    assert bad.headers["location"] == "/console/trust?problem=bad_policy"
    nan = ops.post("/console/trust/policy", data=form | {"base": "lots"}, follow_redirects=False)
    assert nan.headers["location"] == "/console/trust?problem=bad_policy"
    r = ops.post("/console/trust/policy", data=form, follow_redirects=False)
    assert r.headers["location"] == "/console/trust"
    saved = world.client.get("/v1/trust/policy", headers=world.auth("ops")).json()
    assert saved["version"] == 2 and saved["base"] == 50
    assert saved["weights"] == {"customer": {"orders_delivered": {"points": 2.0, "cap": 10}}}
    customer = log_in(fresh(world), "student1@campus.test")
    assert customer.get("/console/trust").status_code == 403
    r = customer.post(
        "/console/trust/policy",
        data=form | {"csrf": csrf_of(customer.get("/app").text)},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/console/trust?problem=operator_only"
